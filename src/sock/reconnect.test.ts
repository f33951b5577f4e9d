// Opt-in reconnect over real unix sockets, in whichever runtime runs this file: a channel
// open at the drop completes with `disconnected` (never resumed), the client dials again
// with backoff, and works once the server is back.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { IpcatError } from "../errors.ts";
import { Greet } from "../../test/fixtures/typed_services.ts";
import { connectReconnecting, implement, serve, type Service } from "./mod.ts";
import { eventually as until } from "../../test/harness.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-reconnect-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const services: Record<string, Service> = {
  [Greet.name]: implement(Greet, ({ input }) => ({ greeting: `hello ${input.user.name}` })),
  "test.hold": () => {},
};

describe("sock reconnect", () => {
  it("open channels fail with disconnected; the client reconnects with backoff", async () => {
    const path = join(dir, "r.sock");
    let server = await serve(path, { services });
    const reconnects: number[] = [];
    const client = await connectReconnecting(path, {
      initialBackoffMs: 10,
      maxBackoffMs: 40,
      onReconnect: (attempts) => reconnects.push(attempts),
    });
    const held = client.open("test.hold", "x");
    await server.close();
    const end = await held.done;
    assert.equal(end.name, "disconnected");
    await until(() => !client.connected, "the drop to be seen");
    assert.throws(
      () => client.open("test.hold"),
      (e: unknown) => e instanceof IpcatError && e.code === "unavailable",
    );
    // A call made while down waits for the connection, within its timeout.
    const pending = client.call(Greet, { user: { name: "ada" } }, { timeoutMs: 10_000 });
    server = await serve(path, { services });
    assert.deepEqual(await pending, { greeting: "hello ada" });
    assert.equal(reconnects.length, 1);
    assert.ok(reconnects[0]! >= 1);
    assert.equal(client.connected, true);
    await client.close();
    await assert.rejects(client.ready(), /was closed/);
    await server.close();
  });

  it("a call waiting for a reconnect times out as a call does", async () => {
    const path = join(dir, "t.sock");
    const server = await serve(path, { services });
    const client = await connectReconnecting(path, { initialBackoffMs: 10, maxBackoffMs: 20 });
    await server.close();
    await until(() => !client.connected, "the drop to be seen");
    await assert.rejects(
      client.call(Greet, { user: { name: "ada" } }, { timeoutMs: 50 }),
      (e: unknown) => e instanceof IpcatError && e.code === "timeout",
    );
    await client.close();
  });
});
