// `ipcat sock proxy LISTEN TARGET --trace` (issue 13, item 8): routed connections are
// relayed unchanged and each frame is printed as one decoded line, the target's own
// services by name (asked of its ipcat.services once it has answered a CONNECT).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  BUN,
  exited,
  ROOT,
  runCli,
  startCli,
  startProcess,
  waitForOutput,
  waysToTest,
} from "../harness.ts";
import { startServer, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-proxy-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `p${++counter}.sock`);

for (const way of waysToTest()) {
  describe(`sock proxy --trace (${way})`, () => {
    it("relays run and call unchanged and prints one line per frame, END codes included", async () => {
      const upstream = sockPath();
      const front = sockPath();
      const server = await startServer(way, [upstream, "--", "sh", "-c", "cat; exit 5"]);
      const proxy = startCli(way, ["sock", "proxy", "--trace", front, upstream]);
      let log = "";
      proxy.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
      try {
        await waitForOutput(proxy, "ipcat: proxying ");
        const run = await runCli(way, ["sock", "run", front], { stdin: "hi" });
        assert.equal(run.stdout, "hi", run.stderr);
        assert.equal(run.code, 5);
        const missing = await runCli(way, ["sock", "call", front, "no.such.service", "x"]);
        assert.equal(missing.code, 3, missing.stderr);
        await until(() => /connection 2 < END channel 1 final no_entry/.test(log), "the END line");
        assert.match(log, /connection 1 > CONNECT 1\.\d+ features 1 max-payload \d+ ok\n/);
        assert.match(log, /connection 1 < CONNECT 1\.\d+ /);
        assert.match(log, /connection 1 > MSG channel 1 seq 0 service ipcat\.exec \d+ bytes\n/);
        assert.match(log, /connection 1 > MSG channel 1 seq 1 service ipcat\.exec 3 bytes\n/);
        assert.match(log, /connection 1 > END channel 1 half-close ok\n/);
        assert.match(log, /connection 1 < END channel 1 final ok\n/);
        // call first asks ipcat.services whether the service is typed (protocol 1.2).
        assert.match(log, /connection 2 > MSG channel 1 seq 0 service ipcat\.services \d+ bytes\n/);
      } finally {
        proxy.kill("SIGTERM");
        assert.equal((await exited(proxy)).code, 143);
        assert.equal(existsSync(front), false);
        await server.stop();
      }
    });

    it("names a service of the target's own, learnt from its ipcat.services", async () => {
      const upstream = sockPath();
      const front = sockPath();
      const daemon = startProcess([BUN, join(ROOT, "examples", "daemon", "daemon.ts"), upstream]);
      await waitForOutput(daemon, "daemon: ready on ");
      const proxy = startCli(way, ["sock", "proxy", "--trace", front, upstream]);
      let log = "";
      proxy.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
      try {
        await waitForOutput(proxy, "ipcat: proxying ");
        const call = () =>
          runCli(way, [
            "sock",
            "call",
            front,
            "ocvsmd.exec_cmd",
            '{"nodeIds":[2],"command":"identify"}',
          ]);
        assert.equal((await call()).code, 0);
        // The names arrive a little after the first CONNECT: a later call shows them.
        await until(async () => {
          const again = await call();
          assert.equal(again.code, 0, again.stderr);
          return / > MSG channel \d+ seq 0 service ocvsmd\.exec_cmd \d+ bytes\n/.test(log);
        }, "the daemon's own service named in the trace");
        assert.doesNotMatch(log, /cannot list the target's services/);
      } finally {
        proxy.kill("SIGTERM");
        assert.equal((await exited(proxy)).code, 143);
        daemon.kill("SIGTERM");
        await exited(daemon);
      }
    });
  });
}
