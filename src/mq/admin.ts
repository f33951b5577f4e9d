/**
 * Looking at queues from outside: the mqueue filesystem (`/dev/mqueue`), which lists the
 * queues of an IPC namespace with their owner, mode and byte count, and `stat` of one queue.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { IpcatError } from "../errors.ts";
import { cString, Errno, errnoName, libc } from "./libc.ts";
import { openQueue, type QueueAttributes, queueName } from "./queue.ts";

/** Where the mqueue filesystem is mounted by convention. */
export const MQUEUE_MOUNT = "/dev/mqueue";

/** What `ipcat mq stat` and `ls` report about one queue. */
export interface QueueInfo {
  name: string;
  /** `null` when the queue cannot be opened by this user. */
  maxmsg: number | null;
  msgsize: number | null;
  curmsgs: number | null;
  /** Bytes of all messages now in the queue (`QSIZE`), when the filesystem is mounted. */
  bytes: number | null;
  /** Permission bits, e.g. `0600`, when the filesystem is mounted. */
  mode: string | null;
  uid: number | null;
  gid: number | null;
}

/**
 * Whether an mqueue filesystem is mounted at `/dev/mqueue` in this mount namespace.
 *
 * @example
 * ```ts
 * import { mqueueMounted } from "./admin.ts";
 * console.log(mqueueMounted() ? "mounted" : "not mounted");
 * ```
 */
export function mqueueMounted(): boolean {
  try {
    return readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((line) => {
      const [before, after] = line.split(" - ");
      return before?.split(" ")[4] === MQUEUE_MOUNT && after?.startsWith("mqueue ");
    });
  } catch {
    return false;
  }
}

/**
 * Makes sure the mqueue filesystem is at `/dev/mqueue`, mounting it when it is absent
 * and this process may. Returns whether it mounted it.
 *
 * @example
 * ```ts
 * import { ensureMqueueMounted } from "./admin.ts";
 * ensureMqueueMounted();
 * ```
 */
export function ensureMqueueMounted(): boolean {
  if (mqueueMounted()) return false;
  try {
    if (!existsSync(MQUEUE_MOUNT)) mkdirSync(MQUEUE_MOUNT, { recursive: true });
  } catch {
    // mount(2) below reports the real problem
  }
  const result = libc().symbols.mount(
    cString("mqueue"),
    cString(MQUEUE_MOUNT),
    cString("mqueue"),
    0,
    cString(""),
  );
  if (result < 0) {
    const errno = libc().errno();
    throw new IpcatError(
      errno === Errno.EPERM || errno === Errno.EACCES ? "permission" : "failed",
      `no mqueue filesystem at ${MQUEUE_MOUNT}, and mounting it failed (${errnoName(errno)})`,
      {
        hint: `run 'mount -t mqueue none ${MQUEUE_MOUNT}' as root, then retry`,
      },
    );
  }
  return true;
}

function attributesOf(name: string): QueueAttributes | null {
  for (const access of ["read", "write"] as const) {
    try {
      const queue = openQueue(name, { access, nonblocking: true });
      try {
        return queue.attributes();
      } finally {
        queue.close();
      }
    } catch (error) {
      if (!(error instanceof IpcatError) || error.code !== "permission") throw error;
    }
  }
  return null;
}

/**
 * Everything known about one queue. Throws `not_found` when there is no such queue, and
 * `permission` when this user can neither read nor write it and the filesystem is not mounted.
 *
 * @example
 * ```ts
 * import { statQueue } from "./admin.ts";
 * import { openQueue } from "./queue.ts";
 * openQueue("/ipcat-doc-stat", { create: true }).close();
 * console.assert(statQueue("/ipcat-doc-stat").curmsgs === 0);
 * ```
 */
export function statQueue(name: string): QueueInfo {
  const canonical = queueName(name);
  const attributes = attributesOf(canonical);
  const info = infoFrom(canonical, attributes);
  if (mqueueMounted()) addFileFacts(info);
  else if (!attributes) {
    throw new IpcatError("permission", `permission denied to open queue ${canonical}`, {
      hint: "run as its owner or root",
    });
  }
  return info;
}

/** What the attributes say of a queue; the file facts are filled in by {@link addFileFacts}. */
function infoFrom(name: string, attributes: QueueAttributes | null): QueueInfo {
  return {
    name,
    maxmsg: attributes?.maxmsg ?? null,
    msgsize: attributes?.msgsize ?? null,
    curmsgs: attributes?.curmsgs ?? null,
    bytes: null,
    mode: null,
    uid: null,
    gid: null,
  };
}

function addFileFacts(info: QueueInfo): void {
  const path = `${MQUEUE_MOUNT}${info.name}`;
  try {
    const stat = statSync(path);
    info.mode = `0${(stat.mode & 0o777).toString(8).padStart(3, "0")}`;
    info.uid = stat.uid;
    info.gid = stat.gid;
    const qsize = /QSIZE:(\d+)/.exec(readFileSync(path, "utf8"));
    if (qsize) info.bytes = Number(qsize[1]);
  } catch {
    // unreadable for this user: the attributes alone have to do
  }
}

/**
 * All queues of this IPC namespace, by name, mounting `/dev/mqueue` first when needed.
 *
 * @example
 * ```ts
 * import { listQueues } from "./admin.ts";
 * for (const q of listQueues()) console.log(q.name, q.curmsgs);
 * ```
 */
export function listQueues(): QueueInfo[] {
  ensureMqueueMounted();
  return readdirSync(MQUEUE_MOUNT).sort().map((entry) => {
    const name = `/${entry}`;
    let attributes: QueueAttributes | null = null;
    try {
      attributes = attributesOf(name);
    } catch {
      // removed between readdir and open, or over a limit: list what the file says
    }
    const info = infoFrom(name, attributes);
    addFileFacts(info);
    return info;
  });
}
