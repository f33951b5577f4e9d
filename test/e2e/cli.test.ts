// The dispatcher, end to end, in each way ipcat runs: compiled binary, Bun, Deno.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { describe, it } from "node:test";
import { cliCommand, eventually, runCli, startProcess, tempName, waysToTest } from "../harness.ts";

const helps = new Map<string, string>();

for (const way of waysToTest()) {
  describe(`cli (${way})`, () => {
    it("--help lists the three families and exits 0", async () => {
      const r = await runCli(way, ["--help"]);
      assert.equal(r.code, 0, r.stderr);
      for (const family of ["docker", "mq", "sock"]) {
        assert.match(r.stdout, new RegExp(`^  ${family} `, "m"));
      }
      helps.set(way, r.stdout);
      for (const [other, text] of helps) {
        assert.equal(r.stdout, text, `--help differs between ${way} and ${other}`);
      }
    });

    it("--version names the version and the runtime", async () => {
      const r = await runCli(way, ["--version"]);
      assert.equal(r.code, 0, r.stderr);
      const runtime = way === "deno" ? "deno" : "bun";
      assert.match(
        r.stdout,
        new RegExp(
          `^ipcat \\d+\\.\\d+\\.\\d+ \\(${runtime} \\d+\\.\\d+\\.\\d+${
            way === "binary" ? ", compiled" : ""
          }, linux-`,
        ),
      );
    });

    it("--version takes --json and nothing else", async () => {
      const json = await runCli(way, ["-V", "--json"]);
      assert.equal(json.code, 0, json.stderr);
      assert.equal(JSON.parse(json.stdout).runtime, way === "deno" ? "deno" : "bun");
      const extra = await runCli(way, ["--version", "now"]);
      assert.equal(extra.code, 2);
      assert.equal(extra.stdout, "");
      assert.match(
        extra.stderr,
        /^ipcat: unexpected 'now' after --version \(run 'ipcat --version'/,
      );
    });

    it("a closed stdout (| head -1) ends a command quietly with status 141", async () => {
      const queue = `/ipcat-epipe-${way}-${process.pid}`;
      const errors = tempName(`ipcat-epipe-${way}`);
      assert.equal((await runCli(way, ["mq", "create", queue])).code, 0);
      try {
        const cmd = cliCommand(way).map((word) => `'${word}'`).join(" ");
        const pipeline = startProcess([
          "bash",
          "-c",
          `${cmd} mq recv --follow ${queue} 2>${errors} | head -1 >/dev/null; ` +
          `echo "status=\${PIPESTATUS[0]}"; cat ${errors}`,
        ]);
        let output = "";
        pipeline.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
        let exited = false;
        pipeline.on("close", () => (exited = true));
        // Keep sending until the pipeline is over: the second line meets the closed pipe.
        await eventually(async () => {
          await runCli(way, ["mq", "send", queue, "line"]);
          return exited;
        }, "the pipeline to end");
        assert.equal(output, "status=141\n");
      } finally {
        await runCli(way, ["mq", "unlink", "-f", queue]);
        rmSync(errors, { force: true });
      }
    });

    it("no arguments prints help and exits 2", async () => {
      const r = await runCli(way, []);
      assert.equal(r.code, 2);
      assert.match(r.stdout, /^Usage: ipcat FAMILY COMMAND/);
    });

    it("a mistyped family gets one line with the closest name and exit 2", async () => {
      const r = await runCli(way, ["dokcer", "ps"]);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "ipcat: unknown command 'dokcer' (did you mean 'docker'?)\n");
      assert.equal(r.stdout, "");
    });

    it("an unknown top-level option is named, with exit 2", async () => {
      const r = await runCli(way, ["--verison"]);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "ipcat: unknown option '--verison' (did you mean '--version'?)\n");
    });

    it("each family has its own --help", async () => {
      for (const family of ["docker", "mq", "sock"]) {
        const r = await runCli(way, [family, "--help"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^Usage: ipcat ${family} COMMAND`));
      }
    });

    it("a mistyped command within a family is an error with exit 2 and no stack", async () => {
      const r = await runCli(way, ["mq", "no-such-command"]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^ipcat: unknown command 'ipcat mq no-such-command' \(.*\)\n$/);
      assert.doesNotMatch(r.stderr, /\n {4}at /);
    });
  });
}
