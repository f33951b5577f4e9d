// Client-side exec (issue 13, item 3): `ipcat sock connect PATH -- CMD` wires CMD's stdin
// and stdout to the connection, as socat's UNIX-CONNECT:PATH SYSTEM:CMD does, so that a
// conversational client script holds its dialogue; the exit status is CMD's. And the
// start-up check of item 5: `serve -- CMD` exits 127/126 at once when CMD cannot run.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { exited, hasCommand, runCli, startProcess, waysToTest } from "../harness.ts";
import { startServer, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-cexec-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `c${++counter}.sock`);

/** A server script that asks and answers, line by line (seed 001's server_app.sh style). */
const SERVER = join(dir, "server_app.sh");
writeFileSync(
  SERVER,
  '#!/bin/sh\necho "NAME?"\nread name\necho "HELLO $name"\nread job\necho "DONE $job"\n',
);
chmodSync(SERVER, 0o755);
/** A client script that answers what the server asks, and fails unless it is greeted. */
const CLIENT = join(dir, "client_app.sh");
writeFileSync(
  CLIENT,
  '#!/bin/sh\nread q; [ "$q" = "NAME?" ] || exit 9\necho worker\nread greeting\necho "job-1"\nread done\necho "client saw: $greeting / $done" >&2\n[ "$done" = "DONE job-1" ] && exit 42\nexit 1\n',
);
chmodSync(CLIENT, 0o755);

for (const way of waysToTest()) {
  describe(`sock connect -- CMD (${way})`, () => {
    it("holds a conversation with a --raw server; the exit status is CMD's", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--raw", path, "--", SERVER]);
      try {
        const result = await runCli(way, ["sock", "connect", path, "--", CLIENT]);
        assert.equal(result.code, 42, result.stderr);
        assert.match(result.stderr, /client saw: HELLO worker \/ DONE job-1/);
        assert.equal(result.stdout, "");
      } finally {
        await server.stop();
      }
    });

    it("talks to a socat UNIX-LISTEN server the same way", async (t) => {
      if (!hasCommand("socat")) return t.skip("socat is not installed");
      const path = sockPath();
      const socat = startProcess(["socat", `UNIX-LISTEN:${path},fork`, `SYSTEM:${SERVER}`]);
      try {
        await until(() => existsSync(path), "socat's socket");
        const result = await runCli(way, ["sock", "connect", path, "--", CLIENT]);
        assert.equal(result.code, 42, result.stderr);
      } finally {
        socat.kill("SIGTERM");
        await exited(socat);
      }
    });

    it("a missing or non-executable CMD fails at once with 127 or 126, naming it", async () => {
      const path = sockPath();
      const missing = await runCli(way, ["sock", "connect", path, "--", join(dir, "nope.sh")]);
      assert.equal(missing.code, 127);
      assert.match(missing.stderr, /^ipcat: .*nope\.sh: no such file/);
      const plain = join(dir, "plain.txt");
      writeFileSync(plain, "echo hi\n");
      const notExecutable = await runCli(way, ["sock", "connect", path, "--", plain]);
      assert.equal(notExecutable.code, 126);
      assert.match(notExecutable.stderr, /^ipcat: .*plain\.txt: not executable/);
    });
  });
}

for (const way of waysToTest()) {
  describe(`sock serve -- CMD start-up check (${way})`, () => {
    it("a missing CMD exits 127 and a non-executable one 126 at once, naming the path; no socket is left", async () => {
      const path = sockPath();
      const missing = await runCli(way, ["sock", "serve", path, "--", join(dir, "gone.sh")]);
      assert.equal(missing.code, 127);
      assert.match(missing.stderr, /^ipcat: .*gone\.sh: no such file/);
      assert.equal(existsSync(path), false);
      const plain = join(dir, "data.txt");
      writeFileSync(plain, "not a program\n");
      const raw = await runCli(way, ["sock", "serve", "--raw", path, "--", plain]);
      assert.equal(raw.code, 126);
      assert.match(raw.stderr, /^ipcat: .*data\.txt: not executable/);
      const unknown = await runCli(way, ["sock", "serve", path, "--", "no-such-program-ipcat"]);
      assert.equal(unknown.code, 127);
      assert.match(unknown.stderr, /^ipcat: no-such-program-ipcat: command not found in PATH/);
      assert.equal(existsSync(path), false);
    });

    it("with --clear-env the command is looked up in the safe PATH it will run with", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--clear-env", path, "--", "sh", "-c", "echo ok"]);
      try {
        const run = await runCli(way, ["sock", "run", path]);
        assert.equal(run.stdout, "ok\n", run.stderr);
      } finally {
        await server.stop();
      }
    });
  });
}
