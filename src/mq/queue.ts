/**
 * Opening POSIX message queues through libc: {@link openQueue} (create too) and
 * {@link tryOpenQueue}. The descriptor they return is a {@link MessageQueue}
 * (`./message_queue.ts`); names and removal are in `./queue_names.ts`, kernel errors in
 * `./queue_errors.ts`, IPC namespaces in `./namespaces.ts`.
 *
 * @module
 */
import {
  cString,
  O_CLOEXEC,
  O_CREAT,
  O_EXCL,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
} from "../libc/mod.ts";
import { libc } from "./libc.ts";
import { MessageQueue } from "./message_queue.ts";
import { queueError, readKernelLimit } from "./queue_errors.ts";
import { queueName } from "./queue_names.ts";

export {
  type Message,
  MessageQueue,
  type QueueAttributes,
  STREAM_INLINE_WAIT_MS,
  WAIT_SLICE_MS,
  type WaitOptions,
} from "./message_queue.ts";
export { queueName, unlinkQueue } from "./queue_names.ts";

/** Options of {@link openQueue}. */
export interface OpenQueueOptions {
  /** Which directions this descriptor allows (default `readwrite`). */
  access?: "read" | "write" | "readwrite";
  /** Create the queue when it does not exist (`O_CREAT`). */
  create?: boolean;
  /** With `create`: fail with `exists` when it already exists (`O_EXCL`). */
  exclusive?: boolean;
  /** With `create`: the mode, applied exactly (the umask is cleared around the call). Default 0600. */
  mode?: number;
  /** With `create`: most messages held (default: the kernel's `msg_default`). */
  maxmsg?: number;
  /** With `create`: largest message in bytes (default: the kernel's `msgsize_default`). */
  msgsize?: number;
  /** Open with `O_NONBLOCK`: sends and receives never wait, the waiting calls fail at once. */
  nonblocking?: boolean;
}

/**
 * Lets timers, I/O and signal handlers run before the next kernel wait.
 *
 * @example
 * ```ts
 * import { yieldToEventLoop } from "./queue.ts";
 * await yieldToEventLoop();
 * ```
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const ACCESS_FLAGS = { read: O_RDONLY, write: O_WRONLY, readwrite: O_RDWR } as const;

/**
 * Opens (and optionally creates) a queue.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { openQueue } from "./queue.ts";
 * const q = openQueue("/ipcat-doc", { create: true, maxmsg: 4, msgsize: 64 });
 * q.trySend(new TextEncoder().encode("hi"), 3);
 * assert.ok(new TextDecoder().decode(q.tryReceive()!.data) === "hi");
 * q.close();
 * q.unlink();
 * ```
 */
export function openQueue(name: string, options: OpenQueueOptions = {}): MessageQueue {
  const canonical = queueName(name);
  const { symbols } = libc();
  let flags = ACCESS_FLAGS[options.access ?? "readwrite"] | O_CLOEXEC;
  if (options.nonblocking) flags |= O_NONBLOCK;
  const attr = new Uint8Array(64);
  let maxmsg = 0;
  let msgsize = 0;
  if (options.create) {
    flags |= O_CREAT | (options.exclusive ? O_EXCL : 0);
    maxmsg = options.maxmsg ?? readKernelLimit("msg_default", 10);
    msgsize = options.msgsize ?? readKernelLimit("msgsize_default", 8192);
    const view = new DataView(attr.buffer);
    view.setBigInt64(8, BigInt(maxmsg), true);
    view.setBigInt64(16, BigInt(msgsize), true);
  }
  const nameBytes = cString(canonical);
  const oldMask = options.create ? symbols.umask(0) : 0;
  const fd = symbols.mq_open(nameBytes, flags, options.mode ?? 0o600, attr);
  const errno = fd < 0 ? libc().errno() : 0;
  if (options.create) symbols.umask(oldMask);
  if (fd < 0) {
    throw queueError(errno, options.create ? "create" : "open", canonical, { maxmsg, msgsize });
  }
  return new MessageQueue(canonical, fd);
}

/**
 * Opens an existing queue without waiting, or returns `null` when it cannot be opened for
 * any reason (cheap enough to call in a polling loop: no error object is built).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tryOpenQueue } from "./queue.ts";
 * assert.ok(tryOpenQueue("/ipcat-doc-missing", "read") === null);
 * ```
 */
export function tryOpenQueue(
  name: string,
  access: "read" | "write" | "readwrite",
): MessageQueue | null {
  const fd = libc().symbols.mq_open(cString(name), ACCESS_FLAGS[access] | O_CLOEXEC, 0, EMPTY_ATTR);
  return fd < 0 ? null : new MessageQueue(name, fd);
}

const EMPTY_ATTR = new Uint8Array(64);
