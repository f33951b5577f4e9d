// Pub/sub over real unix sockets, in whichever runtime runs this file: typed events in
// order, invalid events refused at publish, and a subscriber that falls behind under each
// policy (drop-oldest counts what it dropped; disconnect ends the subscription).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import * as v from "valibot";
import { IpcatError } from "../../errors.ts";
import { connect, serve, type SockClient } from "../mod.ts";
import { defineTopic, subscribe, type TopicEvent, TopicHub } from "./pubsub.ts";
import { eventually as until } from "../../../test/harness.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-pubsub-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

const Tick = defineTopic({ name: "test.tick", event: v.object({ n: v.number() }), capacity: 4 });
const Strict = defineTopic({
  name: "test.strict",
  event: v.object({ n: v.number() }),
  capacity: 4,
  overflow: "disconnect",
});

async function withHub(fn: (hub: TopicHub, client: SockClient) => Promise<void>) {
  const path = join(dir, `p${++counter}.sock`);
  const hub = new TopicHub([Tick, Strict]);
  const server = await serve(path, { services: { "ipcat.subscribe": hub.service } });
  const client = await connect(path);
  try {
    await fn(hub, client);
  } finally {
    await client.close();
    await server.close();
  }
}

describe("pub/sub", () => {
  it("a subscriber gets the typed events in order; breaking out unsubscribes", async () => {
    await withHub(async (hub, client) => {
      const events = subscribe(client, Tick);
      const first = events.next(); // opens the subscription
      await until(() => hub.subscriberCount(Tick) === 1, "the subscription");
      for (let n = 1; n <= 3; n++) hub.publish(Tick, { n });
      const got: TopicEvent<{ n: number }>[] = [(await first).value!];
      for await (const event of events) {
        got.push(event);
        if (got.length === 3) break;
      }
      assert.deepEqual(got.map((e) => e.event.n), [1, 2, 3]);
      assert.deepEqual(got.map((e) => e.dropped), [0, 0, 0]);
      await until(() => hub.subscriberCount(Tick) === 0, "the unsubscription");
    });
  });

  it("an invalid event is refused at publish, naming the field path", async () => {
    await withHub((hub) => {
      assert.throws(
        // @ts-expect-error: deliberately the wrong type
        () => hub.publish(Tick, { n: "one" }),
        (e: unknown) => e instanceof IpcatError && /invalid event at n: /.test(e.message),
      );
      return Promise.resolve();
    });
  });

  it("drop-oldest: a subscriber that falls behind gets the newest events and the drop count", async () => {
    await withHub(async (hub, client) => {
      const events = subscribe(client, Tick);
      const first = events.next();
      await until(() => hub.subscriberCount(Tick) === 1, "the subscription");
      const total = 100;
      for (let n = 1; n <= total; n++) hub.publish(Tick, { n }); // faster than any send
      const got = [(await first).value!];
      while (got.at(-1)!.event.n < total) got.push((await events.next()).value!);
      const dropped = got.reduce((sum, e) => sum + e.dropped, 0);
      assert.ok(dropped > 0, "nothing was dropped: the queue did not overflow");
      assert.equal(got.length + dropped, total); // every event delivered or counted
      assert.ok(got.length <= 1 + Tick.capacity, `${got.length} delivered`);
      await events.return(undefined);
    });
  });

  it("disconnect: a subscriber that falls behind has its subscription ended", async () => {
    await withHub(async (hub, client) => {
      const events = subscribe(client, Strict);
      const first = events.next();
      await until(() => hub.subscriberCount(Strict) === 1, "the subscription");
      for (let n = 1; n <= 100; n++) hub.publish(Strict, { n });
      assert.equal((await first).value!.event.n, 1);
      await assert.rejects(
        (async () => {
          for await (const _ of events) { /* what was queued before the overflow */ }
        })(),
        /fell 4 events behind \(policy disconnect\)/,
      );
      await until(() => hub.subscriberCount(Strict) === 0, "the subscriber's removal");
    });
  });

  it("an unknown topic is no_entry", async () => {
    await withHub(async (_hub, client) => {
      await assert.rejects(subscribe(client, "no.such").next(), /no topic named no\.such/);
    });
  });
});
