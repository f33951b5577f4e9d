// Every command of every family: its option declarations, its help and its parser agree.
// The declarations are the one source; this walks all of them, so a command whose help
// promises a default the parser does not apply (or the reverse) fails here.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as v from "valibot";
import { commandHelp, describeOption, parseCommandLine } from "../src/cli/command.ts";
import { FAMILY_LOADERS } from "../src/cli/dispatch.ts";

const families = await Promise.all(Object.values(FAMILY_LOADERS).map((load) => load()));

describe("option declarations", () => {
  for (const family of families) {
    for (const command of family.commands) {
      const prefix = `ipcat ${family.name} ${command.name}`;
      it(`${prefix}: one declaration per option, and help and parser agree`, () => {
        const positionals = Array.from({ length: command.positionals.min }, (_, i) => `arg${i}`);
        const parsed = parseCommandLine(command, positionals, prefix).options as Record<
          string,
          unknown
        >;
        const help = commandHelp(command, prefix);
        const shorts = new Set<string>();
        for (const [name, spec] of Object.entries(command.options)) {
          if (spec.short) {
            assert.ok(!shorts.has(spec.short), `${prefix}: -${spec.short} is declared twice`);
            shorts.add(spec.short);
          }
          if (!spec.hidden) {
            assert.ok(help.includes(`--${name}`), `${prefix} help lacks --${name}`);
            assert.ok(help.includes(describeOption(spec)), `${prefix} help lacks --${name}'s line`);
          }
          const expected = spec.multiple
            ? []
            : spec.type === "boolean"
            ? spec.default === "true"
            : spec.default === undefined
            ? undefined
            : v.parse(spec.schema as v.GenericSchema, spec.default);
          assert.deepEqual(parsed[name], expected, `${prefix} --${name}: default as parsed`);
        }
      });
    }
  }
});
