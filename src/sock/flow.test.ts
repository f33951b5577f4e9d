// The library's channels over real unix sockets, in whichever runtime runs this file:
// per-channel credit on the server side (a service that returns without reading), END
// delivered by a close in the same tick, a send on a dropped connection.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { IpcatError } from "../errors.ts";
import { type ChannelEnd, connect, echoService, serve } from "./mod.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-flow-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const socketPath = () => join(dir, `f${++counter}.sock`);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("sock library flow control", () => {
  it("a service that returns without reading: what the client sends is discarded and credited back", async () => {
    const path = socketPath();
    const server = await serve(path, {
      services: { "ipcat.echo": echoService, "test.ignore": () => {} },
    });
    const client = await connect(path);
    assert.equal(client.channelCredit, true);
    const ignored = client.open("test.ignore");
    for (let i = 0; i < 64; i++) await ignored.send(new Uint8Array(64 * 1024)); // 4 MiB
    const echo = client.open("ipcat.echo", "still flowing");
    assert.equal(text((await echo.read())!), "still flowing");
    await client.close();
    await server.close();
  });

  it("a 1.0-only library server is served with 1.0's back-pressure, and the client works against it", async () => {
    const path = socketPath();
    const server = await serve(path, { services: { "ipcat.echo": echoService }, protocolMinor: 0 });
    const client = await connect(path);
    assert.equal(client.channelCredit, false);
    assert.equal(client.server.minor, 0);
    const channel = client.open("ipcat.echo", "one");
    await channel.send("two");
    channel.closeWrite();
    const replies = [];
    for await (const data of channel) replies.push(text(data));
    assert.deepEqual(replies, ["one", "two"]);
    await client.close();
    await server.close();
  });

  it("END then close in the same tick: the server sees the END, not a disconnect", async () => {
    const path = socketPath();
    let seen: ChannelEnd | null = null;
    const server = await serve(path, {
      services: {
        "test.watch": async (channel) => {
          seen = await channel.peerEnded;
        },
      },
    });
    const client = await connect(path);
    const channel = client.open("test.watch");
    channel.end(4, "changed my mind");
    void client.close();
    for (let i = 0; i < 500 && seen === null; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen, { code: 4, name: "canceled", reason: "changed my mind" });
    await server.close();
  });

  it("a send on a dropped connection is unavailable, not a usage error", async () => {
    const path = socketPath();
    const server = await serve(path, { services: { "ipcat.echo": echoService } });
    const client = await connect(path);
    const channel = client.open("ipcat.echo", "x");
    await server.close();
    assert.equal((await channel.done).name, "disconnected");
    await assert.rejects(
      channel.send("late"),
      (e: IpcatError) => e.code === "unavailable" && e.exitCode === 8,
    );
    await client.close();
  });
});
