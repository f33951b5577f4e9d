/**
 * Publish/subscribe on named topics (what D-Bus signals and nng PUB/SUB give daemon
 * authors): a server publishes typed events, clients subscribe through the built-in
 * service `ipcat.subscribe`. Every subscriber has a bounded queue with its topic's
 * policy for a subscriber that falls behind: drop the oldest events and count them, or
 * end its subscription. Nothing is ever queued without bound.
 *
 * @module
 */
import * as v from "valibot";
import { IpcatError } from "../../errors.ts";
import { STATUS_CODES } from "../../framing/sock.ts";
import type { Channel } from "../channel.ts";
import type { Service } from "../server.ts";
import { type CallOptions, type ChannelOpener, stream } from "./call.ts";
import { type AnySchema, check, defineService, type ServiceDefinition } from "./definition.ts";
import { implement } from "./implement.ts";

/** What a topic does with a subscriber whose queue is full. */
export type OverflowPolicy = "drop-oldest" | "disconnect";

/** A topic: its name, the schema of its events, and its queue policy. */
export interface TopicDefinition<S extends AnySchema = AnySchema> {
  readonly name: string;
  readonly event: S;
  /** Events queued per subscriber at most (default 1024). */
  readonly capacity: number;
  /** Default `drop-oldest`. */
  readonly overflow: OverflowPolicy;
}

/**
 * Defines a topic.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as v from "valibot";
 * import { defineTopic } from "./pubsub.ts";
 * const JobDone = defineTopic({ name: "jobs.done", event: v.object({ id: v.number() }), capacity: 64 });
 * assert.ok(JobDone.overflow === "drop-oldest");
 * ```
 */
export function defineTopic<S extends AnySchema>(
  topic: { name: string; event: S; capacity?: number; overflow?: OverflowPolicy },
): TopicDefinition<S> {
  const capacity = topic.capacity ?? 1024;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new IpcatError("usage", `topic ${topic.name}: capacity must be a whole number >= 1`);
  }
  return Object.freeze({ ...topic, capacity, overflow: topic.overflow ?? "drop-oldest" });
}

/**
 * `ipcat.subscribe`: open `{ topic }`; each server message is one event with the number
 * of events dropped just before it (drop-oldest); no result, the subscription runs until
 * either side ends it.
 */
export const SubscribeDefinition: ServiceDefinition<{
  open: v.GenericSchema<{ topic: string }>;
  serverMessage: v.GenericSchema<{ event: unknown; dropped: number }>;
  result: v.GenericSchema<null>;
}> = defineService({
  name: "ipcat.subscribe",
  version: "1.0",
  open: v.strictObject({ topic: v.string() }),
  serverMessage: v.strictObject({
    event: v.unknown(),
    dropped: v.pipe(v.number(), v.integer(), v.minValue(0)),
  }),
  result: v.null(),
});

interface Subscriber {
  channel: Channel;
  queue: unknown[];
  dropped: number;
  sending: boolean;
  send(message: { event: unknown; dropped: number }): Promise<void>;
}

/**
 * A server's topics. Register `hub.service` as `ipcat.subscribe` and publish with
 * `hub.publish(topic, event)`.
 *
 * @example
 * ```ts ignore
 * import * as v from "valibot";
 * import { defineTopic, serve, TopicHub } from "../mod.ts";
 * const Tick = defineTopic({ name: "clock.tick", event: v.object({ n: v.number() }) });
 * const hub = new TopicHub([Tick]);
 * const server = await serve("/tmp/app.sock", { services: { "ipcat.subscribe": hub.service } });
 * hub.publish(Tick, { n: 1 });
 * ```
 */
export class TopicHub {
  readonly #topics = new Map<string, { topic: TopicDefinition; subscribers: Set<Subscriber> }>();
  /** The `ipcat.subscribe` service of these topics. */
  readonly service: Service;

  constructor(topics: readonly TopicDefinition[]) {
    for (const topic of topics) this.#topics.set(topic.name, { topic, subscribers: new Set() });
    this.service = implement(SubscribeDefinition, async ({ input, channel, send }) => {
      const entry = this.#topics.get(input.topic);
      if (!entry) {
        channel.end(STATUS_CODES.no_entry, `no topic named ${input.topic}`);
        return null;
      }
      const subscriber: Subscriber = { channel, queue: [], dropped: 0, sending: false, send };
      entry.subscribers.add(subscriber);
      channel.discardIncoming(); // a subscriber sends nothing after its opening
      await channel.done;
      entry.subscribers.delete(subscriber);
      return null;
    });
  }

  /** Subscribers of `topic` now. */
  subscriberCount(topic: TopicDefinition | string): number {
    return this.#topics.get(typeof topic === "string" ? topic : topic.name)?.subscribers.size ?? 0;
  }

  /**
   * Validates `event` and queues it for every subscriber of `topic`. Throws a `usage`
   * error naming the field path when it does not match the topic's schema.
   */
  publish<S extends AnySchema>(topic: TopicDefinition<S>, event: v.InferInput<S>): void {
    const entry = this.#topics.get(topic.name);
    if (!entry) throw new IpcatError("usage", `no topic named ${topic.name} on this hub`);
    const checked = check(topic.event, event);
    if (!checked.ok) {
      throw new IpcatError("usage", `${topic.name}: invalid event ${checked.reason}`);
    }
    for (const subscriber of entry.subscribers) this.#enqueue(entry.topic, subscriber, event);
  }

  #enqueue(topic: TopicDefinition, subscriber: Subscriber, event: unknown): void {
    if (subscriber.queue.length >= topic.capacity) {
      if (topic.overflow === "disconnect") {
        subscriber.queue.length = 0;
        subscriber.channel.end(
          STATUS_CODES.busy,
          `${topic.name}: the subscriber fell ${topic.capacity} events behind (policy disconnect)`,
        );
        return;
      }
      subscriber.queue.shift();
      subscriber.dropped++;
    }
    subscriber.queue.push(event);
    if (!subscriber.sending) void this.#drain(subscriber);
  }

  /** Sends a subscriber's queue in order, as its channel's credit allows. */
  async #drain(subscriber: Subscriber): Promise<void> {
    subscriber.sending = true;
    try {
      while (subscriber.queue.length > 0 && !subscriber.channel.writeEnded) {
        const event = subscriber.queue.shift();
        const dropped = subscriber.dropped;
        subscriber.dropped = 0;
        await subscriber.send({ event, dropped });
      }
    } catch {
      // The subscription ended under the send (its channel reports how).
    } finally {
      subscriber.sending = false;
    }
  }

  /** Ends every subscription with `shutdown`. */
  close(): void {
    for (const { subscribers } of this.#topics.values()) {
      for (const subscriber of subscribers) {
        subscriber.channel.end(STATUS_CODES.shutdown, "the publisher closed");
      }
    }
  }
}

/** One received event, and how many were dropped just before it. */
export interface TopicEvent<T> {
  event: T;
  dropped: number;
}

/**
 * Subscribes to `topic`: its events, validated with the topic's schema, until the
 * subscription ends (the iterator throws the END's error unless it ended `ok` or by this
 * side's `return()`/`signal`).
 *
 * @example
 * ```ts ignore
 * import * as v from "valibot";
 * import { connect, defineTopic, subscribe } from "../mod.ts";
 * const Tick = defineTopic({ name: "clock.tick", event: v.object({ n: v.number() }) });
 * const client = await connect("/tmp/app.sock");
 * for await (const { event, dropped } of subscribe(client, Tick)) console.log(event.n, dropped);
 * ```
 */
export async function* subscribe<S extends AnySchema>(
  client: ChannelOpener,
  topic: TopicDefinition<S> | string,
  options: Pick<CallOptions, "signal"> = {},
): AsyncGenerator<TopicEvent<v.InferOutput<S>>> {
  const name = typeof topic === "string" ? topic : topic.name;
  const call = stream(client, SubscribeDefinition, { topic: name }, options);
  try {
    for await (const message of call) {
      if (typeof topic !== "string") {
        const checked = check(topic.event, message.event);
        if (!checked.ok) {
          call.channel.end(STATUS_CODES.invalid, `${name}: invalid event ${checked.reason}`);
          throw new IpcatError("protocol", `${name}: invalid event ${checked.reason}`);
        }
      }
      yield message as TopicEvent<v.InferOutput<S>>;
    }
    await call.result;
  } finally {
    if (!call.channel.writeEnded) call.cancel("the subscriber stopped");
  }
}
