/**
 * How a command is declared, parsed and documented.
 *
 * Parsing uses `node:util`'s `parseArgs` (the same in Bun and Deno) in its token mode,
 * so that every unknown option gets the same "did you mean" error on both runtimes.
 * Option values are then checked and converted by the schemas of the option
 * declarations (`./options.ts`), which also give the defaults and the help lines.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as v from "valibot";
import { IpcatError } from "../errors.ts";
import {
  flag,
  type OptionSpec,
  type OptionSpecs,
  optionsSchema,
  type OptionValues,
} from "./options.ts";
import { didYouMean } from "./suggest.ts";

export type { OptionSpec, OptionSpecs, OptionValues } from "./options.ts";

/** The raw values `parseArgs` produced, keyed by long option name. */
export type RawValues = Record<string, string | boolean | string[] | undefined>;

/** What a command's `run` receives. */
export interface CommandInput<O> {
  /** Option values after validation by the command's schema. */
  options: O;
  /** Positional arguments, in order (including any passed through verbatim). */
  args: string[];
  /** The verbatim part: what followed `--`, or the pass-through after the leading positionals. */
  rest: string[];
}

/** A leaf command such as `ipcat mq send`. */
export interface Command<O = unknown> {
  name: string;
  /** One line for the family's command list. */
  summary: string;
  /** The part of the usage line after the command name, e.g. `NAME [MESSAGE | -]`. */
  usage: string;
  /** Paragraphs shown in the command's help below the usage line. */
  description?: string;
  options: OptionSpecs;
  /** Validates and converts the raw option values (derived from `options`). */
  schema: v.GenericSchema<RawValues, O>;
  /** Checks that need several options at once; throws a `usage` error. */
  check?(options: O): void;
  /** Smallest and largest number of positionals (`max` undefined: unbounded). */
  positionals: { min: number; max?: number };
  /**
   * After this many positionals, everything is taken verbatim, options included
   * (`ipcat docker run IMAGE sh -c …`), as the docker CLI does.
   */
  passThroughAfter?: number;
  /** Each example: the command line, then what it does. */
  examples: ReadonlyArray<readonly [string, string]>;
  run(input: CommandInput<O>): number | Promise<number>;
}

/** What {@link defineCommand} takes: a command whose options are declared once. */
export type CommandDeclaration<S extends OptionSpecs> =
  & Omit<Command<OptionValues<S>>, "schema" | "options">
  & { options: S };

/**
 * Declares a command. The type of `options` in `run` and `check` is inferred from the
 * option declarations (see `./options.ts` for a full example).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { defineCommand, parseCommandLine } from "./command.ts";
 * import { flag } from "./options.ts";
 * const hello = defineCommand({
 *   name: "hello",
 *   summary: "Say hello",
 *   usage: "[NAME]",
 *   options: { loud: flag("Shout") },
 *   positionals: { min: 0, max: 1 },
 *   examples: [["ipcat demo hello world", "Greets the world"]],
 *   run: ({ options, args }) => (options.loud ? args.length : 0),
 * });
 * assert.equal(parseCommandLine(hello, ["--loud", "you"], "ipcat demo hello").options.loud, true);
 * ```
 */
export function defineCommand<S extends OptionSpecs>(
  command: CommandDeclaration<S>,
): Command<OptionValues<S>> {
  return {
    ...command,
    schema: optionsSchema(command.options) as unknown as v.GenericSchema<
      RawValues,
      OptionValues<S>
    >,
  };
}

/** A group of commands: `docker`, `mq` or `sock`. */
export interface Family {
  name: string;
  summary: string;
  description: string;
  // deno-lint-ignore no-explicit-any
  commands: ReadonlyArray<Command<any>>;
  /**
   * Turns an error of one of the family's commands (parsing included) into the one to
   * report, e.g. to give the exit statuses of the tool the family mirrors.
   */
  mapError?(error: unknown, command: string): unknown;
}

/** The built-in `--help` option every command has. */
const HELP: OptionSpec<boolean> = flag("Show this help", { short: "h" });

/**
 * `--help`, with `-h` unless the command claims `-h` itself (docker's `run -h` sets the
 * hostname, as in the docker CLI).
 */
function helpOption(command: { options: OptionSpecs }): OptionSpec<boolean> {
  const claimed = Object.values(command.options).some((spec) => spec.short === "h");
  return claimed ? flag("Show this help") : HELP;
}

/**
 * Splits argv where pass-through begins: after `count` positionals, or at `--`.
 * Returns the part to parse and the verbatim rest.
 */
function splitPassThrough(
  argv: readonly string[],
  options: OptionSpecs,
  count: number | undefined,
): [string[], string[]] {
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type === "string") {
      takesValue.add(`--${name}`);
      if (spec.short) takesValue.add(`-${spec.short}`);
    }
  }
  let seen = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return [argv.slice(0, i), argv.slice(i + 1)];
    if (arg.startsWith("-") && arg !== "-") {
      if (takesValue.has(arg)) i++;
      else if (
        /^-[^-]/.test(arg) && arg.length > 2 && takesValue.has(`-${arg.at(-1)}`) &&
        !arg.includes("=")
      ) i++;
      continue;
    }
    seen++;
    if (count !== undefined && seen === count) return [argv.slice(0, i + 1), argv.slice(i + 1)];
  }
  return [[...argv], []];
}

/** True when `--help`/`-h` appears before any pass-through. */
export function wantsHelp(command: Command, argv: readonly string[]): boolean {
  const [head] = splitPassThrough(argv, command.options, command.passThroughAfter);
  return head.includes("--help") || (helpOption(command).short === "h" && head.includes("-h"));
}

/**
 * Parses `argv` for `command` into validated options and positionals, or throws a
 * `usage` {@link IpcatError} that names the problem and the fix.
 */
export function parseCommandLine<O>(
  command: Command<O>,
  argv: readonly string[],
  prefix: string,
): CommandInput<O> {
  const [head, rest] = splitPassThrough(argv, command.options, command.passThroughAfter);
  const specs: OptionSpecs = { help: helpOption(command), ...command.options };
  const parseOptions: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {};
  for (const [name, spec] of Object.entries(specs)) {
    parseOptions[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  const { tokens } = parseArgs({
    args: head,
    options: parseOptions,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const longNames = Object.keys(specs).map((n) => `--${n}`);
  const values: RawValues = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === "option-terminator") continue;
    const spec = specs[token.name];
    if (!spec) {
      throw new IpcatError("usage", `unknown option ${token.rawName} for '${prefix}'`, {
        hint: didYouMean(`--${token.name}`, longNames, `see '${prefix} --help'`),
      });
    }
    let value: string | boolean;
    if (spec.type === "boolean") {
      if (token.value === undefined) value = true;
      else if (/^(true|1|yes)$/i.test(token.value)) value = true;
      else if (/^(false|0|no)$/i.test(token.value)) value = false;
      else {throw new IpcatError(
          "usage",
          `option ${token.rawName} takes true or false, not '${token.value}'`,
          { hint: `see '${prefix} --help'` },
        );}
    } else {
      if (token.value === undefined) {
        throw new IpcatError(
          "usage",
          `option ${token.rawName} needs a value${spec.value ? ` (${spec.value})` : ""}`,
          { hint: `see '${prefix} --help'` },
        );
      }
      // `-e=A=1` means `A=1`, as getopt-style parsers (and the docker CLI) read it.
      const attachedShort = token.inlineValue && !token.rawName.startsWith("--");
      value = attachedShort && token.value.startsWith("=") ? token.value.slice(1) : token.value;
    }
    if (spec.multiple) {
      const list = (values[token.name] as string[] | undefined) ?? [];
      list.push(String(value));
      values[token.name] = list;
    } else {
      values[token.name] = value;
    }
  }
  delete values.help;
  const allPositionals = [...positionals, ...rest];
  const { min, max } = command.positionals;
  if (allPositionals.length < min) {
    throw new IpcatError("usage", `'${prefix}' needs ${command.usage.trim() || "more arguments"}`, {
      hint: `see '${prefix} --help'`,
    });
  }
  if (max !== undefined && allPositionals.length > max) {
    throw new IpcatError(
      "usage",
      `'${prefix}' takes at most ${max} argument${max === 1 ? "" : "s"}, got '${
        allPositionals.slice(max).join(" ")
      }' too`,
      {
        hint: `quote arguments that contain spaces; see '${prefix} --help'`,
      },
    );
  }
  const result = v.safeParse(command.schema, values);
  if (!result.success) {
    const issue = result.issues[0];
    const key = issue.path?.map((p) => String(p.key)).join(".") ?? "";
    const spec = specs[key];
    const shown = key ? `--${key}${spec?.value ? ` ${spec.value}` : ""}` : "options";
    const received = key && values[key] !== undefined ? `: '${values[key]}'` : "";
    throw new IpcatError("usage", `invalid ${shown}${received} (${issue.message})`, {
      hint: `see '${prefix} --help'`,
    });
  }
  command.check?.(result.output);
  return { options: result.output, args: allPositionals, rest };
}

/** The help text of one command. */
export function commandHelp(command: Command, prefix: string): string {
  const usage = [
    prefix,
    command.usage.trim(),
    Object.keys(command.options).length ? "[OPTIONS]" : "",
  ].filter(Boolean).join(" ");
  const lines = [`Usage: ${usage}`, "", command.summary];
  if (command.description) lines.push("", command.description.trim());
  const specs: OptionSpecs = { ...command.options, help: helpOption(command) };
  const rows = Object.entries(specs).filter(([, spec]) => !spec.hidden).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${
      spec.value ? ` ${spec.value}` : ""
    }`;
    return [flag, describeOption(spec)] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  lines.push("", "Options:", ...rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`));
  if (command.examples.length) {
    lines.push("", "Examples:");
    for (const [cmd, what] of command.examples) lines.push(`  ${cmd}`, `      ${what}`);
  }
  return lines.join("\n") + "\n";
}

/** An option's help line: its description, then its default and whether it repeats. */
export function describeOption(spec: OptionSpec): string {
  const notes = [
    spec.default !== undefined ? `default ${spec.default}` : "",
    spec.multiple ? "repeatable" : "",
  ].filter(Boolean);
  return notes.length ? `${spec.description} (${notes.join("; ")})` : spec.description;
}

/** The help text of a family: its commands, one line each. */
export function familyHelp(family: Family): string {
  const width = Math.max(0, ...family.commands.map((c) => c.name.length));
  const lines = [
    `Usage: ipcat ${family.name} COMMAND [OPTIONS]`,
    "",
    family.summary,
    "",
    family.description.trim(),
    "",
    "Commands:",
  ];
  if (family.commands.length === 0) lines.push("  (none yet)");
  for (const c of family.commands) lines.push(`  ${c.name.padEnd(width)}  ${c.summary}`);
  lines.push("", `Run 'ipcat ${family.name} COMMAND --help' for a command's options and examples.`);
  return lines.join("\n") + "\n";
}
