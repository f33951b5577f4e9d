// `ipcat mq serve` ending cleanly: SIGTERM while a --handler command runs ends that command
// and everything it started (its own process group), answers the client 500, and exits 143.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { exited, runCli, startCli, tempName, waitForOutput, waysToTest } from "./harness.ts";

/** PIDs of running processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  return readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
    } catch {
      return false;
    }
  }).map(Number);
}

for (const way of waysToTest()) {
  describe(`mq serve stops cleanly (${way})`, () => {
    it("SIGTERM during a --handler ends the command's whole process group", async () => {
      // The handler starts a grandchild whose command line alone carries the marker (as its
      // $0): the server's own command line names only the script.
      const script = tempName("ipcat-handler");
      const marker = `${script}-grandchild`;
      writeFileSync(script, `sh -c 'sleep 60; echo "{\\"status\\":200}"' ${marker}\n`);
      const server = startCli(way, ["mq", "serve", "--handler", `sh ${script}`]);
      await waitForOutput(server, "Ctrl-C stops");
      const client = runCli(way, ["mq", "status", String(server.pid), "--timeout", "60"]);
      const until = Date.now() + 30_000;
      while (processesWith(marker).length === 0) {
        assert.ok(Date.now() < until, "the handler never started");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      server.kill("SIGTERM");
      assert.equal((await exited(server)).code, 143);
      const answer = await client;
      assert.equal(answer.code, 1);
      assert.equal(answer.stdout, '{\n  "status": 500\n}\n', "the client still got an answer");
      const gone = Date.now() + 30_000;
      while (processesWith(marker).length > 0) {
        assert.ok(Date.now() < gone, "the handler's child outlived the server");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      rmSync(script);
    });
  });
}
