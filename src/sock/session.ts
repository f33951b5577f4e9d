/**
 * One connection of the routed protocol, on either side: the framed byte stream with
 * write coalescing and back-pressure, and the channels multiplexed over it. The server
 * (`server.ts`) and the client (`client.ts`) are thin roles on top of {@link Session}.
 *
 * @module
 */
import type { Conn } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import {
  DEFAULT_MAX_PAYLOAD,
  END_OVERHEAD,
  type EndFrame,
  type Frame,
  FrameDecoder,
  FrameError,
  HEADER_SIZE,
  MSG_OVERHEAD,
  type MsgFrame,
  payloadSize,
  STATUS_CODES,
  statusName,
  writeFrame,
} from "../framing/sock.ts";

/**
 * How a channel ended: the END code (or `disconnected`) and its reason.
 *
 * @example
 * ```ts
 * import type { ChannelEnd } from "./session.ts";
 * const end: ChannelEnd = { code: 3, name: "no_entry", reason: "no service with id 0x…" };
 * ```
 */
export interface ChannelEnd {
  code: number;
  /** The code's name, e.g. `ok`, `no_entry`, `disconnected`. */
  name: string;
  reason: string;
}

/** Received bytes a connection holds for slow channel readers before it stops reading. */
const HOLD_LIMIT = 1 << 20;
/** Frames are packed into slabs of this size and written once per turn of the event loop. */
const SLAB_SIZE = 64 * 1024;
/** Frames at least this big are written on their own instead of being copied into a slab. */
const DIRECT_WRITE = 16 * 1024;

const RESOLVED = Promise.resolve();

/**
 * A framed connection: frames out are packed together and written once per microtask
 * turn (a pipelined sender makes one syscall for many frames); `congested` reports when
 * the kernel and the adapter hold over their high-water mark, so that callers can wait.
 *
 * @example
 * ```ts
 * import { runtime } from "../adapter/mod.ts";
 * import { FramedConn } from "./session.ts";
 * const framed = new FramedConn(await runtime.connect({ unix: "/tmp/app.sock" }), 1 << 20);
 * framed.send({ kind: "connect", major: 1, minor: 0, features: 0, maxPayload: 1 << 20, code: 0 });
 * framed.flush();
 * await framed.drain();
 * ```
 */
export class FramedConn {
  readonly conn: Conn;
  readonly decoder: FrameDecoder;
  /** The largest payload the peer accepts (from its CONNECT). */
  peerMaxPayload = DEFAULT_MAX_PAYLOAD;
  #slab = new Uint8Array(SLAB_SIZE);
  #start = 0;
  #used = 0;
  #flushQueued = false;
  #congested = false;
  #broken = false;

  constructor(conn: Conn, maxPayload: number) {
    this.conn = conn;
    this.decoder = new FrameDecoder(maxPayload);
  }

  /** True while the outgoing queue is over its high-water mark. */
  get congested(): boolean {
    return this.#congested;
  }

  /** Queues one frame. Throws `limit` when it is over the peer's max payload. */
  send(frame: Frame): void {
    const size = payloadSize(frame);
    if (size > this.peerMaxPayload) {
      throw new IpcatError(
        "limit",
        `a frame of ${size} bytes is over the peer's ${this.peerMaxPayload}-byte limit`,
        {
          hint: "send smaller messages",
        },
      );
    }
    if (this.#broken) return;
    const total = HEADER_SIZE + size;
    if (total >= DIRECT_WRITE) {
      this.flush();
      const out = new Uint8Array(total);
      writeFrame(frame, out, 0);
      this.#write(out);
      return;
    }
    if (this.#slab.byteLength - this.#used < total) {
      this.flush();
      this.#slab = new Uint8Array(SLAB_SIZE);
      this.#start = this.#used = 0;
    }
    this.#used += writeFrame(frame, this.#slab, this.#used);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Hands everything queued to the connection now. */
  flush(): void {
    this.#flushQueued = false;
    if (this.#used === this.#start) return;
    const bytes = this.#slab.subarray(this.#start, this.#used);
    this.#start = this.#used;
    this.#write(bytes);
  }

  #write(bytes: Uint8Array): void {
    if (this.#broken) return;
    if (!this.conn.write(bytes)) this.#congested = true;
  }

  /** Resolves once the outgoing queue is below its high-water mark again. */
  drain(): Promise<void> {
    if (!this.#congested) return RESOLVED;
    return this.conn.drain().then(
      () => {
        this.#congested = false;
      },
      () => {
        this.#broken = true;
        this.#congested = false;
      },
    );
  }

  /** Marks the stream unusable: nothing more is written. */
  breakOff(): void {
    this.#broken = true;
    this.conn.close();
  }
}

/** What a {@link Channel} needs from its session. */
interface ChannelLink {
  readonly framed: FramedConn;
  hold(bytes: number): void;
  release(bytes: number): void;
  forget(channel: Channel): void;
}

/**
 * One channel: an object to send on, an async iterator of incoming messages, and
 * promises that settle when the peer ends its side and when the channel is over.
 *
 * @example
 * ```ts
 * import { connect } from "./client.ts";
 * const client = await connect("/tmp/app.sock");
 * const channel = client.open("ipcat.echo", "hello");
 * channel.closeWrite();
 * for await (const data of channel) console.log(new TextDecoder().decode(data));
 * console.log((await channel.done).name); // "ok"
 * client.close();
 * ```
 */
export class Channel implements AsyncIterable<Uint8Array> {
  readonly tag: number;
  readonly serviceId: bigint;
  /** The opening message (server side); empty on the client side. */
  readonly opening: Uint8Array;
  /**
   * When set, incoming messages are handed to this function as they arrive instead of
   * being queued for the iterator (the fast path for services such as echo).
   */
  onMessage: ((data: Uint8Array) => void) | null = null;
  #link: ChannelLink;
  #sendSeq: number;
  #recvSeq: number;
  #queue: Uint8Array[] = [];
  #waiter: ((value: IteratorResult<Uint8Array>) => void) | null = null;
  #localEnded = false;
  #peerEnd: ChannelEnd | null = null;
  #over = false;
  #peerEnded: { promise: Promise<ChannelEnd>; resolve: (e: ChannelEnd) => void };
  #done: { promise: Promise<ChannelEnd>; resolve: (e: ChannelEnd) => void };

  constructor(
    link: ChannelLink,
    tag: number,
    serviceId: bigint,
    opening: Uint8Array,
    sendSeq: number,
    recvSeq: number,
  ) {
    this.#link = link;
    this.tag = tag;
    this.serviceId = serviceId;
    this.opening = opening;
    this.#sendSeq = sendSeq;
    this.#recvSeq = recvSeq;
    this.#peerEnded = settleOnce();
    this.#done = settleOnce();
  }

  /** Settles when the peer has ended its side (half-close or final END, or disconnect). */
  get peerEnded(): Promise<ChannelEnd> {
    return this.#peerEnded.promise;
  }

  /** Settles with the END code once the channel is over (`disconnected` on a drop). */
  get done(): Promise<ChannelEnd> {
    return this.#done.promise;
  }

  /** True once this side may send no more. */
  get writeEnded(): boolean {
    return this.#localEnded || this.#over;
  }

  /** The largest `data` a single {@link Channel.send} accepts. */
  get maxData(): number {
    return this.#link.framed.peerMaxPayload - MSG_OVERHEAD;
  }

  /**
   * Sends one message. Resolves at once unless the connection is congested, then once it
   * has drained. Throws when this side has ended, or when `data` is over the peer's limit.
   */
  send(data: Uint8Array | string): Promise<void> {
    if (this.#localEnded || this.#over) {
      return Promise.reject(
        new IpcatError("usage", `channel ${this.tag} is closed for sending`, {
          hint: "send before ending the channel",
        }),
      );
    }
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    const framed = this.#link.framed;
    try {
      framed.send({
        kind: "msg",
        tag: this.tag,
        seq: this.#sendSeq,
        serviceId: this.serviceId,
        data: bytes,
      });
    } catch (error) {
      return Promise.reject(error);
    }
    this.#sendSeq++;
    return framed.drain();
  }

  /** Half-close: this side sends no more, and keeps receiving (END `keep_alive` 1). */
  closeWrite(code = 0, reason = ""): void {
    if (this.#localEnded || this.#over) return;
    this.#localEnded = true;
    this.#sendEnd(true, code, reason);
    if (this.#peerEnd) this.#finish(this.#peerEnd);
  }

  /** Final END: the channel is over for both sides (`code` 0 for success). */
  end(code = 0, reason = ""): void {
    if (this.#over) return;
    this.#localEnded = true;
    this.#sendEnd(false, code, reason);
    this.#settlePeer({ code, name: statusName(code), reason });
    this.#finish({ code, name: statusName(code), reason });
  }

  #sendEnd(keepAlive: boolean, code: number, reason: string): void {
    // An over-long reason must not turn ending a channel into an error.
    const limit = this.#link.framed.peerMaxPayload - END_OVERHEAD;
    const frame: EndFrame = { kind: "end", tag: this.tag, keepAlive, code, reason };
    if (encoder.encode(reason).byteLength > limit) {
      frame.reason = reason.slice(0, Math.max(0, limit >> 2));
    }
    this.#link.framed.send(frame);
  }

  /** @internal A MSG for this channel arrived. */
  receive(frame: MsgFrame): void {
    if (this.#over) return;
    if (frame.seq !== this.#recvSeq || frame.serviceId !== this.serviceId || this.#peerEnd) {
      const why = this.#peerEnd
        ? "message after the peer's END"
        : frame.seq !== this.#recvSeq
        ? `sequence ${frame.seq} where ${this.#recvSeq} was due`
        : "service id differs from the channel's";
      this.end(STATUS_CODES.invalid_argument, `channel ${this.tag}: ${why}`);
      return;
    }
    this.#recvSeq++;
    const data = frame.data;
    if (this.onMessage) {
      this.onMessage(data);
      return;
    }
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter({ value: data, done: false });
      return;
    }
    this.#queue.push(data);
    this.#link.hold(data.byteLength);
  }

  /** @internal The peer sent END. */
  receiveEnd(frame: EndFrame): void {
    const end = { code: frame.code, name: statusName(frame.code), reason: frame.reason };
    this.#settlePeer(end);
    if (!frame.keepAlive || this.#localEnded) this.#finish(end);
  }

  /** @internal The connection dropped. */
  disconnect(reason: string): void {
    const end = { code: STATUS_CODES.disconnected, name: "disconnected", reason };
    this.#settlePeer(end);
    this.#finish(end);
  }

  #settlePeer(end: ChannelEnd): void {
    if (this.#peerEnd) return;
    this.#peerEnd = end;
    this.#peerEnded.resolve(end);
    if (this.#waiter && this.#queue.length === 0) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter({ value: undefined, done: true });
    }
  }

  #finish(end: ChannelEnd): void {
    if (this.#over) return;
    this.#over = true;
    this.#link.forget(this);
    this.#done.resolve(end);
  }

  /** The next incoming message, or `null` once the peer has ended its side. */
  async read(): Promise<Uint8Array | null> {
    const next = await this.#next();
    return next.done ? null : next.value;
  }

  #next(): Promise<IteratorResult<Uint8Array>> {
    const data = this.#queue.shift();
    if (data) {
      this.#link.release(data.byteLength);
      return Promise.resolve({ value: data, done: false });
    }
    if (this.#peerEnd) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return { next: () => this.#next() };
  }
}

const encoder = new TextEncoder();

function settleOnce<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * What a session does with frames that are not for an open channel.
 *
 * @example
 * ```ts
 * import type { SessionRole } from "./session.ts";
 * const clientRole: SessionRole = { unknownTag() {} }; // a client drops MSG on forgotten tags
 * ```
 */
export interface SessionRole {
  /** A MSG on a tag with no open channel. */
  unknownTag(session: Session, frame: MsgFrame): void;
  /** The session ended; `error` is set when it ended on a protocol error. */
  ended?(session: Session, error: FrameError | null): void;
}

/**
 * The channels of one connection and the loop that reads frames for them. Reading stops
 * while the outgoing queue is congested (a peer that does not read cannot make us buffer
 * more) and while channel readers hold more than 1 MiB unread.
 *
 * @example
 * ```ts
 * import { runtime } from "../adapter/mod.ts";
 * import { FramedConn, Session } from "./session.ts";
 * const framed = new FramedConn(await runtime.connect({ unix: "/tmp/app.sock" }), 1 << 20);
 * const session = new Session(framed, { unknownTag() {} });
 * void session.run(); // after the CONNECT exchange
 * session.close();
 * ```
 */
export class Session implements ChannelLink {
  readonly framed: FramedConn;
  readonly channels = new Map<number, Channel>();
  #channelsOpenAtClose = 0;

  /** How many channels were still open when the connection closed (they completed as `disconnected`). */
  get channelsOpenAtClose(): number {
    return this.#channelsOpenAtClose;
  }
  #role: SessionRole;
  #held = 0;
  #heldWaiter: (() => void) | null = null;
  #pongWaiters = new Map<bigint, { resolve: () => void; reject: (e: unknown) => void }>();
  #closed = false;
  #closeReason = "";
  /** `performance.now()` when the last bytes arrived. */
  lastReceived = performance.now();
  #ended = settleOnce<void>();

  constructor(framed: FramedConn, role: SessionRole) {
    this.framed = framed;
    this.#role = role;
  }

  /** Settles once the connection is over and every channel completed. */
  get ended(): Promise<void> {
    return this.#ended.promise;
  }

  /** Registers a channel (client: on open; server: on a routed opening MSG). */
  add(channel: Channel): void {
    if (this.#closed) channel.disconnect(this.#closeReason);
    else this.channels.set(channel.tag, channel);
  }

  hold(bytes: number): void {
    this.#held += bytes;
  }

  release(bytes: number): void {
    this.#held -= bytes;
    if (this.#held <= HOLD_LIMIT && this.#heldWaiter) {
      const w = this.#heldWaiter;
      this.#heldWaiter = null;
      w();
    }
  }

  forget(channel: Channel): void {
    this.channels.delete(channel.tag);
  }

  /** True once the connection is closed. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Sends PING and resolves on the matching PONG; rejects if the connection closes first. */
  ping(nonce: bigint): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new IpcatError("unavailable", `no PONG: ${this.#closeReason}`));
    }
    return new Promise((resolve, reject) => {
      this.#pongWaiters.set(nonce, { resolve, reject });
      this.framed.send({ kind: "ping", nonce });
    });
  }

  /**
   * Reads and dispatches frames until the connection ends. `first` holds frames that
   * arrived in the same reads as the handshake.
   */
  async run(): Promise<void> {
    const { conn, decoder } = this.framed;
    let failure: FrameError | null = null;
    let reason = "the connection closed";
    try {
      this.#dispatchAll();
      for (;;) {
        if (this.framed.congested) await this.framed.drain();
        if (this.#held > HOLD_LIMIT) await new Promise<void>((r) => (this.#heldWaiter = r));
        if (this.#closed) break;
        const chunk = await conn.read();
        if (chunk === null) {
          decoder.finish();
          break;
        }
        this.lastReceived = performance.now();
        decoder.push(chunk);
        this.#dispatchAll();
      }
    } catch (error) {
      if (error instanceof FrameError) {
        failure = error;
        reason = `protocol error: ${error.message}`;
      } else {
        reason = `the connection failed: ${(error as Error)?.message ?? error}`;
      }
    }
    this.close(reason);
    this.#role.ended?.(this, failure);
    this.#ended.resolve();
  }

  #dispatchAll(): void {
    const decoder = this.framed.decoder;
    for (let frame = decoder.next(); frame !== null; frame = decoder.next()) this.#dispatch(frame);
    this.framed.flush();
  }

  #dispatch(frame: Frame): void {
    switch (frame.kind) {
      case "msg": {
        const channel = this.channels.get(frame.tag);
        if (channel) channel.receive(frame);
        else this.#role.unknownTag(this, frame);
        return;
      }
      case "end":
        this.channels.get(frame.tag)?.receiveEnd(frame);
        return;
      case "ping":
        this.framed.send({ kind: "pong", nonce: frame.nonce });
        return;
      case "pong": {
        const waiter = this.#pongWaiters.get(frame.nonce);
        this.#pongWaiters.delete(frame.nonce);
        waiter?.resolve();
        return;
      }
      case "connect":
        throw new FrameError("malformed", "CONNECT after the handshake");
    }
  }

  /** Drops the connection; every open channel completes with `disconnected`. */
  close(reason = "the connection was closed"): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#closeReason = reason;
      this.#channelsOpenAtClose = this.channels.size;
      this.framed.flush();
      this.framed.breakOff();
    }
    for (const channel of [...this.channels.values()]) channel.disconnect(reason);
    this.channels.clear();
    for (const waiter of this.#pongWaiters.values()) {
      waiter.reject(new IpcatError("unavailable", `no PONG: ${reason}`));
    }
    this.#pongWaiters.clear();
    if (this.#heldWaiter) {
      const w = this.#heldWaiter;
      this.#heldWaiter = null;
      w();
    }
  }
}

/**
 * Reads frames until the first one is complete, for the handshake. Returns `null` when
 * the connection ends first.
 *
 * @example
 * ```ts
 * import { runtime } from "../adapter/mod.ts";
 * import { FramedConn, readFirstFrame } from "./session.ts";
 * const framed = new FramedConn(await runtime.connect({ unix: "/tmp/app.sock" }), 1 << 20);
 * const answer = await readFirstFrame(framed);
 * console.log(answer?.kind);
 * ```
 */
export async function readFirstFrame(framed: FramedConn): Promise<Frame | null> {
  for (;;) {
    const frame = framed.decoder.next();
    if (frame) return frame;
    const chunk = await framed.conn.read();
    if (chunk === null) {
      framed.decoder.finish();
      return null;
    }
    framed.decoder.push(chunk);
  }
}
