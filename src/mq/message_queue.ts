/**
 * {@link MessageQueue}: an open queue descriptor, with sends and receives that never wait
 * (`try*`) and ones that wait (`send`, `receive`, `waitReceiveInto`).
 *
 * Waiting is done with timed sends and receives in short slices on another thread (the
 * adapter's `nonblocking` FFI calls), so that the event loop never stalls: Ctrl-C and
 * deadlines are honoured within a slice, and a message is either fully delivered to the
 * caller or left in the queue, never lost in between.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import { Errno, O_NONBLOCK } from "../libc/mod.ts";
import { libc, waitingLibc } from "./libc.ts";
import { formatSeconds, queueError } from "./queue_errors.ts";
import { unlinkQueue } from "./queue_names.ts";

/** How long one kernel wait may last before deadlines and aborts are looked at again. */
export const WAIT_SLICE_MS = 50;
/**
 * What a stream's waits may first block on this thread (see `WaitOptions.inlineWaitMs`):
 * the next message usually comes within microseconds, and handing each wait to another
 * thread would cost more than the message itself. At 1 ms a loaded machine's scheduling
 * pauses sent half the waits to the other thread and halved `send -` into `recv`'s rate;
 * at 10 ms it is as fast as waiting on this thread only, and signals wait at most that.
 */
export const STREAM_INLINE_WAIT_MS = 10;
/** A queue's attributes as `mq_getattr` reports them. */
export interface QueueAttributes {
  /** Whether this descriptor is non-blocking (`O_NONBLOCK`). */
  nonblocking: boolean;
  /** Most messages the queue holds. */
  maxmsg: number;
  /** Largest message in bytes. */
  msgsize: number;
  /** Messages in the queue now. */
  curmsgs: number;
}

/** One received message. */
export interface Message {
  data: Uint8Array;
  priority: number;
}

/** Options of the waiting calls {@link MessageQueue.send} and {@link MessageQueue.receive}. */
export interface WaitOptions {
  /** Give up after this many milliseconds (default: wait for ever). */
  timeoutMs?: number;
  /** Stop waiting when aborted; the abort reason is thrown. */
  signal?: AbortSignal;
  /**
   * Wait this long on this thread first, holding the event loop, before the wait moves to
   * another thread (default 0: the event loop is never held). For a stream where nothing
   * else runs, as `ipcat mq send -` and `recv --count`: see {@link STREAM_INLINE_WAIT_MS}.
   */
  inlineWaitMs?: number;
}

/** `(uid_t)-1`: leave this id as it is. */
const KEEP_ID = 0xffffffff;

/**
 * An open queue descriptor. `try*` calls never wait; `send`/`receive` wait in slices
 * and honour a deadline and an `AbortSignal`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { openQueue } from "./queue.ts";
 * const q = openQueue("/ipcat-doc-class", { create: true, maxmsg: 2, msgsize: 16 });
 * await q.send(new TextEncoder().encode("a"), 1, { timeoutMs: 100 });
 * const buffer = new Uint8Array(q.msgsize);
 * assert.ok(q.tryReceiveInto(buffer) === 1 && q.lastPriority === 1);
 * q.close();
 * q.unlink();
 * ```
 */
export class MessageQueue {
  /** The priority of the last message received with {@link MessageQueue.tryReceiveInto}. */
  lastPriority = 0;
  readonly #priority = new Uint32Array(1);
  readonly #priorityBytes = new Uint8Array(this.#priority.buffer);
  /** An absolute time long past: a timed call with it never waits. */
  readonly #never = new Uint8Array(16);
  readonly #deadline = new BigInt64Array(2);
  readonly #deadlineBytes = new Uint8Array(this.#deadline.buffer);
  readonly #attr = new Uint8Array(64);
  #receiveBuffer: Uint8Array | null = null;
  #closed = false;
  /** Whether this descriptor is non-blocking, cached from the last attribute read or change. */
  #nonblocking: boolean;
  readonly #msgsize: number;
  readonly #maxmsg: number;

  constructor(readonly name: string, readonly fd: number) {
    const attributes = this.attributes();
    this.#nonblocking = attributes.nonblocking;
    this.#msgsize = attributes.msgsize;
    this.#maxmsg = attributes.maxmsg;
  }

  /** Largest message in bytes. */
  get msgsize(): number {
    return this.#msgsize;
  }

  /** Most messages the queue holds. */
  get maxmsg(): number {
    return this.#maxmsg;
  }

  /** The attributes now, the current message count included. */
  attributes(): QueueAttributes {
    if (libc().symbols.mq_getattr(this.fd, this.#attr) < 0) {
      throw queueError(libc().errno(), "attributes", this.name);
    }
    const view = new DataView(this.#attr.buffer);
    return {
      nonblocking: (Number(view.getBigInt64(0, true)) & O_NONBLOCK) !== 0,
      maxmsg: Number(view.getBigInt64(8, true)),
      msgsize: Number(view.getBigInt64(16, true)),
      curmsgs: Number(view.getBigInt64(24, true)),
    };
  }

  /** Switches this descriptor between blocking and non-blocking (`mq_setattr`). */
  setNonblocking(nonblocking: boolean): void {
    const attr = new Uint8Array(64);
    new DataView(attr.buffer).setBigInt64(0, BigInt(nonblocking ? O_NONBLOCK : 0), true);
    if (libc().symbols.mq_setattr(this.fd, attr, this.#attr) < 0) {
      throw queueError(libc().errno(), "attributes", this.name);
    }
    this.#nonblocking = nonblocking;
  }

  /**
   * Sends at once if there is room: `true` when sent, `false` when the queue is full.
   * Any other failure (message too big, no permission) throws.
   */
  trySend(data: Uint8Array, priority = 0): boolean {
    if (libc().symbols.mq_timedsend(this.fd, data, data.byteLength, priority, this.#never) === 0) {
      return true;
    }
    return this.#sendFailed(data);
  }

  #sendFailed(data: Uint8Array): false {
    const errno = libc().errno();
    if (errno === Errno.EAGAIN || errno === Errno.ETIMEDOUT || errno === Errno.EINTR) return false;
    throw queueError(errno, "send", this.name, {
      size: data.byteLength,
      msgsize: this.#msgsize,
      maxmsg: this.#maxmsg,
    });
  }

  /**
   * Sends, waiting for room as long as `timeoutMs` allows (for ever by default). On a
   * non-blocking descriptor a full queue fails at once with `would_block`.
   */
  async send(data: Uint8Array, priority = 0, options: WaitOptions = {}): Promise<void> {
    if (this.trySend(data, priority)) return;
    if (this.#nonblocking) {
      throw queueError(Errno.EAGAIN, "send", this.name, { maxmsg: this.#maxmsg });
    }
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    if (options.inlineWaitMs && this.#sendInline(data, priority, deadline, options.inlineWaitMs)) {
      return;
    }
    for (;;) {
      this.#checkWait(deadline, options, "send");
      const sent = await waitingLibc().symbols.mq_timedsend(
        this.fd,
        data,
        data.byteLength,
        priority,
        this.#sliceDeadline(deadline),
      );
      // The waiting thread's errno is out of reach: a non-waiting attempt tells a full
      // queue (false) from a broken one (it throws), and may find room by now.
      if (sent === 0 || this.trySend(data, priority)) return;
    }
  }

  /** Sends, waiting on this thread for at most `waitMs`: `true` when sent. */
  #sendInline(data: Uint8Array, priority: number, deadline: number, waitMs: number): boolean {
    const at = this.#timespec(Math.min(Date.now() + waitMs, deadline));
    if (libc().symbols.mq_timedsend(this.fd, data, data.byteLength, priority, at) === 0) {
      return true;
    }
    return this.#sendFailed(data);
  }

  /**
   * Receives into `buffer` (at least `msgsize` bytes) if a message is waiting: returns its
   * length, with its priority in {@link MessageQueue.lastPriority}, or -1 when empty.
   */
  tryReceiveInto(buffer: Uint8Array): number {
    const n = libc().symbols.mq_timedreceive(
      this.fd,
      buffer,
      buffer.byteLength,
      this.#priorityBytes,
      this.#never,
    );
    if (n >= 0) {
      this.lastPriority = this.#priority[0]!;
      return n;
    }
    return this.#receiveFailed(buffer);
  }

  #receiveFailed(buffer: Uint8Array): -1 {
    const errno = libc().errno();
    if (errno === Errno.EAGAIN || errno === Errno.ETIMEDOUT || errno === Errno.EINTR) return -1;
    throw queueError(errno, "receive", this.name, {
      size: buffer.byteLength,
      msgsize: this.#msgsize,
    });
  }

  /**
   * Waits up to one slice (or until `deadline`, whichever is sooner) for a message in
   * `buffer`; returns its length, or -1 if none came. The wait blocks another thread, not
   * the event loop (after `inlineWaitMs` on this one: see {@link WaitOptions}); a message
   * it takes is always returned, even when the caller has been aborted meanwhile, so that
   * none is lost.
   */
  async waitReceiveInto(
    buffer: Uint8Array,
    deadline = Infinity,
    inlineWaitMs = 0,
  ): Promise<number> {
    if (this.#nonblocking) return this.tryReceiveInto(buffer);
    if (inlineWaitMs > 0) {
      const n = this.#receiveInline(buffer, Math.min(Date.now() + inlineWaitMs, deadline));
      if (n >= 0 || Date.now() >= deadline) return n;
    }
    const n = await waitingLibc().symbols.mq_timedreceive(
      this.fd,
      buffer,
      buffer.byteLength,
      this.#priorityBytes,
      this.#sliceDeadline(deadline),
    );
    if (n >= 0) {
      this.lastPriority = this.#priority[0]!;
      return n;
    }
    // As in send: a non-waiting attempt says whether it was a timeout or a failure.
    return this.tryReceiveInto(buffer);
  }

  /** Waits on this thread until `at` at most: the length received, or -1. */
  #receiveInline(buffer: Uint8Array, at: number): number {
    const n = libc().symbols.mq_timedreceive(
      this.fd,
      buffer,
      buffer.byteLength,
      this.#priorityBytes,
      this.#timespec(at),
    );
    if (n < 0) return this.#receiveFailed(buffer);
    this.lastPriority = this.#priority[0]!;
    return n;
  }

  /** Receives a message if one is waiting, else `null`. */
  tryReceive(): Message | null {
    const buffer = (this.#receiveBuffer ??= new Uint8Array(this.#msgsize));
    const n = this.tryReceiveInto(buffer);
    return n < 0 ? null : { data: buffer.slice(0, n), priority: this.lastPriority };
  }

  /**
   * Receives the highest-priority message, waiting as long as `timeoutMs` allows. On a
   * non-blocking descriptor an empty queue fails at once with `would_block`.
   */
  async receive(options: WaitOptions = {}): Promise<Message> {
    const buffer = (this.#receiveBuffer ??= new Uint8Array(this.#msgsize));
    const first = this.tryReceiveInto(buffer);
    if (first >= 0) return { data: buffer.slice(0, first), priority: this.lastPriority };
    if (this.#nonblocking) throw queueError(Errno.EAGAIN, "receive", this.name);
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    for (;;) {
      this.#checkWait(deadline, options, "receive");
      const n = await this.waitReceiveInto(buffer, deadline);
      if (n >= 0) return { data: buffer.slice(0, n), priority: this.lastPriority };
    }
  }

  /** Throws the abort reason or a timeout before the next wait; the wait itself comes first. */
  #checkWait(deadline: number, options: WaitOptions, what: "send" | "receive"): void {
    if (options.signal?.aborted) throw options.signal.reason;
    if (Date.now() >= deadline) {
      throw new IpcatError(
        "timeout",
        what === "send"
          ? `queue ${this.name} stayed full for ${formatSeconds(options.timeoutMs!)}`
          : `no message arrived on queue ${this.name} within ${formatSeconds(options.timeoutMs!)}`,
        {
          hint: what === "send"
            ? "is anything receiving? raise --timeout to wait longer"
            : "is anything sending? raise --timeout to wait longer",
        },
      );
    }
  }

  /** The absolute CLOCK_REALTIME time one slice from now, capped at `deadline`. */
  #sliceDeadline(deadline: number): Uint8Array {
    return this.#timespec(Math.min(Date.now() + WAIT_SLICE_MS, deadline));
  }

  /** `at` (ms since the epoch) as the `struct timespec` the timed calls take. */
  #timespec(at: number): Uint8Array {
    this.#deadline[0] = BigInt(Math.floor(at / 1000));
    this.#deadline[1] = BigInt(Math.floor(at % 1000) * 1_000_000);
    return this.#deadlineBytes;
  }

  /** Closes the descriptor (the queue itself stays until unlinked). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    libc().symbols.mq_close(this.fd);
  }

  /**
   * Gives the queue to `uid` (its group unchanged), through this descriptor: no one can
   * swap the queue between the change and its use.
   */
  chown(uid: number): void {
    if (libc().symbols.fchown(this.fd, uid, KEEP_ID) < 0) {
      throw queueError(libc().errno(), "chown", this.name);
    }
  }

  /** Removes the queue's name (see {@link unlinkQueue}). */
  unlink(): void {
    unlinkQueue(this.name);
  }
}
