// Unit tests of option parsing, validation and suggestions (no processes).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as v from "valibot";
import { IpcatError } from "../errors.ts";
import { commandHelp, defineCommand, parseCommandLine } from "./command.ts";
import { count, flag, list } from "./options.ts";
import { closest, editDistance } from "./suggest.ts";

const run = defineCommand({
  name: "run",
  summary: "Run a thing",
  usage: "IMAGE [CMD...]",
  options: {
    interactive: flag("Keep stdin open", { short: "i" }),
    tty: flag("Allocate a TTY", { short: "t" }),
    env: list("K=V", "Set a variable", v.string(), { short: "e" }),
    count: count("N", "How many"),
    "sig-proxy": flag("Forward signals", { default: true }),
  },
  positionals: { min: 1 },
  passThroughAfter: 1,
  examples: [["ipcat x run -it img sh", "Runs sh"]],
  run: () => 0,
});

describe("parseCommandLine", () => {
  it("parses grouped shorts, repeated values and docker-style pass-through", () => {
    const r = parseCommandLine(
      run,
      ["-it", "-e", "A=1", "--env=B=2", "img", "sh", "-c", "ls -l"],
      "ipcat x run",
    );
    assert.deepEqual(r.options, {
      interactive: true,
      tty: true,
      env: ["A=1", "B=2"],
      "sig-proxy": true,
    });
    assert.deepEqual(r.args, ["img", "sh", "-c", "ls -l"]);
    assert.deepEqual(r.rest, ["sh", "-c", "ls -l"]);
  });

  it("accepts --flag=false as the docker CLI does", () => {
    assert.equal(
      parseCommandLine(run, ["--sig-proxy=false", "img"], "p").options["sig-proxy"],
      false,
    );
  });

  it("suggests the closest option for a typo", () => {
    assert.throws(
      () => parseCommandLine(run, ["--interactiv", "img"], "ipcat x run"),
      (e: IpcatError) => {
        assert.equal(e.code, "usage");
        assert.equal(e.message, "unknown option --interactiv for 'ipcat x run'");
        assert.equal(e.hint, "did you mean '--interactive'?");
        return true;
      },
    );
  });

  it("names the option and the bad value when the schema refuses it", () => {
    assert.throws(() => parseCommandLine(run, ["--count", "many", "img"], "p"), (e: IpcatError) => {
      assert.equal(
        e.message,
        "invalid --count N: 'many' (expected a whole number such as 0, 1 or 10)",
      );
      return true;
    });
    assert.equal(parseCommandLine(run, ["--count", "12", "img"], "p").options.count, 12);
  });

  it("refuses a missing value and missing positionals", () => {
    assert.throws(
      () => parseCommandLine(run, ["--count"], "p"),
      /option --count needs a value \(N\)/,
    );
    // After IMAGE everything belongs to the container's command, as with the docker CLI.
    assert.deepEqual(parseCommandLine(run, ["img", "--count"], "p").rest, ["--count"]);
    assert.throws(() => parseCommandLine(run, [], "p"), /'p' needs IMAGE/);
  });

  it("renders help with options and examples", () => {
    const help = commandHelp(run, "ipcat x run");
    assert.match(help, /^Usage: ipcat x run IMAGE \[CMD\.\.\.\] \[OPTIONS\]/);
    assert.match(help, /-e, --env K=V\s+Set a variable \(repeatable\)/);
    assert.match(help, /Examples:\n {2}ipcat x run -it img sh\n {6}Runs sh/);
  });
});

describe("suggestions", () => {
  it("measures edits, swaps included", () => {
    assert.equal(editDistance("recv", "recv"), 0);
    assert.equal(editDistance("rcev", "recv"), 1);
    assert.equal(editDistance("", "abc"), 3);
  });
  it("offers only plausible matches", () => {
    assert.equal(closest("stat", ["start", "stop", "stat"]), "stat");
    assert.equal(closest("strat", ["start", "stop"]), "start");
    assert.equal(closest("xyzzy", ["start", "stop"]), undefined);
  });
});
