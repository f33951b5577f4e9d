// Every command `ipcat sock serve` runs has its own process group, and every way a run can
// be cancelled ends the whole group, grandchildren included (issue 11, item 2): a client's
// Ctrl-C, its disconnect, its final END, the command's own exit, the server's shutdown;
// SIGKILL follows after --kill-after. Routed and raw mode.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { connect } from "../../src/sock/mod.ts";
import { exited, runCli, startCli, waysToTest } from "../harness.ts";
import { alive, startServer, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-jobs-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `j${++counter}.sock`);

/** A job that starts a grandchild, prints its pid and waits for it (seed 001's hugin_job). */
const WAITING_JOB = ["sh", "-c", "sleep 1000 & echo $!; wait"];
/** The same, ignoring SIGTERM (the ignore is inherited by the grandchild). */
const STUBBORN_JOB = ["sh", "-c", "trap '' TERM; sleep 1000 & echo $!; wait"];
/** A job that leaves its grandchild running, holding stdout, and exits at once. */
const LEAVING_JOB = ["sh", "-c", "sleep 1000 & echo $!"];

/** The first line a started client prints: the grandchild's pid. */
async function grandchildOf(client: ChildProcess): Promise<number> {
  let out = "";
  client.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  await until(() => out.includes("\n"), "the job's pid");
  return Number(out.split("\n")[0]);
}

for (const way of waysToTest()) {
  describe(`sock process groups (${way})`, () => {
    for (const [signal, status] of [["SIGINT", 130], ["SIGKILL", null]] as const) {
      it(`a client ended by ${signal}: the server ends the run's whole group`, async () => {
        const path = sockPath();
        const server = await startServer(way, [path, "--", ...WAITING_JOB]);
        const client = startCli(way, ["sock", "run", path]);
        const grandchild = await grandchildOf(client);
        assert.ok(alive(grandchild));
        client.kill(signal);
        const end = await exited(client);
        if (status !== null) assert.equal(end.code, status, "run cancels and exits 128+N");
        await until(() => !alive(grandchild), `grandchild ${grandchild} to end`);
        await until(() => /SIGTERM to process group \d+/.test(server.log()), "the log line");
        assert.equal((await server.stop()).code, 143);
      });
    }

    it("a client's final END ends the whole group; a stubborn group gets SIGKILL after --kill-after", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--kill-after", "0.3", path, "--", ...STUBBORN_JOB]);
      const client = await connect(path);
      const channel = client.open("ipcat.exec", "{}");
      const pidLine = new TextDecoder().decode((await channel.read())!.subarray(1));
      const grandchild = Number(pidLine.trim());
      assert.ok(alive(grandchild));
      channel.end(4, "cancelled by the test");
      await until(() => !alive(grandchild), `grandchild ${grandchild} to end`);
      await until(
        () => /still running 0\.3 s after SIGTERM \(--kill-after\): SIGKILL/.test(server.log()),
        "SIGKILL logged",
      );
      assert.match(
        server.log(),
        /the client ended the channel \(canceled\): SIGTERM to process group/,
      );
      client.close();
      assert.equal((await server.stop()).code, 143);
    });

    it("a command that exits leaving a grandchild on its stdout: logged at once, the leftover ended, the run completes", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", ...LEAVING_JOB]);
      const run = await runCli(way, ["sock", "run", path], { timeoutMs: 20_000 });
      assert.equal(run.code, 0, run.stderr);
      const grandchild = Number(run.stdout.trim());
      assert.ok(!alive(grandchild), "the leftover is gone by the time the run returns");
      await until(
        () => /left processes running in its group: SIGTERM/.test(server.log()),
        "the log",
      );
      assert.match(
        server.log(),
        /sh exited with status 0\n.*left processes running in its group: SIGTERM/,
      );
      assert.equal((await server.stop()).code, 143);
    });

    it("the server's SIGTERM ends every running group before it exits", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", ...WAITING_JOB]);
      const clients = [startCli(way, ["sock", "run", path]), startCli(way, ["sock", "run", path])];
      const grandchildren = await Promise.all(clients.map(grandchildOf));
      assert.equal((await server.stop("SIGTERM")).code, 143);
      for (const pid of grandchildren) assert.ok(!alive(pid), `grandchild ${pid} ended`);
      for (const client of clients) assert.equal((await exited(client)).code, 8);
    });

    it("raw mode: a grandchild holding the socket is ended with the server, and the client returns", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--raw", path, "--", ...WAITING_JOB]);
      const client = startCli(way, ["sock", "connect", path]);
      const grandchild = await grandchildOf(client);
      assert.equal((await server.stop("SIGTERM")).code, 143);
      assert.ok(!alive(grandchild), "grandchild ended before the server exited");
      assert.equal((await exited(client)).code, 0);
      const leaving = await startServer(way, ["--raw", path, "--", ...LEAVING_JOB]);
      const run = await runCli(way, ["sock", "connect", path], { timeoutMs: 20_000 });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(!alive(Number(run.stdout.trim())), "the leftover is gone");
      assert.equal((await leaving.stop()).code, 143);
    });
  });
}
