/**
 * Kernel errors of queue calls turned into one-line {@link IpcatError}s that say what
 * happened to which queue and what to do, and the kernel limits those messages quote.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { IpcatError } from "../errors.ts";
import { Errno, errnoName } from "../libc/mod.ts";

/** Where the kernel publishes the queue limits of this IPC namespace. */
export const MQUEUE_PROC = "/proc/sys/fs/mqueue";

/**
 * Removing another user's queue: the kernel says EPERM or EACCES depending on the
 * namespace's mqueue root, but either way the queue's own mode has nothing to do with it.
 */
function notYoursToRemove(operation: Operation, name: string): IpcatError | null {
  if (operation !== "unlink") return null;
  return new IpcatError(
    "permission",
    `queue ${name} belongs to another user: only its owner or root may remove it, whatever its mode`,
    { hint: `ask its owner ('ipcat mq stat ${name}' names it), or run as root` },
  );
}

/**
 * One of the kernel's queue limits (`msg_max`, `msgsize_max`, `queues_max`, the defaults),
 * or `fallback` when it cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { readKernelLimit } from "./queue_errors.ts";
 * assert.ok(readKernelLimit("msg_max", 10) >= 1);
 * ```
 */
export function readKernelLimit(file: string, fallback: number): number {
  try {
    return Number(readFileSync(`${MQUEUE_PROC}/${file}`, "utf8").trim());
  } catch {
    return fallback;
  }
}

/** What was being done when the kernel said no, for the error message. */
export type Operation = "open" | "create" | "send" | "receive" | "unlink" | "attributes" | "chown";

/**
 * The one-line error for a failed queue call: what happened to which queue, and what to do.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { queueError } from "./queue_errors.ts";
 * assert.ok(queueError(2, "open", "/jobs").code === "not_found");
 * ```
 */
export function queueError(
  errno: number,
  operation: Operation,
  name: string,
  context: { size?: number; msgsize?: number; maxmsg?: number } = {},
): IpcatError {
  switch (errno) {
    case Errno.EEXIST:
      return new IpcatError("exists", `queue ${name} already exists`, {
        hint: `use it as it is, or remove it first with 'ipcat mq unlink ${name}'`,
      });
    case Errno.ENOENT:
      return new IpcatError("not_found", `no queue named ${name}`, {
        hint: operation === "unlink"
          ? "see 'ipcat mq ls' for the queues there are"
          : `create it with 'ipcat mq create ${name}' (or pass --create)`,
      });
    case Errno.EPERM:
      return notYoursToRemove(operation, name) ??
        new IpcatError("permission", `not permitted to ${operation} queue ${name} (EPERM)`, {
          hint: "run as the queue's owner or root",
        });
    case Errno.EACCES:
      return notYoursToRemove(operation, name) ?? new IpcatError(
        "permission",
        `permission denied to ${
          operation === "receive" ? "read" : operation === "send" ? "write" : operation
        } queue ${name}`,
        {
          hint:
            "its mode does not let you in: see 'ipcat mq ls', run as its owner, or recreate it with --mode",
        },
      );
    case Errno.EMSGSIZE:
      return operation === "receive"
        ? new IpcatError(
          "limit",
          `queue ${name} holds messages of up to ${context.msgsize} bytes, more than the ${context.size}-byte buffer`,
          {
            hint: "receive with a buffer of at least the queue's msgsize",
          },
        )
        : new IpcatError(
          "limit",
          `message of ${context.size} bytes is bigger than the msgsize of queue ${name} (${context.msgsize} bytes)`,
          {
            hint: "send smaller messages, or recreate the queue with a larger --msgsize",
          },
        );
    case Errno.EAGAIN:
      return operation === "receive"
        ? new IpcatError("would_block", `queue ${name} is empty`, {
          hint: "drop --nonblock to wait for a message",
        })
        : new IpcatError(
          "would_block",
          `queue ${name} is full (${context.maxmsg ?? "maxmsg"} messages)`,
          {
            hint: "drop --nonblock to wait for room, or receive some messages first",
          },
        );
    case Errno.EINVAL:
      return new IpcatError(
        "limit",
        `queue attributes maxmsg ${context.maxmsg}, msgsize ${context.msgsize} for ${name} are over the kernel limits (msg_max ${
          readKernelLimit("msg_max", 10)
        } in ${MQUEUE_PROC}/msg_max, msgsize_max ${
          readKernelLimit("msgsize_max", 8192)
        } in ${MQUEUE_PROC}/msgsize_max)`,
        {
          hint:
            `see 'ipcat mq limits'; ask for less, or raise the limits as root (e.g. 'echo 100 > ${MQUEUE_PROC}/msg_max')`,
        },
      );
    case Errno.EMFILE:
      return new IpcatError(
        "limit",
        `cannot ${operation} queue ${name}: too many open descriptors, or your queues' bytes exceed RLIMIT_MSGQUEUE`,
        {
          hint:
            "see 'ipcat mq limits' for the bytes left; close or unlink queues you no longer need ('ipcat mq ls'), or raise 'ulimit -n' / 'ulimit -q'",
        },
      );
    case Errno.ENFILE:
      return new IpcatError(
        "limit",
        `cannot ${operation} queue ${name}: the system's open-file table is full`,
        { hint: "close files or raise fs.file-max" },
      );
    case Errno.ENOSPC:
      return new IpcatError(
        "limit",
        `cannot create queue ${name}: the limit of ${
          readKernelLimit("queues_max", 256)
        } queues (${MQUEUE_PROC}/queues_max) is reached`,
        {
          hint:
            `see 'ipcat mq limits'; unlink queues you no longer need ('ipcat mq ls'), or raise ${MQUEUE_PROC}/queues_max as root`,
        },
      );
    case Errno.ENOMEM:
      return new IpcatError("limit", `cannot ${operation} queue ${name}: out of memory`, {
        hint: "ask for a smaller --maxmsg or --msgsize",
      });
    case Errno.ENAMETOOLONG:
      return new IpcatError("usage", `queue name ${name} is too long`, {
        hint: "use a shorter name",
      });
    case Errno.EBADF:
      return new IpcatError(
        "permission",
        `queue ${name} is not open for ${
          operation === "send" ? "writing" : operation === "receive" ? "reading" : operation
        }`,
        { hint: "open it with the access you need" },
      );
    default:
      return new IpcatError("failed", `cannot ${operation} queue ${name}: ${errnoName(errno)}`);
  }
}

/**
 * `2 s`, `0.5 s`: a duration in milliseconds as people write it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatSeconds } from "./queue_errors.ts";
 * assert.ok(formatSeconds(1500) === "1.5 s");
 * ```
 */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
