// SIGHUP (a closing terminal or ssh session) is handled like SIGTERM by the long-running
// sock commands (issue 11, item 3): `serve` exits 129 with its socket file removed and
// its commands' groups ended; `run` cancels the remote run and exits 128+N; `connect`
// ends with the signal, leaving nothing behind.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { exited, startCli, waysToTest } from "../harness.ts";
import { alive, startServer, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-signals-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `g${++counter}.sock`);
const WAITING_JOB = ["sh", "-c", "sleep 1000 & echo $!; wait"];

async function grandchildOf(client: ChildProcess): Promise<number> {
  let out = "";
  client.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  await until(() => out.includes("\n"), "the job's pid");
  return Number(out.split("\n")[0]);
}

for (const way of waysToTest()) {
  describe(`sock signals (${way})`, () => {
    it("serve: SIGHUP exits 129, removes the socket file and ends the running groups", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", ...WAITING_JOB]);
      const client = startCli(way, ["sock", "run", path]);
      const grandchild = await grandchildOf(client);
      assert.equal((await server.stop("SIGHUP")).code, 129);
      assert.equal(existsSync(path), false, "socket file removed");
      assert.ok(!alive(grandchild), "the run's grandchild ended before the server exited");
      assert.equal((await exited(client)).code, 8);
    });

    for (const [signal, status] of [["SIGHUP", 129], ["SIGINT", 130], ["SIGTERM", 143]] as const) {
      it(`run: ${signal} cancels the remote run (its whole group) and exits ${status}`, async () => {
        const path = sockPath();
        const server = await startServer(way, [path, "--", ...WAITING_JOB]);
        const client = startCli(way, ["sock", "run", path]);
        const grandchild = await grandchildOf(client);
        client.kill(signal);
        assert.equal((await exited(client)).code, status);
        await until(() => !alive(grandchild), `grandchild ${grandchild} to end`);
        await until(
          () =>
            /the client ended the channel \(canceled\): SIGTERM to process group/.test(
              server.log(),
            ),
          "the cancel in the log",
        );
        assert.equal((await server.stop()).code, 143);
      });
    }

    it("connect: SIGHUP ends it with the signal; the raw server serves on", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--raw", path, "--", "cat"]);
      const client = startCli(way, ["sock", "connect", path]);
      client.stdin!.write("line\n");
      let out = "";
      client.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      await until(() => out === "line\n", "the echo");
      client.kill("SIGHUP");
      const end = await exited(client);
      assert.ok(end.signal === "SIGHUP" || end.code === 129, JSON.stringify(end));
      await until(() => /cat exited with status 0/.test(server.log()), "cat to see EOF");
      assert.equal((await server.stop("SIGHUP")).code, 129);
      assert.equal(existsSync(path), false);
    });
  });
}
