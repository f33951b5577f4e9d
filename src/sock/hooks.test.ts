// Server hooks and the log of a failing service, over real unix sockets, in whichever
// runtime runs this file.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type ChannelReport, connect, echoService, serve, type Service } from "./mod.ts";
import { eventually as until } from "../../test/harness.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-hooks-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

const failing: Service = () => {
  throw new Error("the disk is full");
};

describe("server hooks", () => {
  it("report connects, channel opens and ends with code, duration and bytes, disconnects", async () => {
    const path = join(dir, `h${++counter}.sock`);
    const events: string[] = [];
    const reports: ChannelReport[] = [];
    const server = await serve(path, {
      services: { "ipcat.echo": echoService, "test.fail": failing },
      hooks: {
        clientConnected: (c) => events.push(`connected ${c.id}`),
        clientDisconnected: (c, info) => events.push(`disconnected ${c.id} ${info.openChannels}`),
        channelOpened: ({ service, tag }) => events.push(`opened ${service} ${tag}`),
        channelEnded: (report) => {
          events.push(`ended ${report.service} ${report.name}`);
          reports.push(report);
        },
      },
    });
    const client = await connect(path);
    const echo = client.open("ipcat.echo", "hello");
    await echo.send("world!");
    echo.closeWrite();
    for await (const _ of echo) { /* the echoes */ }
    assert.equal((await client.open("test.fail").done).name, "other");
    const held = client.open("ipcat.echo", "x");
    await held.read();
    await client.close();
    await until(() => events.some((e) => e.startsWith("disconnected")), "the disconnect");
    assert.deepEqual(events, [
      "connected 1",
      "opened ipcat.echo 1",
      "ended ipcat.echo ok",
      "opened test.fail 2",
      "ended test.fail other",
      "opened ipcat.echo 3",
      "ended ipcat.echo disconnected",
      "disconnected 1 1",
    ]);
    const first = reports[0]!;
    assert.equal(first.bytesIn, "hello".length + "world!".length);
    assert.equal(first.bytesOut, "hello".length + "world!".length);
    assert.ok(first.durationMs >= 0);
    assert.match(reports[1]!.reason, /the disk is full/);
    await server.close();
  });

  it("a throwing hook is logged and the server goes on", async () => {
    const path = join(dir, `h${++counter}.sock`);
    const logs: string[] = [];
    const server = await serve(path, {
      services: { "ipcat.echo": echoService },
      log: (line) => logs.push(line),
      hooks: {
        channelOpened: () => {
          throw new Error("hook bug");
        },
      },
    });
    const client = await connect(path);
    const echo = client.open("ipcat.echo", "still");
    assert.equal(new TextDecoder().decode((await echo.read())!), "still");
    assert.ok(logs.includes("hook channelOpened failed: hook bug"), logs.join("\n"));
    await client.close();
    await server.close();
  });

  it("a throwing service is logged: its message always, its stack with IPCAT_DEBUG=1", async () => {
    for (const debug of [false, true]) {
      const path = join(dir, `h${++counter}.sock`);
      const logs: string[] = [];
      if (debug) process.env.IPCAT_DEBUG = "1";
      const server = await serve(path, {
        services: { "test.fail": failing },
        log: (line) => logs.push(line),
      });
      delete process.env.IPCAT_DEBUG;
      const client = await connect(path);
      await client.open("test.fail").done;
      await client.close();
      await server.close();
      assert.ok(
        logs.includes("client 1: service test.fail failed on channel 1: the disk is full"),
        logs.join("\n"),
      );
      const stack = logs.find((l) => l.startsWith("Error: the disk is full\n    at "));
      assert.equal(stack !== undefined, debug, logs.join("\n"));
    }
  });
});
