// Typed services over real unix sockets, in whichever runtime runs this file (`bun test`
// and `deno test` both do): unary calls and streams, validation on both sides, deadlines,
// cancellation from each side, raw bytes, and the caller's credentials.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { IpcatError } from "../../errors.ts";
import { STATUS_CODES } from "../../framing/sock.ts";
import {
  type ChannelEnd,
  connect,
  echoService,
  serve,
  type Service,
  type SockClient,
} from "../mod.ts";
import type { ClientContext } from "../server.ts";
import { encodeOpening, encodePart, ServiceError, TYPED_PARTS } from "./definition.ts";
import { Greet, Lookup, Reverse, Sum, Wait } from "../../../test/fixtures/typed_services.ts";
import { implement } from "./implement.ts";
import { eventually as until } from "../../../test/harness.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-typed-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

/** What the services saw, for the assertions. */
interface Seen {
  greetCalls: number;
  aborts: unknown[];
  callers: ClientContext[];
}

async function withServer(
  fn: (client: SockClient, seen: Seen) => Promise<void>,
  extra: Record<string, Service> = {},
): Promise<void> {
  const path = join(dir, `t${++counter}.sock`);
  const seen: Seen = { greetCalls: 0, aborts: [], callers: [] };
  const server = await serve(path, {
    services: {
      [Greet.name]: implement(Greet, ({ input, client }) => {
        seen.greetCalls++;
        seen.callers.push(client);
        return { greeting: `hello ${input.user.name}` };
      }),
      [Sum.name]: implement(Sum, async ({ input, messages, send }) => {
        let total = 0;
        let count = 0;
        for await (const { n } of messages) {
          total += n;
          count++;
          await send({ runningTotal: total });
        }
        return { label: input.label, total, count };
      }),
      [Wait.name]: implement(Wait, ({ signal }) =>
        new Promise<null>((resolve) => {
          signal.addEventListener("abort", () => {
            seen.aborts.push(signal.reason);
            resolve(null);
          });
        })),
      [Reverse.name]: implement(Reverse, ({ input }) => input.slice().reverse()),
      ...extra,
    },
  });
  const client = await connect(path);
  try {
    await fn(client, seen);
  } finally {
    await client.close();
    await server.close();
  }
}

async function rejectsWith(promise: Promise<unknown>, code: string, text: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof IpcatError, `not an IpcatError: ${error}`);
    assert.equal(error.code, code);
    assert.match(error.message, text);
    return true;
  });
}

describe("typed services", () => {
  it("a unary call returns the validated result", async () => {
    await withServer(async (client) => {
      const reply = await client.call(Greet, { user: { name: "ada" } });
      assert.deepEqual(reply, { greeting: "hello ada" });
    });
  });

  it("a stream carries typed messages both ways, then the result", async () => {
    await withServer(async (client) => {
      const sum = client.stream(Sum, { label: "numbers" });
      const totals: number[] = [];
      const reading = (async () => {
        for await (const update of sum) totals.push(update.runningTotal);
      })();
      for (const n of [1, 2, 3, 4]) await sum.send({ n });
      sum.closeWrite();
      await reading;
      assert.deepEqual(totals, [1, 3, 6, 10]);
      assert.deepEqual(await sum.result, { label: "numbers", total: 10, count: 4 });
      assert.equal((await sum.channel.done).name, "ok");
    });
  });

  it("raw bytes travel as they are", async () => {
    await withServer(async (client) => {
      const reply = await client.call(Reverse, new Uint8Array([1, 2, 3]));
      assert.deepEqual([...reply], [3, 2, 1]);
    });
  });

  it("invalid input is refused before anything is sent, naming the field path", async () => {
    await withServer(async (client, seen) => {
      await rejectsWith(
        // @ts-expect-error: deliberately the wrong type, as untyped callers could send
        client.call(Greet, { user: { name: 7 } }),
        "usage",
        /invalid opening message at user\.name: /,
      );
      const sum = client.stream(Sum, { label: "x" });
      // @ts-expect-error: deliberately the wrong type
      await rejectsWith(sum.send({ n: "one" }), "usage", /invalid client message at n: /);
      sum.closeWrite();
      assert.deepEqual(await sum.result, { label: "x", total: 0, count: 0 });
      assert.equal(seen.greetCalls, 0);
    });
  });

  it("the server ends invalid input with END invalid naming the field path", async () => {
    await withServer(async (client, seen) => {
      const opening = client.open(
        Greet.name,
        encodeOpening(Greet.open, { user: { name: "" } }, 0),
      );
      const end = await opening.done;
      assert.equal(end.code, STATUS_CODES.invalid);
      assert.match(end.reason, /invalid opening message at user\.name: /);

      const stream = client.open(Sum.name, encodeOpening(Sum.open, { label: "x" }, 0));
      await stream.send(encodePart(TYPED_PARTS.message, Sum.clientMessage, { n: [] }));
      const streamEnd = await stream.done;
      assert.equal(streamEnd.name, "invalid");
      assert.match(streamEnd.reason, /invalid client message at n: /);

      const notJson = client.open(Greet.name, new Uint8Array([0, 0, 0, 0, 0x7b]));
      assert.match((await notJson.done).reason, /not JSON/);
      assert.equal(seen.greetCalls, 0);
    });
  });

  it("the client ends an invalid reply with END invalid and rejects", async () => {
    const lying: Service = (channel) => {
      void channel.send(encodePart(TYPED_PARTS.result, Greet.result, { greeting: 5 }));
    };
    let serverSaw: Promise<{ name: string; reason: string }> | null = null;
    const watching: Service = (channel, client) => {
      serverSaw = channel.done;
      return lying(channel, client);
    };
    await withServer(async (client) => {
      await rejectsWith(
        client.call(Greet, { user: { name: "ada" } }),
        "protocol",
        /invalid server result at greeting: /,
      );
      const end = await serverSaw!;
      assert.equal(end.name, "invalid");
    }, { [Greet.name]: watching });
  });

  it("a handler's invalid result ends the call with invalid, not a hang", async () => {
    const buggy = implement(Greet, () => ({ greeting: 42 as unknown as string }));
    await withServer(async (client) => {
      await rejectsWith(
        client.call(Greet, { user: { name: "ada" } }),
        "usage",
        /invalid result at greeting: /,
      );
    }, { [Greet.name]: buggy });
  });

  it("a deadline: the call fails with timeout and the service's signal aborts", async () => {
    await withServer(async (client, seen) => {
      await rejectsWith(client.call(Wait, {}, { timeoutMs: 50 }), "timeout", /test\.wait/);
      await until(() => seen.aborts.length === 1, "the service's abort");
      assert.equal((seen.aborts[0] as IpcatError).code, "timeout");
    });
  });

  it("the deadline is sent: the server ends the channel with deadline_exceeded on its own", async () => {
    await withServer(async (client, seen) => {
      // No client-side timer here: only the server knows the deadline.
      const channel = client.open(Wait.name, encodeOpening(Wait.open, {}, 50));
      channel.closeWrite();
      const end = await channel.done;
      assert.equal(end.name, "deadline_exceeded");
      await until(() => seen.aborts.length === 1, "the service's abort");
      assert.equal((seen.aborts[0] as IpcatError).code, "timeout");
    });
  });

  it("a client cancel: the call rejects with the reason, the service sees canceled", async () => {
    await withServer(async (client, seen) => {
      const controller = new AbortController();
      const pending = client.call(Wait, {}, { signal: controller.signal });
      const reason = new IpcatError("failed", "the user gave up");
      controller.abort(reason);
      await assert.rejects(pending, (error) => error === reason);
      await until(() => seen.aborts.length === 1, "the service's abort");
      assert.match((seen.aborts[0] as IpcatError).message, /canceled/);
      // An aborted signal cancels before anything is sent.
      await assert.rejects(
        client.call(Wait, {}, { signal: controller.signal }),
        (e) => e === reason,
      );
    });
  });

  it("a server cancel: the call rejects with canceled", async () => {
    const giveUp = implement(Wait, ({ channel }) => {
      channel.end(STATUS_CODES.canceled, "the daemon is draining");
      return null;
    });
    await withServer(async (client) => {
      await rejectsWith(client.call(Wait, {}), "failed", /canceled: the daemon is draining/);
    }, { [Wait.name]: giveUp });
  });

  it("services see the caller's credentials where the runtime gives them", async () => {
    await withServer(async (client, seen) => {
      await client.call(Greet, { user: { name: "ada" } });
      const peer = seen.callers[0]!.peer;
      if ("Bun" in globalThis) {
        assert.equal(peer?.uid, process.getuid!());
        assert.equal(peer?.gid, process.getgid!());
        assert.equal(peer?.pid, process.pid);
      } else assert.equal(peer, null); // Deno exposes no descriptor to read them from
      assert.equal(seen.callers[0]!.tls, null);
    });
  });

  it("connect takes a signal: an aborted one rejects with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    controller.abort(reason);
    await assert.rejects(
      connect(join(dir, "none.sock"), { signal: controller.signal }),
      (e) => e === reason,
    );
  });

  it("a raw read takes a signal; the message it did not get goes to the next read", async () => {
    await withServer(async (client) => {
      const channel = client.open("ipcat.echo", "a");
      assert.equal(new TextDecoder().decode((await channel.read())!), "a");
      const controller = new AbortController();
      const reading = channel.read({ signal: controller.signal });
      const reason = new Error("enough");
      controller.abort(reason);
      await assert.rejects(reading, (e) => e === reason);
      await channel.send("b");
      assert.equal(new TextDecoder().decode((await channel.read())!), "b");
      channel.end();
    }, { "ipcat.echo": echoService });
  });

  it("a raw send waiting for credit takes a signal: aborted, it is never sent", async () => {
    let received = 0;
    const stalled: Service = async (channel) => {
      received += (await channel.read())?.byteLength ?? 0; // takes a reader, then stops reading
      await channel.done;
    };
    await withServer(async (client) => {
      assert.equal(client.channelCredit, true);
      const channel = client.open("test.stalled");
      const chunk = new Uint8Array(64 * 1024);
      for (let i = 0; i < 4; i++) await channel.send(chunk); // the whole 256 KiB window
      const controller = new AbortController();
      const sending = channel.send(chunk, { signal: controller.signal });
      controller.abort(new Error("no room"));
      await assert.rejects(sending, /no room/);
      await until(() => received === chunk.byteLength, "the service's one read");
      channel.end();
    }, { "test.stalled": stalled });
  });

  it("open takes a signal: its abort ends the channel with canceled, as the server sees", async () => {
    let seenEnd: Promise<ChannelEnd> | null = null;
    const holding: Service = (channel) => {
      seenEnd = channel.done;
    };
    await withServer(async (client) => {
      const controller = new AbortController();
      const channel = client.open("test.hold", "x", { signal: controller.signal });
      await until(() => seenEnd !== null, "the service to start");
      controller.abort();
      assert.equal((await channel.done).name, "canceled");
      assert.equal((await seenEnd!).name, "canceled");
    }, { "test.hold": holding });
  });

  it("a typed error reaches the caller as a ServiceError with its validated value", async () => {
    const lookup = implement(Lookup, ({ input }) => {
      if (input.id === 1) return { name: "one" };
      if (input.id === 2) throw new ServiceError({ code: "gone" }, "bad error value");
      throw new ServiceError({ code: "missing", id: input.id }, `no entry ${input.id}`);
    });
    await withServer(async (client) => {
      assert.deepEqual(await client.call(Lookup, { id: 1 }), { name: "one" });
      await assert.rejects(client.call(Lookup, { id: 9 }), (error: unknown) => {
        assert.ok(error instanceof ServiceError);
        assert.deepEqual(error.data, { code: "missing", id: 9 });
        assert.equal(error.message, "test.lookup: no entry 9");
        return true;
      });
      await rejectsWith(client.call(Lookup, { id: 2 }), "usage", /invalid error at code: /);
    }, { [Lookup.name]: lookup });
  });

  it("client streaming from an async iterator: sendAll sends each message, then half-closes", async () => {
    await withServer(async (client) => {
      const sum = client.stream(Sum, { label: "gen" });
      async function* numbers() {
        for (let n = 1; n <= 5; n++) yield { n };
      }
      const [, result] = await Promise.all([sum.sendAll(numbers()), sum.result]);
      assert.deepEqual(result, { label: "gen", total: 15, count: 5 });
    });
  });
});
