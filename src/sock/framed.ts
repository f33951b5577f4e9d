/**
 * The framed byte stream of one routed connection, on either side: frames out are packed
 * into slabs and written once per microtask turn (a pipelined sender makes one syscall
 * for many frames), with back-pressure; frames in come from one incremental decoder.
 *
 * @module
 */
import type { Conn } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import {
  type ConnectFrame,
  DEFAULT_MAX_PAYLOAD,
  type Frame,
  FrameDecoder,
  HEADER_SIZE,
  MSG_OVERHEAD,
  payloadSize,
  writeFrame,
} from "../framing/sock.ts";

/**
 * Frames are packed into slabs and written once per turn of the event loop. A slab starts
 * small (an idle connection holds little) and doubles up to this size as batches grow.
 */
const SLAB_SIZE = 64 * 1024;
const FIRST_SLAB_SIZE = 512;
/** Frames at least this big are written on their own instead of being copied into a slab. */
const DIRECT_WRITE = 16 * 1024;
/** How long a graceful close waits for queued frames to reach a peer that does not read. */
const GRACEFUL_CLOSE_MS = 1000;

/** The promise {@link FramedConn.drain} returns while nothing is congested. */
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A framed connection: frames out are packed together and written once per microtask
 * turn (a pipelined sender makes one syscall for many frames); `congested` reports when
 * the kernel and the adapter hold over their high-water mark, so that callers can wait.
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../adapter/mod.ts";
 * import { FramedConn } from "./framed.ts";
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
  #slab = new Uint8Array(FIRST_SLAB_SIZE);
  #start = 0;
  #used = 0;
  #flushQueued = false;
  readonly #flushLater = () => this.flush();
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
    const size = frame.kind === "msg" ? MSG_OVERHEAD + frame.data.byteLength : payloadSize(frame);
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
      // A fresh slab: the flushed one may still be referenced by the connection's queue.
      this.#slab = new Uint8Array(Math.max(total, Math.min(SLAB_SIZE, 2 * this.#slab.byteLength)));
      this.#start = this.#used = 0;
    }
    this.#used += writeFrame(frame, this.#slab, this.#used);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushLater);
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

  /** True once nothing more is written (broken off, closing, or the peer failed). */
  get broken(): boolean {
    return this.#broken;
  }

  /** Marks the stream unusable and closes it at once: queued frames may be lost. */
  breakOff(): void {
    this.#broken = true;
    this.conn.close();
  }

  /**
   * Sends what is queued, half-closes and then closes: a frame queued just before (an
   * END, say) reaches the peer. A peer that does not read gets {@link GRACEFUL_CLOSE_MS}.
   */
  async closeGracefully(): Promise<void> {
    this.flush();
    if (this.#broken) return;
    this.#broken = true;
    const timer = setTimeout(() => this.conn.close(), GRACEFUL_CLOSE_MS);
    try {
      await this.conn.closeWrite();
    } catch {
      // the peer went first: nothing left to deliver
    } finally {
      clearTimeout(timer);
      this.conn.close();
    }
  }
}

/**
 * Reads frames until the first one is complete, for the handshake. Returns `null` when
 * the connection ends first.
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../adapter/mod.ts";
 * import { FramedConn, readFirstFrame } from "./framed.ts";
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

/**
 * Answers a refused client with `answer` (a CONNECT with a non-zero code) and closes.
 * The answer goes out whatever the client announced, before or without its CONNECT, so
 * that it learns why; its bytes are read and dropped (never kept) until it closes, for at
 * most `timeoutMs`, so that the answer is not lost to a reset.
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../adapter/mod.ts";
 * import { FramedConn, refuseConnection } from "./framed.ts";
 * const listener = await runtime.listenUnix("@refuse-example");
 * const framed = new FramedConn((await listener.accept())!, 64);
 * await refuseConnection(framed, { kind: "connect", major: 1, minor: 1, features: 0, maxPayload: 1 << 20, code: 2 }, 5000);
 * ```
 */
export async function refuseConnection(
  framed: FramedConn,
  answer: ConnectFrame,
  timeoutMs: number,
): Promise<void> {
  const conn = framed.conn;
  framed.send(answer);
  framed.flush();
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    await conn.closeWrite();
    while (await conn.read() !== null);
  } catch {
    // gone already
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}
