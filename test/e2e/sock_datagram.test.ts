// Unix datagram sockets (issue 13, item 7): `ipcat sock send PATH DATA|-` and
// `ipcat sock recv PATH [--count N] [--json]`, between each other and with socat's
// UNIX-SENDTO / UNIX-RECV; the receiver's socket file is removed on every exit.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  exited,
  hasCommand,
  runCli,
  runProcess,
  startCli,
  startProcess,
  waysToTest,
} from "../harness.ts";
import { until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-dgram-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `g${++counter}.sock`);

/** Starts `ipcat sock recv ...args PATH` and resolves once its socket exists. */
async function receiver(way: Parameters<typeof startCli>[0], path: string, args: string[]) {
  const child = startCli(way, ["sock", "recv", ...args, path]);
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  await until(() => existsSync(path), "the receiver's socket");
  return { child, out: () => out, err: () => err };
}

for (const way of waysToTest()) {
  describe(`sock send and recv (${way})`, () => {
    it("recv --count 3 --json prints each datagram as one JSON line; the file is gone after", async () => {
      const path = sockPath();
      const recv = await receiver(way, path, ["--count", "3", "--json"]);
      assert.equal((await runCli(way, ["sock", "send", path, "job 7 done"])).code, 0);
      assert.equal(
        (await runCli(way, ["sock", "send", path, "-"], { stdin: "from stdin" })).code,
        0,
      );
      const binary = await runCli(way, ["sock", "send", path, "-"], {
        stdin: new Uint8Array([0xff, 0x00, 0xfe]),
      });
      assert.equal(binary.code, 0, binary.stderr);
      const status = await exited(recv.child);
      assert.equal(status.code, 0, recv.err());
      assert.deepEqual(recv.out().trim().split("\n").map((line) => JSON.parse(line)), [
        { data: "job 7 done" },
        { data: "from stdin" },
        { base64: "/wD+" },
      ]);
      assert.equal(existsSync(path), false);
    });

    it("recv stops on SIGTERM with 143 and removes its socket file", async () => {
      const path = sockPath();
      const recv = await receiver(way, path, []);
      await runCli(way, ["sock", "send", path, "one"]);
      await until(() => recv.out() === "one\n", "the first datagram");
      recv.child.kill("SIGTERM");
      assert.equal((await exited(recv.child)).code, 143);
      assert.equal(existsSync(path), false);
    });

    it("send fails with one line: nothing there (3), a stream socket (2)", async () => {
      const missing = await runCli(way, ["sock", "send", sockPath(), "x"]);
      assert.equal(missing.code, 3);
      assert.match(missing.stderr, /^ipcat: no datagram socket at /);
      const streamPath = sockPath();
      const stream = net.createServer().listen(streamPath);
      try {
        await until(() => existsSync(streamPath), "the stream socket");
        const wrong = await runCli(way, ["sock", "send", streamPath, "x"]);
        assert.equal(wrong.code, 2);
        assert.match(wrong.stderr, /is a stream socket, not a datagram one/);
      } finally {
        stream.close();
      }
    });

    it("interop with socat: UNIX-SENDTO to recv, send to UNIX-RECV", async (t) => {
      if (!hasCommand("socat")) return t.skip("socat is not installed");
      const path = sockPath();
      const recv = await receiver(way, path, ["--count", "1"]);
      const sent = await runProcess(["socat", "-", `UNIX-SENDTO:${path}`], { stdin: "from socat" });
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal((await exited(recv.child)).code, 0);
      assert.equal(recv.out(), "from socat\n");
      const socatPath = sockPath();
      const socat = startProcess(["socat", "-u", `UNIX-RECV:${socatPath}`, "-"]);
      let got = "";
      socat.stdout!.on("data", (chunk: Buffer) => (got += chunk.toString()));
      try {
        await until(() => existsSync(socatPath), "socat's socket");
        assert.equal((await runCli(way, ["sock", "send", socatPath, "from ipcat"])).code, 0);
        await until(() => got === "from ipcat", "socat to print the datagram");
      } finally {
        socat.kill("SIGTERM");
        await exited(socat);
      }
    });
  });
}
