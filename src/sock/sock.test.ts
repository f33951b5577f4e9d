// The sock library over real unix sockets, in whichever runtime runs this file
// (`bun test` and `deno test` both do): routing, channels, version negotiation,
// completion on disconnect, payload limits, and frames split at every byte.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runtime } from "../adapter/mod.ts";
import { eventually } from "../../test/harness.ts";
import { IpcatError } from "../errors.ts";
import {
  encodeFrame,
  type Frame,
  FrameDecoder,
  PROTOCOL_VERSION,
  serviceId,
  STATUS_CODES,
} from "../framing/sock.ts";
import * as v from "valibot";
import {
  type Channel,
  connect,
  echoService,
  execService,
  relay,
  serve,
  serveRaw,
  ServicesReplySchema,
  servicesService,
  type SockServer,
} from "./mod.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const socketPath = () => join(dir, `s${++counter}.sock`);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function collect(channel: Channel): Promise<string[]> {
  const out: string[] = [];
  for await (const data of channel) out.push(text(data));
  return out;
}

async function withServer(
  fn: (path: string, server: SockServer, logs: string[]) => Promise<void>,
): Promise<void> {
  const path = socketPath();
  const logs: string[] = [];
  const server = await serve(path, {
    services: {
      "ipcat.echo": echoService,
      "ipcat.services": servicesService(["ipcat.echo", "ipcat.services"]),
      "test.fail": () => {
        throw new Error("boom");
      },
      "ipcat.exec": execService(["sh", "-c", "cat; exit 7"], { log: (l) => logs.push(l) }),
    },
    maxPayload: 4096,
    log: (l) => logs.push(l),
  });
  try {
    await fn(path, server, logs);
  } finally {
    await server.close();
  }
}

/** A raw socket speaking frames by hand, for what the library client never sends. */
async function rawPeer(path: string) {
  const conn = await runtime.connect({ unix: path });
  const decoder = new FrameDecoder(0xffffffff);
  return {
    conn,
    send: (frame: Frame) => conn.write(encodeFrame(frame)),
    async next(): Promise<Frame | null> {
      for (;;) {
        const f = decoder.next();
        if (f) return f;
        const chunk = await conn.read();
        if (chunk === null) return null;
        decoder.push(chunk);
      }
    },
  };
}

/** A version 1.0 CONNECT: these peers speak 1.0's frames, without per-channel credit. */
const hello = {
  kind: "connect",
  ...PROTOCOL_VERSION,
  minor: 0,
  features: 0,
  maxPayload: 1 << 20,
  code: 0,
} as const;

describe("sock library", () => {
  it("creates the socket file with mode 0600 and removes it on close", async () => {
    const path = socketPath();
    const server = await serve(path, { services: {} });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    await server.close();
    assert.equal(existsSync(path), false);
  });

  it("echoes the opening message and every later one, in order, then ENDs ok", async () => {
    await withServer(async (path) => {
      const client = await connect(path);
      const channel = client.open("ipcat.echo", "first");
      for (let i = 0; i < 50; i++) void channel.send(`m${i}`);
      channel.closeWrite();
      assert.deepEqual(await collect(channel), [
        "first",
        ...Array.from({ length: 50 }, (_, i) => `m${i}`),
      ]);
      assert.equal((await channel.done).name, "ok");
      client.close();
    });
  });

  it("multiplexes many channels on one connection", async () => {
    await withServer(async (path) => {
      const client = await connect(path);
      const channels = Array.from({ length: 20 }, (_, i) => client.open("ipcat.echo", `c${i}`));
      for (const [i, ch] of channels.entries()) {
        void ch.send(`c${i}-x`);
        ch.closeWrite();
      }
      const results = await Promise.all(channels.map(collect));
      results.forEach((r, i) => assert.deepEqual(r, [`c${i}`, `c${i}-x`]));
      client.close();
    });
  });

  it("lists services, answers an unknown service with no_entry, a failing one with other", async () => {
    await withServer(async (path) => {
      const client = await connect(path);
      const list = client.open("ipcat.services");
      const reply = v.parse(ServicesReplySchema, JSON.parse((await collect(list))[0]!));
      assert.deepEqual(reply, { version: "1.0", services: ["ipcat.echo", "ipcat.services"] });
      const missing = client.open("no.such.service", "x");
      const end = await missing.done;
      assert.equal(end.name, "no_entry");
      assert.match(end.reason, new RegExp(serviceId("no.such.service").toString(16)));
      const failing = await client.open("test.fail").done;
      assert.equal(failing.name, "other");
      assert.match(failing.reason, /boom/);
      // The connection keeps working after both.
      const again = client.open("ipcat.echo", "still here");
      again.closeWrite();
      assert.deepEqual(await collect(again), ["still here"]);
      client.close();
    });
  });

  it("runs ipcat.exec: stdin in, stdout out, exit message, END ok", async () => {
    await withServer(async (path) => {
      const client = await connect(path);
      const channel = client.open("ipcat.exec", JSON.stringify({ args: [], env: {}, tty: false }));
      await channel.send(new Uint8Array([0, 104, 105]));
      channel.closeWrite();
      const messages: Uint8Array[] = [];
      for await (const m of channel) messages.push(m);
      assert.deepEqual(
        messages.filter((m) => m[0] === 1).map((m) => text(m.subarray(1))).join(""),
        "hi",
      );
      const exit = messages.find((m) => m[0] === 3)!;
      assert.deepEqual(JSON.parse(text(exit.subarray(1))), { code: 7, signal: null });
      assert.equal((await channel.done).name, "ok");
      const refused = await client.open("ipcat.exec", JSON.stringify({ args: ["x"] })).done;
      assert.equal(refused.name, "permission_denied");
      client.close();
    });
  });

  it("terminates the command when the client ends an ipcat.exec channel early", async () => {
    await withServer(async (path, _server, logs) => {
      const client = await connect(path);
      const channel = client.open("ipcat.exec", "{}");
      await channel.send(new Uint8Array([0, 104, 105, 10]));
      assert.equal(text((await channel.read())!.subarray(1)), "hi\n");
      channel.end(STATUS_CODES.canceled, "changed my mind");
      for (let i = 0; i < 500 && !logs.some((l) => /sh exited with/.test(l)); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      // The whole group gets SIGTERM at once: cat dies of it; sh may die of it, or see cat
      // die first and run its `exit 7`.
      assert.ok(
        logs.some((l) =>
          /the client ended the channel \(canceled\): SIGTERM to process group/.test(l)
        ),
        logs.join("\n"),
      );
      assert.ok(logs.some((l) => /sh exited with/.test(l)), logs.join("\n"));
      client.close();
    });
  });

  it("refuses another major version with CONNECT unsupported_version", async () => {
    await withServer(async (path, _server, logs) => {
      await assert.rejects(
        connect(path, { major: 2 }),
        (e: IpcatError) =>
          e.code === "protocol" && /another major protocol version/.test(e.message),
      );
      const peer = await rawPeer(path);
      peer.send({ ...hello, major: 9 });
      const answer = await peer.next();
      assert.equal(answer?.kind, "connect");
      assert.equal((answer as { code: number }).code, STATUS_CODES.unsupported_version);
      assert.equal(await peer.next(), null, "the server closes after refusing");
      assert.ok(logs.some((l) => /protocol version 9\.0/.test(l)));
    });
  });

  it("completes every open channel with disconnected when the server goes away", async () => {
    const path = socketPath();
    const server = await serve(path, { services: { "ipcat.echo": echoService } });
    const client = await connect(path);
    const channels = [client.open("ipcat.echo", "a"), client.open("ipcat.echo", "b")];
    assert.equal(text((await channels[0]!.read())!), "a");
    await server.close();
    for (const ch of channels) assert.equal((await ch.done).name, "disconnected");
    await client.closed;
  });

  it("completes the server's channels with disconnected when a client drops", async () => {
    const path = socketPath();
    let serverSide: Channel | null = null;
    const opened = Promise.withResolvers<void>();
    const server = await serve(path, {
      services: {
        hold: (ch) => {
          serverSide = ch;
          opened.resolve();
        },
      },
    });
    const client = await connect(path);
    client.open("hold");
    await opened.promise;
    client.close();
    assert.equal((await serverSide!.done).name, "disconnected");
    await server.close();
  });

  it("answers END busy past a client's channel limit, and has room again once one ends", async () => {
    const path = socketPath();
    const server = await serve(path, { services: { "ipcat.echo": echoService }, maxChannels: 2 });
    const client = await connect(path);
    const [a, b] = [client.open("ipcat.echo", "a"), client.open("ipcat.echo", "b")];
    const third = await client.open("ipcat.echo", "c").done;
    assert.equal(third.name, "busy");
    a.closeWrite();
    assert.equal((await a.done).name, "ok");
    const fourth = client.open("ipcat.echo", "d");
    fourth.closeWrite();
    assert.deepEqual(await collect(fourth), ["d"]);
    b.closeWrite();
    client.close();
    await server.close();
  });

  it("checks the max payload on send and on receive", async () => {
    await withServer(async (path, _server, logs) => {
      const client = await connect(path);
      assert.equal(client.server.maxPayload, 4096);
      const channel = client.open("ipcat.echo");
      await assert.rejects(
        channel.send(new Uint8Array(5000)),
        (e: IpcatError) => e.code === "limit",
      );
      await channel.send(new Uint8Array(4096 - 25));
      channel.closeWrite();
      assert.equal((await collect(channel)).length, 2);
      client.close();
      const peer = await rawPeer(path);
      peer.send(hello);
      assert.equal((await peer.next())?.kind, "connect");
      peer.send({
        kind: "msg",
        tag: 1,
        seq: 0,
        serviceId: serviceId("ipcat.echo"),
        data: new Uint8Array(5000),
      });
      assert.equal(await peer.next(), null, "closed on an oversized frame");
      assert.ok(logs.some((l) => /over the 4096-byte limit/.test(l)), logs.join("\n"));
    });
  });

  it("ends an echo channel with too_large when the reply is over the client's own limit; the server lives on", async () => {
    await withServer(async (path) => {
      const client = await connect(path, { maxPayload: 256 });
      const channel = client.open("ipcat.echo", new Uint8Array(10));
      await channel.send(new Uint8Array(500));
      const end = await channel.done;
      assert.equal(end.name, "too_large");
      const again = client.open("ipcat.echo", "fits");
      again.closeWrite();
      assert.deepEqual(await collect(again), ["fits"]);
      client.close();
    });
  });

  it("decodes a client's frames split at every byte boundary", async () => {
    await withServer(async (path) => {
      const opening = encodeFrame(hello);
      const echo = serviceId("ipcat.echo");
      const frames = [
        encodeFrame({
          kind: "msg",
          tag: 1,
          seq: 0,
          serviceId: echo,
          data: new TextEncoder().encode("split"),
        }),
        encodeFrame({ kind: "ping", nonce: 5n }),
        encodeFrame({ kind: "end", tag: 1, keepAlive: true, code: 0, reason: "" }),
      ];
      const stream = new Uint8Array([...opening, ...frames.flatMap((f) => [...f])]);
      for (let cut = 1; cut < stream.byteLength; cut++) {
        const peer = await rawPeer(path);
        peer.send({ ...hello });
        assert.equal((await peer.next())?.kind, "connect");
        const body = stream.subarray(opening.byteLength);
        const at = Math.min(cut, body.byteLength - 1);
        peer.conn.write(body.slice(0, at));
        await new Promise((r) => setTimeout(r, 1));
        peer.conn.write(body.slice(at));
        const got: Frame[] = [];
        for (
          let f = await peer.next();
          f && got.length < 3;
          f = got.length < 3 ? await peer.next() : null
        ) got.push(f);
        assert.deepEqual(got.map((f) => f.kind).sort(), ["end", "msg", "pong"]);
        peer.conn.close();
      }
    });
  });

  it("closes a client that sends bad magic, and logs one line; others are unaffected", async () => {
    await withServer(async (path, _server, logs) => {
      const client = await connect(path);
      const channel = client.open("ipcat.echo", "before");
      assert.equal(text((await channel.read())!), "before");
      const peer = await rawPeer(path);
      peer.conn.write(new TextEncoder().encode("START\n"));
      assert.equal(await peer.next(), null);
      assert.equal(logs.filter((l) => /bad magic/.test(l)).length, 1, logs.join("\n"));
      await channel.send("after");
      channel.closeWrite();
      assert.deepEqual(await collect(channel), ["after"]);
      assert.equal((await channel.done).name, "ok");
      client.close();
    });
  });

  it("answers MSG with a gap in seq with END invalid_argument", async () => {
    await withServer(async (path) => {
      const peer = await rawPeer(path);
      peer.send(hello);
      await peer.next();
      const echo = serviceId("ipcat.echo");
      peer.send({ kind: "msg", tag: 1, seq: 0, serviceId: echo, data: new Uint8Array(1) });
      peer.send({ kind: "msg", tag: 1, seq: 2, serviceId: echo, data: new Uint8Array(1) });
      peer.send({ kind: "msg", tag: 9, seq: 4, serviceId: echo, data: new Uint8Array(1) });
      const frames = [await peer.next(), await peer.next(), await peer.next()];
      assert.equal(frames[0]?.kind, "msg");
      assert.deepEqual(frames.slice(1).map((f) => f?.kind === "end" && [f.tag, f.code]), [[1, 11], [
        9,
        11,
      ]]);
      peer.conn.close();
    });
  });

  it("refuses to take over a live socket", async () => {
    await withServer(async (path) => {
      await assert.rejects(
        serve(path, { services: {} }),
        (e: IpcatError) => e.code === "exists" && e.message.includes(path),
      );
    });
  });

  it("drops a silent server after the idle timeout, completing channels with disconnected", async () => {
    const path = socketPath();
    const listener = await runtime.listenUnix(path);
    const accepted = (async () => {
      const conn = (await listener.accept())!;
      await conn.read();
      conn.write(encodeFrame(hello));
      return conn; // then silence: no PONG, nothing
    })();
    const client = await connect(path, { idleTimeout: 0.1 });
    const channel = client.open("ipcat.echo", "anyone?");
    const end = await channel.done;
    assert.equal(end.name, "disconnected");
    assert.match(end.reason, /idle timeout/);
    (await accepted).close();
    listener.close();
    rmSync(path, { force: true });
  });

  it("keeps a quiet but live connection past the idle timeout (PING/PONG)", async () => {
    await withServer(async (path) => {
      const client = await connect(path, { idleTimeout: 0.05 });
      await new Promise((r) => setTimeout(r, 400));
      const channel = client.open("ipcat.echo", "still alive");
      channel.closeWrite();
      assert.deepEqual(await collect(channel), ["still alive"]);
      client.close();
    });
  });

  it("serves raw: each connection is a fresh command, the reply is read to its end after our EOF", async () => {
    const path = socketPath();
    const logs: string[] = [];
    const server = serveRaw(await runtime.listenUnix(path), [
      "sh",
      "-c",
      'read line; sleep 0.3; echo "SUCCESS: $line"; exit 3',
    ], { log: (l) => logs.push(l) });
    for (const word of ["START", "AGAIN"]) {
      const conn = await runtime.connect({ unix: path });
      const input = [new TextEncoder().encode(`${word}\n`)];
      const output: Uint8Array[] = [];
      await relay(conn, { read: () => Promise.resolve(input.shift() ?? null), cancel() {} }, {
        write: (d) => Promise.resolve(void output.push(d)),
        close: () => Promise.resolve(),
      });
      assert.equal(output.map(text).join(""), `SUCCESS: ${word}\n`);
    }
    // The reply's EOF can reach us before the server has reaped the command, so
    // wait for both exit lines before closing: a close would stop a command
    // that is still exiting, and log that instead.
    await eventually(() => logs.length >= 2, "both exit lines");
    await server.close();
    rmSync(path, { force: true });
    assert.deepEqual(logs, [
      "connection 1: sh exited with status 3",
      "connection 2: sh exited with status 3",
    ]);
  });

  it("gives up a handshake that gets no answer (a raw server, say) with a timeout error", async () => {
    const path = socketPath();
    const server = serveRaw(await runtime.listenUnix(path), ["sh", "-c", "read line"]);
    await assert.rejects(
      connect(path, { handshakeTimeout: 0.2 }),
      (e: IpcatError) => e.code === "timeout" && /serve --raw/.test(e.hint ?? ""),
    );
    await server.close();
    rmSync(path, { force: true });
  });

  it("answers PING with PONG", async () => {
    await withServer(async (path) => {
      const client = await connect(path);
      await client.ping();
      client.close();
    });
  });
});
