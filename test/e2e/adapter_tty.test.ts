// Raw mode and terminal size through a real pseudo-terminal (util-linux `script`),
// for both runtimes' adapters.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cliCommand, ROOT, runProcess } from "../harness.ts";

for (const way of ["bun", "deno"] as const) {
  describe(`${way} adapter: raw-mode TTY`, () => {
    it("enters raw mode, restores it, and reads the terminal size", async () => {
      const runner = way === "bun"
        ? [cliCommand("bun")[0]!]
        : [cliCommand("deno")[0]!, "run", "-A", "--quiet"];
      const inner = `stty rows 33 cols 101; ${runner.join(" ")} ${ROOT}/test/fixtures/rawmode.ts`;
      const result = await runProcess(["script", "-qfec", inner, "/dev/null"], {
        timeoutMs: 60_000,
      });
      const line = result.stdout.split(/\r?\n/).find((l) => l.startsWith("REPORT "));
      assert.ok(line, `no report; stdout: ${result.stdout} stderr: ${result.stderr}`);
      const report = JSON.parse(line.slice(7));
      assert.deepEqual(report, {
        terminal: true,
        rawIcanon: true,
        cookedIcanon: true,
        size: { rows: 33, cols: 101 },
      });
    });
  });
}
