// Client timeouts (issue 13, item 4): --idle-timeout (socat's -T: no data either way for
// that long) exits 11, --timeout (the whole exchange) exits 12, on run, call and connect,
// each with its own one-line message; the remote run is cancelled, a local CMD ended.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli, waysToTest } from "../harness.ts";
import { startServer, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-timeouts-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `t${++counter}.sock`);

const SILENT = ["sh", "-c", "echo start; exec sleep 30"];
const CHATTY = ["sh", "-c", "while :; do echo tick; sleep 0.05; done"];
const IDLE = /^ipcat: no data to or from .* for 0\.3 s \(--idle-timeout\)/;
const TOTAL = /^ipcat: the exchange with .* did not finish within 0\.5 s \(--timeout\)/;

for (const way of waysToTest()) {
  describe(`sock client timeouts (${way})`, () => {
    it("run: --idle-timeout exits 11 after the silence, the remote run is cancelled", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", ...SILENT]);
      try {
        const run = await runCli(way, ["sock", "run", "--idle-timeout", "300ms", path]);
        assert.equal(run.code, 11, run.stderr);
        assert.equal(run.stdout, "start\n");
        assert.match(run.stderr, IDLE);
        await until(() => /canceled|cancel/.test(server.log()), "the server to end the run");
      } finally {
        await server.stop();
      }
    });

    it("run: --timeout exits 12 even while data keeps flowing", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", ...CHATTY]);
      try {
        const run = await runCli(way, [
          "sock",
          "run",
          "--timeout",
          "500ms",
          "--idle-timeout",
          "10s",
          path,
        ]);
        assert.equal(run.code, 12, run.stderr);
        assert.match(run.stdout, /^(tick\n)+$/);
        assert.match(run.stderr, TOTAL);
      } finally {
        await server.stop();
      }
    });

    it("call: --idle-timeout exits 11 on a service that never answers", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", "sleep", "30"]);
      try {
        const opening = JSON.stringify({ args: [], env: {}, tty: false });
        const call = await runCli(way, [
          "sock",
          "call",
          "--idle-timeout",
          "300ms",
          path,
          "ipcat.exec",
          opening,
        ]);
        assert.equal(call.code, 11, call.stderr);
        assert.match(call.stderr, IDLE);
      } finally {
        await server.stop();
      }
    });

    it("connect: --idle-timeout exits 11 and --timeout 12 on a raw server", async () => {
      const silent = sockPath();
      const quiet = await startServer(way, ["--raw", silent, "--", ...SILENT]);
      try {
        const idle = await runCli(way, ["sock", "connect", "--idle-timeout", "300ms", silent]);
        assert.equal(idle.code, 11, idle.stderr);
        assert.equal(idle.stdout, "start\n");
        assert.match(idle.stderr, IDLE);
      } finally {
        await quiet.stop();
      }
      const chatty = sockPath();
      const talker = await startServer(way, ["--raw", chatty, "--", ...CHATTY]);
      try {
        const total = await runCli(way, ["sock", "connect", "--timeout", "500ms", chatty]);
        assert.equal(total.code, 12, total.stderr);
        assert.match(total.stdout, /^(tick\n)+$/);
        assert.match(total.stderr, TOTAL);
      } finally {
        await talker.stop();
      }
    });

    it("connect -- CMD: --idle-timeout ends CMD and exits 11", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--raw", path, "--", "sleep", "30"]);
      try {
        const result = await runCli(way, [
          "sock",
          "connect",
          "--idle-timeout",
          "300ms",
          path,
          "--",
          "sleep",
          "30",
        ]);
        assert.equal(result.code, 11, result.stderr);
        assert.match(result.stderr, IDLE);
      } finally {
        await server.stop();
      }
    });
  });
}
