// What a connection that never completes its handshake can cost (issue 11, item 5): the
// uid check runs at accept, before a byte is read; --handshake-timeout closes silent
// connections; --max-clients counts from accept; --max-per-uid caps one uid; before the
// handshake the server buffers one CONNECT frame at most.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, describe, it } from "node:test";
import { STATUS_CODES } from "../../src/framing/sock.ts";
import { runCli, runProcess, waysToTest } from "../harness.ts";
import { rawPeer, startServer, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-admission-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `a${++counter}.sock`);

/** Connects and sends nothing; resolves once the connection is up. */
async function idle(path: string): Promise<net.Socket> {
  const socket = net.createConnection({ path });
  socket.on("error", () => {});
  await new Promise((r) => socket.once("connect", r));
  return socket;
}

for (const way of waysToTest()) {
  describe(`sock admission (${way})`, () => {
    it("--handshake-timeout closes a connection that sends nothing, with one log line", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--handshake-timeout", "300ms", path]);
      const silent = await idle(path);
      await new Promise((r) => silent.once("close", r));
      await until(
        () => /closed: no CONNECT within 0\.3 s \(--handshake-timeout\)/.test(server.log()),
        "the log",
      );
      assert.equal((await server.stop()).code, 143);
    });

    it("--max-clients counts connections from accept: two silent ones fill it", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--max-clients", "2", path]);
      const silent = [await idle(path), await idle(path)];
      const refused = await runCli(way, ["sock", "call", path, "ipcat.echo", "x"]);
      assert.equal(refused.code, 8, refused.stderr);
      assert.match(refused.stderr, /maximum number of clients/);
      for (const socket of silent) socket.destroy();
      // Their places are free once the server has seen them close: retry until then.
      let served = await runCli(way, ["sock", "call", path, "ipcat.echo", "room"]);
      for (let i = 0; i < 50 && served.code !== 0; i++) {
        served = await runCli(way, ["sock", "call", path, "ipcat.echo", "room"]);
      }
      assert.deepEqual([served.code, served.stdout], [0, "room"], served.stderr);
      assert.equal((await server.stop()).code, 143);
    });

    it("before the handshake one CONNECT frame is the most a client can make the server hold", async () => {
      const path = sockPath();
      const server = await startServer(way, [path]);
      const peer = rawPeer(path);
      // A CONNECT header announcing 1 MiB - 1 bytes, of which only the first few come.
      peer.socket.write(new Uint8Array([0x49, 0x50, 0x43, 0x54, 0xff, 0xff, 0x0f, 0, 1, 1, 1]));
      assert.equal(await peer.next(), null, "closed at once");
      await until(
        () => /closed: frame of 1048575 bytes is over the 64-byte limit/.test(server.log()),
        "the log",
      );
      assert.equal((await server.stop()).code, 143);
    });

    if (way === "deno") {
      it("--max-per-uid needs SO_PEERCRED: refused at start under Deno", async () => {
        const r = await runCli(way, ["sock", "serve", "--max-per-uid", "4", sockPath()]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /--max-per-uid needs SO_PEERCRED, which deno does not expose/);
      });
      return;
    }

    it("--max-per-uid: a uid's silent connections count; the next one is refused busy at once", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--max-per-uid", "2", path]);
      const silent = [await idle(path), await idle(path)];
      const peer = rawPeer(path);
      const answer = await peer.next(); // sent without waiting for our CONNECT
      assert.ok(answer?.kind === "connect" && answer.code === STATUS_CODES.busy);
      // The busy answer can arrive before the server's log line is read.
      const logged = new RegExp(`uid ${process.getuid!()} already holds --max-per-uid 2`);
      await until(() => logged.test(server.log()), "the refusal in the log");
      for (const socket of [...silent, peer.socket]) socket.destroy();
      assert.equal((await server.stop()).code, 143);
    });

    it("a refused uid is answered permission_denied at accept, before it sends a byte", async () => {
      const name = `@ipcat-adm-${process.pid}-${++counter}`;
      const server = await startServer(way, ["--mode", "0666", name]);
      const answer = await runProcess([
        "python3",
        "-c",
        [
          "import os, socket, sys",
          "os.setgid(4321); os.setuid(4321)",
          "s = socket.socket(socket.AF_UNIX); s.connect('\\0' + sys.argv[1][1:])",
          "data = b''",
          "while len(data) < 21: data += s.recv(100)",
          "print(int.from_bytes(data[17:21], 'little'))",
        ].join("\n"),
        name,
      ]);
      assert.equal(answer.stdout.trim(), String(STATUS_CODES.permission_denied), answer.stderr);
      await server.logShows(/refused: uid 4321 \(pid \d+\) is not allowed/);
      assert.equal((await server.stop()).code, 143);
    });
  });
}
