// Per-channel flow control (protocol 1.1, issue 11 item 4) against real servers: unread
// data on one channel never delays another; breaking out of an iterator frees its window;
// version 1.0 stays served, and ipcat's client works against a 1.0-only server (the C echo
// of bench/c/echo.c) with 1.0's connection-level back-pressure.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { FEATURE_CHANNEL_CREDIT, INITIAL_WINDOW } from "../../src/framing/sock.ts";
import { connect } from "../../src/sock/mod.ts";
import { exited, ROOT, waysToTest } from "../harness.ts";
import { hello, rawPeer, startServer, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-flow-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `c${++counter}.sock`);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const MiB = 1 << 20;

function rssMiB(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) /
    1024;
}

/** A message of the flood on channel A: its index in every byte. */
const floodMessage = (i: number) => new Uint8Array(64 * 1024).fill(i & 255);

for (const way of waysToTest()) {
  describe(`sock flow control (${way})`, () => {
    it("soak: one connection, 1,000 channels, one holding 64 MiB unread; every other echo completes", async () => {
      const path = sockPath();
      const server = await startServer(way, [path]);
      const client = await connect(path);
      assert.equal(client.channelCredit, true, "1.1 negotiated");
      const held = client.open("ipcat.echo", "held");
      const floodCount = (64 * MiB) / (64 * 1024);
      let sent = 0;
      const flooding = (async () => {
        for (; sent < floodCount; sent++) await held.send(floodMessage(sent));
        held.closeWrite();
      })();
      const base = rssMiB(server.child.pid!);
      await Promise.all(Array.from({ length: 999 }, async (_, i) => {
        const channel = client.open("ipcat.echo", `channel ${i}`);
        await channel.send(`again ${i}`);
        channel.closeWrite();
        const replies = [];
        for await (const data of channel) replies.push(text(data));
        assert.deepEqual(replies, [`channel ${i}`, `again ${i}`]);
        assert.equal((await channel.done).name, "ok");
      }));
      assert.ok(sent < floodCount, `the flood waits for credit (${sent} of ${floodCount} sent)`);
      const grown = rssMiB(server.child.pid!) - base;
      assert.ok(grown < 64, `server RSS grew by ${grown.toFixed(0)} MiB`);
      assert.equal(text((await held.read())!), "held");
      for (let i = 0; i < floodCount; i++) {
        const data = (await held.read())!;
        assert.ok(data.byteLength === 64 * 1024 && data[0] === (i & 255), `flood message ${i}`);
      }
      await flooding;
      assert.equal(await held.read(), null);
      assert.equal((await held.done).name, "ok");
      await client.close();
      assert.equal((await server.stop()).code, 143);
    });

    it("a command that never reads its stdin stalls only its own channel; the server notices the client leave", async () => {
      const path = sockPath();
      const server = await startServer(way, [
        path,
        "--",
        "sh",
        "-c",
        "echo started; exec sleep 1000",
      ]);
      const client = await connect(path);
      const stuck = client.open("ipcat.exec", "{}");
      assert.equal(text((await stuck.read())!.subarray(1)), "started\n");
      let sent = 0;
      void (async () => {
        for (; sent < 256; sent++) await stuck.send(new Uint8Array(16 * 1024 + 1));
      })().catch(() => {});
      // At least the window is taken (how much more depends on the runtime's pipe buffering).
      await until(() => sent >= Math.floor(INITIAL_WINDOW / (16 * 1024 + 1)), "the window to fill");
      for (let i = 0; i < 20; i++) {
        const echo = client.open("ipcat.echo", `round ${i}`);
        echo.closeWrite();
        assert.equal(text((await echo.read())!), `round ${i}`);
      }
      assert.ok(sent < 256, "the stuck channel waits for credit");
      await client.close();
      await until(() => /context freed/.test(server.log()), "the server to free the client");
      await until(() => /SIGTERM to process group/.test(server.log()), "the run to be ended");
      assert.equal((await server.stop()).code, 143);
    });

    it("breaking out of for-await frees the window: the echoes after it are discarded and the channel completes", async () => {
      const path = sockPath();
      const server = await startServer(way, [path]);
      const client = await connect(path);
      const channel = client.open("ipcat.echo", "first");
      const sending = (async () => {
        for (let i = 0; i < 64; i++) await channel.send(new Uint8Array(64 * 1024));
        channel.closeWrite();
      })();
      for await (const data of channel) {
        assert.equal(text(data), "first");
        break;
      }
      await sending;
      assert.equal((await channel.done).name, "ok");
      const other = client.open("ipcat.echo", "other");
      other.closeWrite();
      assert.equal(text((await other.read())!), "other");
      await client.close();
      assert.equal((await server.stop()).code, 143);
    });

    it("a 1.0 client is served as 1.0: no feature bit in the answer, CREDIT is a protocol error", async () => {
      const path = sockPath();
      const server = await startServer(way, [path]);
      const peer = rawPeer(path);
      peer.send(hello);
      const answer = await peer.next();
      assert.ok(answer?.kind === "connect" && answer.code === 0);
      assert.equal(answer.features & FEATURE_CHANNEL_CREDIT, 0);
      peer.send({ kind: "credit", tag: 1, bytes: 1 });
      assert.equal(await peer.next(), null);
      await until(() => /CREDIT without per-channel flow control/.test(server.log()), "the log");
      assert.equal((await server.stop()).code, 143);
    });
  });
}

describe("sock flow control against a 1.0-only server (C echo)", () => {
  let echo: ChildProcess;
  const path = sockPath();
  it("the client negotiates 1.0; breaking out of an iterator with 2 MiB unread unblocks the other channels", async () => {
    const binary = join(dir, "echo");
    execFileSync("gcc", ["-O2", "-o", binary, join(ROOT, "bench", "c", "echo.c")]);
    echo = spawn(binary, ["serve", path], { stdio: "ignore" });
    const client = await connect(path, { wait: 10 });
    assert.equal(client.channelCredit, false);
    const flooded = client.open("ipcat.echo", "x");
    for (let i = 0; i < 32; i++) await flooded.send(new Uint8Array(64 * 1024));
    const ping = await connect(path);
    const probe = ping.open("ipcat.echo", "probe");
    assert.equal(text((await probe.read())!), "probe", "the server itself still echoes");
    await ping.close();
    for await (const _ of flooded) break;
    const other = client.open("ipcat.echo", "after");
    assert.equal(text((await other.read())!), "after");
    await client.close();
    echo.kill("SIGTERM");
    await exited(echo);
  });
});
