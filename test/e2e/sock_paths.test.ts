// Liveness and ownership without side effects, and one rule for paths (issue 11, item 8):
// a live server holds PATH.lock, so `wait` and a second `serve` never run a raw server's
// command; of two servers started at once exactly one wins; a server removes only its own
// socket file; over-long paths fail alike everywhere; symlinks are followed; a regular
// file or a directory at the path is an immediate error (exit 3).
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { exited, runCli, runProcess, startCli, waitForOutput, waysToTest } from "../harness.ts";
import { startServer } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-paths-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `p${++counter}.sock`);

for (const way of waysToTest()) {
  describe(`sock paths and ownership (${way})`, () => {
    it("wait and a second serve find a live raw server by its lock: its command never runs for them", async () => {
      const path = sockPath();
      const trace = join(dir, `ran${++counter}`);
      writeFileSync(trace, "");
      const server = await startServer(way, [
        "--raw",
        path,
        "--",
        "sh",
        "-c",
        `echo ran >> ${trace}; cat`,
      ]);
      assert.ok(existsSync(`${path}.lock`), "the lock file is there while it serves");
      const up = await runCli(way, ["sock", "wait", "--timeout", "10s", path]);
      assert.equal(up.code, 0, up.stderr);
      const second = await runCli(way, ["sock", "serve", "--raw", path, "--", "true"]);
      assert.equal(second.code, 4, second.stderr);
      assert.match(second.stderr, /another server is already listening on/);
      assert.equal(readFileSync(trace, "utf8"), "", "no run of the command");
      assert.equal((await server.stop()).code, 143);
      assert.equal(existsSync(path), false);
      assert.equal(existsSync(`${path}.lock`), false, "the lock file is removed too");
    });

    it("two servers started at once on a stale path: exactly one serves, the other exits 4", async () => {
      for (let round = 0; round < 5; round++) {
        const path = sockPath();
        const stale = await runProcess([
          "python3",
          "-c",
          "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
          path,
        ]);
        assert.equal(stale.code, 0);
        const servers = [0, 1].map(() => startCli(way, ["sock", "serve", path]));
        const outcomes = await Promise.all(
          servers.map((child) =>
            waitForOutput(child, "ipcat: serving ").then(
              () => "serving",
              async () => `exit ${(await exited(child)).code}`,
            )
          ),
        );
        assert.deepEqual([...outcomes].sort(), ["exit 4", "serving"], `round ${round}`);
        const winner = servers[outcomes.indexOf("serving")]!;
        const echo = await runCli(way, ["sock", "call", path, "ipcat.echo", "one"]);
        assert.deepEqual([echo.code, echo.stdout], [0, "one"], echo.stderr);
        winner.kill("SIGTERM");
        assert.equal((await exited(winner)).code, 143);
      }
    });

    it("a server whose path was taken over leaves the newer server's socket file in place", async () => {
      const path = sockPath();
      const older = await startServer(way, [path]);
      unlinkSync(path);
      unlinkSync(`${path}.lock`);
      const newer = await startServer(way, [path]);
      assert.equal((await older.stop()).code, 143);
      assert.ok(existsSync(path), "the newer server's socket file survives");
      const echo = await runCli(way, ["sock", "call", path, "ipcat.echo", "newer"]);
      assert.deepEqual([echo.code, echo.stdout], [0, "newer"], echo.stderr);
      assert.equal((await newer.stop()).code, 143);
      assert.equal(existsSync(path), false);
    });

    it("a path over the kernel's 107 bytes is one usage error for every command", async () => {
      const deep = join(dir, "d".repeat(60), "e".repeat(40));
      mkdirSync(deep, { recursive: true });
      const long = join(deep, "server.sock");
      for (
        const args of [["serve", long], ["run", long], ["call", long, "ipcat.echo"], [
          "connect",
          long,
        ], ["wait", long]]
      ) {
        const r = await runCli(way, ["sock", ...args]);
        assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
        assert.match(r.stderr, /bytes long, over the kernel's limit of 107 bytes \(sun_path\)/);
      }
    });

    it("wait, run and call follow a symlink to the socket", async () => {
      const path = sockPath();
      const link = join(dir, `link${++counter}`);
      symlinkSync(path, link);
      const server = await startServer(way, [path, "--", "echo", "via link"]);
      const up = await runCli(way, ["sock", "wait", "--timeout", "10s", link]);
      assert.equal(up.code, 0, up.stderr);
      const r = await runCli(way, ["sock", "run", link]);
      assert.deepEqual([r.code, r.stdout], [0, "via link\n"], r.stderr);
      assert.equal((await server.stop()).code, 143);
    });

    it("a regular file or a directory at the path: every client fails at once with exit 3", async () => {
      const file = join(dir, `file${++counter}`);
      writeFileSync(file, "not a socket");
      const folder = join(dir, `folder${++counter}`);
      mkdirSync(folder);
      for (const [path, what] of [[file, "a regular file"], [folder, "a directory"]] as const) {
        for (
          const args of [["run", path], ["call", path, "ipcat.echo"], ["connect", path], [
            "wait",
            "--timeout",
            "60s",
            path,
          ]]
        ) {
          const r = await runCli(way, ["sock", ...args], { timeoutMs: 30_000 });
          assert.equal(r.code, 3, `${args[0]} ${what}: ${r.stderr}`);
          assert.match(r.stderr, new RegExp(`is ${what}, not a socket`));
        }
      }
    });
  });
}
