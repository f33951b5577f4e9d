/**
 * The kernel's limits on POSIX message queues, as they apply to the caller: the sysctls
 * of this IPC namespace (`/proc/sys/fs/mqueue`), and the `RLIMIT_MSGQUEUE` byte budget of
 * this user with an estimate of what is used.
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import process from "node:process";
import { MQUEUE_MOUNT } from "./mqueue_fs.ts";
import { MQUEUE_PROC, readKernelLimit } from "./queue_errors.ts";
import { openQueue } from "./queue.ts";

/** What `ipcat mq limits` reports. */
export interface QueueLimits {
  msg_default: number;
  msg_max: number;
  msgsize_default: number;
  msgsize_max: number;
  queues_max: number;
  /** Queues in this IPC namespace now (`null` when the mqueue filesystem cannot be read). */
  queues: number | null;
  /** `RLIMIT_MSGQUEUE` (soft), bytes; `null` for unlimited. */
  rlimit_msgqueue: number | null;
  /**
   * An estimate of the bytes charged to this user: the queues this uid owns in this IPC
   * namespace. The kernel charges the creator, in every namespace, also for removed queues
   * still open, and shows the total nowhere.
   */
  used_estimate: number;
  /** `rlimit_msgqueue - used_estimate`, or `null` for unlimited. */
  left_estimate: number | null;
  /** With a size asked for: what one such queue costs, and how many more fit. */
  fit?: { maxmsg: number; msgsize: number; bytes: number; more: number | null; why: string };
}

/** The kernel's own pointer sizes on 64-bit Linux: `struct msg_msg` and a priority tree node. */
const MSG_HEADER_BYTES = 48;
const TREE_NODE_BYTES = 48;
/** `MQ_PRIO_MAX`: at most this many tree nodes per queue. */
const PRIORITIES = 32768;

/**
 * What a queue of `maxmsg` messages of `msgsize` bytes costs against `RLIMIT_MSGQUEUE`
 * (`mq_bytes` in ipc/mqueue.c).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { queueCost } from "./limits.ts";
 * assert.equal(queueCost(10, 8192), 82880);
 * ```
 */
export function queueCost(maxmsg: number, msgsize: number): number {
  return maxmsg * (MSG_HEADER_BYTES + msgsize) + Math.min(maxmsg, PRIORITIES) * TREE_NODE_BYTES;
}

function messageQueueRlimit(): number | null {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) =>
      l.startsWith("Max msgqueue size")
    );
    const soft = line?.slice("Max msgqueue size".length).trim().split(/\s+/)[0];
    return soft === undefined || soft === "unlimited" ? null : Number(soft);
  } catch {
    return null;
  }
}

/** Queues in the mqueue filesystem, and the cost of those this uid owns. */
function ownQueues(): { queues: number | null; used: number } {
  const uid = process.getuid?.() ?? -1;
  let entries: string[];
  try {
    entries = readdirSync(MQUEUE_MOUNT);
  } catch {
    return { queues: null, used: 0 };
  }
  let used = 0;
  for (const entry of entries) {
    try {
      if (statSync(`${MQUEUE_MOUNT}/${entry}`).uid !== uid) continue;
      const queue = openQueue(`/${entry}`, { access: "read", nonblocking: true });
      used += queueCost(queue.maxmsg, queue.msgsize);
      queue.close();
    } catch {
      // removed meanwhile, or not openable: its cost stays unknown
    }
  }
  return { queues: entries.length, used };
}

/**
 * The limits as they apply to the caller; with `size`, how many more such queues fit.
 * `queuesVisible`: `/dev/mqueue` shows the caller's namespace (see `ownMqueueView`), so
 * that its queues can be counted; without, the count and the estimate are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { queueLimits } from "./limits.ts";
 * assert.ok(queueLimits({ maxmsg: 10, msgsize: 8192 }).fit!.bytes > 0);
 * ```
 */
export function queueLimits(
  size?: { maxmsg?: number; msgsize?: number },
  { queuesVisible = true } = {},
): QueueLimits {
  const limits = {
    msg_default: readKernelLimit("msg_default", 10),
    msg_max: readKernelLimit("msg_max", 10),
    msgsize_default: readKernelLimit("msgsize_default", 8192),
    msgsize_max: readKernelLimit("msgsize_max", 8192),
    queues_max: readKernelLimit("queues_max", 256),
  };
  const rlimit = messageQueueRlimit();
  const { queues, used } = queuesVisible ? ownQueues() : { queues: null, used: 0 };
  const left = rlimit === null ? null : Math.max(0, rlimit - used);
  const result: QueueLimits = {
    ...limits,
    queues,
    rlimit_msgqueue: rlimit,
    used_estimate: used,
    left_estimate: left,
  };
  if (size) {
    const maxmsg = size.maxmsg ?? limits.msg_default;
    const msgsize = size.msgsize ?? limits.msgsize_default;
    const bytes = queueCost(maxmsg, msgsize);
    // Root (CAP_SYS_RESOURCE) may exceed msg_max and msgsize_max, up to the kernel's hard caps.
    const privileged = process.getuid?.() === 0;
    const over = !privileged && (maxmsg > limits.msg_max || msgsize > limits.msgsize_max);
    const byBytes = left === null ? Infinity : Math.floor(left / bytes);
    const byCount = queues === null || privileged ? Infinity : limits.queues_max - queues;
    const more = over ? 0 : Math.max(0, Math.min(byBytes, byCount));
    const why = over
      ? `over ${maxmsg > limits.msg_max ? "msg_max" : "msgsize_max"} (${MQUEUE_PROC})`
      : byBytes <= byCount
      ? "RLIMIT_MSGQUEUE bytes left"
      : "queues_max";
    result.fit = { maxmsg, msgsize, bytes, more: Number.isFinite(more) ? more : null, why };
  }
  return result;
}
