/**
 * One channel of a routed connection: an object to send on, an async iterator of incoming
 * messages, and promises that settle when the peer ends its side and when the channel is
 * over. Under protocol 1.1 each direction has its own credit window
 * (`docs/sock-protocol.md`, "Flow control"): a sender waits for credit, a receiver grants
 * it back as data is consumed, and data nobody will read is discarded and credited back.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import {
  END_OVERHEAD,
  type EndFrame,
  INITIAL_WINDOW,
  MSG_OVERHEAD,
  type MsgFrame,
  STATUS_CODES,
  statusName,
} from "../framing/sock.ts";
import type { FramedConn } from "./framed.ts";
import { deferred } from "../deferred.ts";

/**
 * How a channel ended: the END code (or `disconnected`) and its reason.
 *
 * @example
 * ```ts
 * import type { ChannelEnd } from "./channel.ts";
 * const end: ChannelEnd = { code: 3, name: "no_entry", reason: "no service with id 0x…" };
 * ```
 */
export interface ChannelEnd {
  code: number;
  /** The code's name, e.g. `ok`, `no_entry`, `disconnected`. */
  name: string;
  reason: string;
}

/** What a {@link Channel} needs from its session. */
export interface ChannelLink {
  readonly framed: FramedConn;
  /** True when per-channel credit (protocol 1.1) is in force on this connection. */
  readonly channelCredit: boolean;
  /** Version 1.0's connection-level accounting of unread bytes. */
  hold(bytes: number): void;
  release(bytes: number): void;
  forget(channel: Channel): void;
}

/** Credit is granted back once this much was consumed (or at once when discarding). */
const CREDIT_BATCH = INITIAL_WINDOW / 2;

/** A send waiting for credit, or the half-close queued behind such sends. */
type PendingSend =
  | { data: Uint8Array; resolve: () => void; reject: (e: unknown) => void }
  | { closeWrite: { code: number; reason: string } };

const encoder = new TextEncoder();

/**
 * One channel.
 *
 * @example
 * ```ts ignore
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
   * being queued for the iterator (the fast path for services such as echo). A returned
   * promise defers the credit for that message until it settles (back-pressure).
   */
  onMessage: ((data: Uint8Array) => void | Promise<void>) | null = null;
  #link: ChannelLink;
  #sendSeq: number;
  #recvSeq: number;
  #queue: Uint8Array[] = [];
  #waiter: ((value: IteratorResult<Uint8Array>) => void) | null = null;
  #localEnded = false;
  #peerEnd: ChannelEnd | null = null;
  #over: ChannelEnd | null = null;
  #peerEnded = deferred<ChannelEnd>();
  #done = deferred<ChannelEnd>();
  /** Data bytes we may still send before the peer grants more (1.1). */
  #sendCredit: number;
  /** Data bytes the peer may still send us (1.1); below zero is a violation. */
  #recvWindow: number;
  /** Consumed bytes not yet granted back. */
  #consumed = 0;
  #pending: PendingSend[] = [];
  #bytesReceived = 0;
  #bytesSent = 0;
  /** Set once nobody will read: incoming data is dropped and credited back at once. */
  #discarding = false;
  /** Set once a reader (iterator, `read`, `onMessage`) was taken. */
  #reading = false;
  readonly #outgoing: MsgFrame;

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
    this.#sendCredit = link.channelCredit ? INITIAL_WINDOW : Infinity;
    this.#outgoing = { kind: "msg", tag, seq: 0, serviceId, data: opening };
    this.#recvWindow = INITIAL_WINDOW;
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
    return this.#localEnded || this.#over !== null;
  }

  /** The largest `data` a single {@link Channel.send} accepts. */
  get maxData(): number {
    return this.#link.framed.peerMaxPayload - MSG_OVERHEAD;
  }

  /**
   * Sends one message. Resolves once it is handed to the connection, which waits for
   * the channel's credit (1.1) and for a congested connection to drain. Rejects when this
   * side has ended (`usage`), the connection is gone (`unavailable`), or `data` is over
   * the peer's limit (`limit`).
   */
  send(data: Uint8Array | string, options?: { signal?: AbortSignal }): Promise<void> {
    const closed = this.#closedForSending();
    if (closed) return Promise.reject(closed);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    if (this.#pending.length > 0 || this.#sendCredit <= 0) {
      if (MSG_OVERHEAD + bytes.byteLength > this.#link.framed.peerMaxPayload) {
        return Promise.reject(this.#tooLarge(bytes.byteLength));
      }
      return new Promise((resolve, reject) => {
        const pending = { data: bytes, resolve, reject };
        this.#pending.push(pending);
        // An aborted send that still waits for credit is taken back: it never goes out.
        signal?.addEventListener("abort", () => {
          const at = this.#pending.indexOf(pending);
          if (at < 0) return;
          this.#pending.splice(at, 1);
          reject(signal.reason);
        }, { once: true });
      });
    }
    try {
      this.#transmit(bytes);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#link.framed.drain();
  }

  /**
   * Sends `data` now if nothing holds it back (credit, earlier sends, a congested
   * connection) and returns `true`; else sends nothing and returns `false`. Throws as
   * {@link Channel.send} rejects. The allocation-free path of pipelined services.
   */
  trySend(data: Uint8Array): boolean {
    const closed = this.#closedForSending();
    if (closed) throw closed;
    if (this.#pending.length > 0 || this.#sendCredit <= 0 || this.#link.framed.congested) {
      return false;
    }
    this.#transmit(data);
    return true;
  }

  #closedForSending(): IpcatError | null {
    if (this.#over?.name === "disconnected") {
      return new IpcatError("unavailable", `channel ${this.tag}: ${this.#over.reason}`, {
        hint: "check that the peer is still running",
      });
    }
    if (this.#localEnded || this.#over) {
      return new IpcatError("usage", `channel ${this.tag} is closed for sending`, {
        hint: "send before ending the channel",
      });
    }
    return null;
  }

  #tooLarge(size: number): IpcatError {
    const limit = this.#link.framed.peerMaxPayload;
    return new IpcatError(
      "limit",
      `a frame of ${MSG_OVERHEAD + size} bytes is over the peer's ${limit}-byte limit`,
      { hint: "send smaller messages" },
    );
  }

  #transmit(data: Uint8Array): void {
    // One frame object per channel, refilled: the encoder copies it out at once.
    const frame = this.#outgoing;
    frame.seq = this.#sendSeq;
    frame.data = data;
    this.#link.framed.send(frame);
    this.#sendSeq++;
    this.#sendCredit -= data.byteLength;
    this.#bytesSent += data.byteLength;
  }

  /** MSG data bytes received on this channel after the opening message. */
  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** MSG data bytes sent on this channel after the opening message. */
  get bytesSent(): number {
    return this.#bytesSent;
  }

  /** Half-close: this side sends no more, and keeps receiving (END `keep_alive` 1). */
  closeWrite(code = 0, reason = ""): void {
    if (this.#localEnded || this.#over) return;
    this.#localEnded = true;
    if (this.#pending.length > 0) {
      this.#pending.push({ closeWrite: { code, reason } }); // after the sends before it
      return;
    }
    this.#sendEnd(true, code, reason);
    if (this.#peerEnd) this.#finish(this.#peerEnd);
  }

  /**
   * Final END: the channel is over for both sides (`code` 0 for success). Sends still
   * waiting for credit are dropped (they reject), and unread data is discarded.
   */
  end(code = 0, reason = ""): void {
    if (this.#over) return;
    this.#localEnded = true;
    this.#sendEnd(false, code, reason);
    const end = { code, name: statusName(code), reason };
    this.#settlePeer(end);
    this.#finish(end);
    this.#dropQueue();
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

  /** @internal The peer granted `bytes` more credit (1.1). */
  receiveCredit(bytes: number): void {
    this.#sendCredit += bytes;
    while (this.#pending.length > 0 && this.#sendCredit > 0 && !this.#over) {
      const next = this.#pending.shift()!;
      if ("closeWrite" in next) {
        this.#sendEnd(true, next.closeWrite.code, next.closeWrite.reason);
        if (this.#peerEnd) this.#finish(this.#peerEnd);
        continue;
      }
      try {
        this.#transmit(next.data);
        this.#link.framed.drain().then(next.resolve, next.reject);
      } catch (error) {
        next.reject(error);
      }
    }
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
    const size = data.byteLength;
    this.#bytesReceived += size;
    if (this.#link.channelCredit) {
      // The window may be overrun by the one message sent while credit was positive.
      if (this.#recvWindow <= 0) {
        this.end(STATUS_CODES.invalid_argument, `channel ${this.tag}: data beyond its window`);
        return;
      }
      this.#recvWindow -= size;
    }
    if (this.#discarding) {
      this.#consume(size);
      return;
    }
    if (this.onMessage) {
      const result = this.onMessage(data);
      if (result) result.then(() => this.#consume(size), () => this.#consume(size));
      else this.#consume(size);
      return;
    }
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      this.#consume(size);
      waiter({ value: data, done: false });
      return;
    }
    this.#queue.push(data);
    if (!this.#link.channelCredit) this.#link.hold(size);
  }

  /** Counts `size` bytes as consumed, and grants credit back in batches (1.1). */
  #consume(size: number): void {
    if (!this.#link.channelCredit || this.#over) return;
    this.#consumed += size;
    if (this.#consumed >= CREDIT_BATCH || (this.#discarding && this.#consumed > 0)) {
      this.#link.framed.send({ kind: "credit", tag: this.tag, bytes: this.#consumed });
      this.#recvWindow += this.#consumed;
      this.#consumed = 0;
    }
  }

  /**
   * Nobody will read this channel any more (an iterator's `return()`, a service that
   * returned without a reader): unread data is dropped and credited back, and so is
   * whatever arrives later. Sending stays possible.
   */
  discardIncoming(): void {
    if (this.#discarding) return;
    this.#discarding = true;
    const unread = this.#dropQueue();
    if (unread > 0) this.#consume(unread);
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter({ value: undefined, done: true });
    }
  }

  /** @internal True once something reads this channel (a service that returns keeps it). */
  get hasReader(): boolean {
    return this.#reading || this.onMessage !== null;
  }

  #dropQueue(): number {
    let bytes = 0;
    for (const data of this.#queue) bytes += data.byteLength;
    this.#queue = [];
    if (!this.#link.channelCredit && bytes > 0) this.#link.release(bytes);
    return bytes;
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
    this.#over = end;
    this.#link.forget(this);
    // A finished channel's window is gone: what still waits for credit is dropped.
    const failure = this.#closedForSending()!;
    for (const pending of this.#pending.splice(0)) if ("reject" in pending) pending.reject(failure);
    this.#done.resolve(end);
  }

  /**
   * The next incoming message, or `null` once the peer has ended its side. An abort of
   * `signal` rejects with its reason; no message is lost to it (the next read gets it).
   */
  async read(options?: { signal?: AbortSignal }): Promise<Uint8Array | null> {
    const signal = options?.signal;
    if (!signal) {
      const next = await this.#next();
      return next.done ? null : next.value;
    }
    signal.throwIfAborted();
    const next = this.#next();
    const waiter = this.#waiter;
    if (!waiter) {
      const ready = await next;
      return ready.done ? null : ready.value;
    }
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        if (this.#waiter === waiter) this.#waiter = null; // a later message stays queued
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const ready = await Promise.race([next, aborted]);
      return ready.done ? null : ready.value;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  #next(): Promise<IteratorResult<Uint8Array>> {
    this.#reading = true;
    const data = this.#queue.shift();
    if (data) {
      if (this.#link.channelCredit) this.#consume(data.byteLength);
      else this.#link.release(data.byteLength);
      return Promise.resolve({ value: data, done: false });
    }
    if (this.#peerEnd || this.#discarding) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.#reading = true;
    return {
      next: () => this.#next(),
      return: () => {
        this.discardIncoming();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
