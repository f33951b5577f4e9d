// examples/daemon/ (seed 004) end to end, under Bun and under Deno: the daemon and its
// client as real processes, several channels on one connection, and kill -9 of either
// side (the other sees its channels complete with `disconnected`).
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  BUN,
  DENO,
  exited,
  ROOT,
  runCli,
  runProcess,
  startProcess,
  waitForOutput,
} from "../harness.ts";
import { until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-example-daemon-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const DAEMON = join(ROOT, "examples", "daemon", "daemon.ts");
const CLIENT = join(ROOT, "examples", "daemon", "client.ts");
let counter = 0;

const runtimes = {
  bun: (file: string, ...args: string[]) => [BUN, file, ...args],
  deno: (file: string, ...args: string[]) => [DENO, "run", "-A", "--quiet", file, ...args],
};

async function startDaemon(argv: string[]): Promise<{ child: ChildProcess; log: () => string }> {
  const child = startProcess(argv, { cwd: ROOT });
  let log = "";
  child.stderr!.on("data", (c: Buffer) => (log += c.toString()));
  await waitForOutput(child, "daemon: ready on ");
  return { child, log: () => log };
}

for (const [name, command] of Object.entries(runtimes)) {
  describe(`examples/daemon (${name})`, () => {
    it("the client's calls and stream share one connection and complete ok", async () => {
      const path = join(dir, `d${++counter}.sock`);
      const daemon = await startDaemon(command(DAEMON, path));
      const r = await runProcess(command(CLIENT, path), { cwd: ROOT, timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split("\n").sort();
      assert.deepEqual(lines.filter((l) => l.startsWith("exec")), [
        "exec node 1: ok",
        "exec node 3: ok",
        "exec node 9: unreachable",
      ]);
      assert.ok(lines.includes("heartbeat node 3 health nominal"), r.stdout);
      assert.ok(lines.includes("monitor: ok after 6 heartbeats"), r.stdout);
      await until(() => daemon.log().includes("disconnected; context freed"), "the disconnect");
      // The compiled CLI reads the daemon's definitions and calls it with a checked opening.
      const described = await runCli("binary", ["sock", "introspect", path]);
      assert.match(
        described.stdout,
        /^ocvsmd\.monitor 1\.0\.0\n {2}open: \{ intervalMs: integer \}/m,
      );
      const called = await runCli("binary", [
        "sock",
        "call",
        path,
        "ocvsmd.exec_cmd",
        "--json",
        '{"nodeIds":[2],"command":"identify"}',
      ]);
      assert.equal(called.stdout, '{"result":{"responses":[{"nodeId":2,"status":"ok"}]}}\n');
      const refused = await runCli("binary", [
        "sock",
        "call",
        path,
        "ocvsmd.exec_cmd",
        '{"nodeIds":[200],"command":"identify"}',
      ]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /at nodeIds\.0: expected at most 127/);
      // One connection, three channels on it.
      assert.equal(daemon.log().match(/client 1: connected \(/g)?.length, 1);
      assert.equal(daemon.log().match(/of client 1 ended: ok/g)?.length, 3);
      daemon.child.kill("SIGTERM");
      assert.equal((await exited(daemon.child)).code, 0);
    });

    it("kill -9 of the client: the daemon's service sees disconnected", async () => {
      const path = join(dir, `d${++counter}.sock`);
      const daemon = await startDaemon(command(DAEMON, path));
      const client = startProcess(command(CLIENT, path, "--hold"), { cwd: ROOT });
      await waitForOutput(client, "heartbeat node");
      client.kill("SIGKILL");
      await exited(client);
      await until(
        () => daemon.log().includes("(ocvsmd.monitor) of client 1 ended: disconnected"),
        "the monitor's completion",
      );
      daemon.child.kill("SIGTERM");
      assert.equal((await exited(daemon.child)).code, 0);
    });

    it("kill -9 of the daemon: the client's channels complete with disconnected", async () => {
      const path = join(dir, `d${++counter}.sock`);
      const daemon = await startDaemon(command(DAEMON, path));
      const client = startProcess(command(CLIENT, path, "--hold"), { cwd: ROOT });
      let stdout = "";
      client.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
      await waitForOutput(client, "heartbeat node");
      daemon.child.kill("SIGKILL");
      await exited(daemon.child);
      assert.deepEqual(await exited(client), { code: 8, signal: null }); // unavailable
      assert.match(stdout, /^monitor: disconnected$/m);
    });
  });
}
