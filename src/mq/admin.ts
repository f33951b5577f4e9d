/**
 * Looking at queues from outside: `ls` of the queues of the caller's IPC namespace and
 * `stat` of one queue, from their attributes and the mqueue filesystem (`./mqueue_fs.ts`).
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { IpcatError } from "../errors.ts";
import { MQUEUE_MOUNT, ownMqueueView } from "./mqueue_fs.ts";
import { openQueue, type QueueAttributes, queueName } from "./queue.ts";

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
 * Everything known about one queue of the caller's IPC namespace. Throws `not_found` when
 * there is no such queue, and `permission` when this user can neither open it nor see the
 * caller's own mqueue filesystem. Without that filesystem (not root, and `/dev/mqueue`
 * absent or another namespace's) bytes, mode and owner are `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { statQueue } from "./admin.ts";
 * import { openQueue, unlinkQueue } from "./queue.ts";
 * openQueue("/ipcat-doc-stat", { create: true }).close();
 * assert.ok(statQueue("/ipcat-doc-stat").curmsgs === 0);
 * unlinkQueue("/ipcat-doc-stat");
 * ```
 */
export function statQueue(name: string): QueueInfo {
  const canonical = queueName(name);
  const attributes = attributesOf(canonical);
  const info = infoFrom(canonical, attributes);
  let ownView = true;
  try {
    ownMqueueView();
  } catch (error) {
    if (!(error instanceof IpcatError) || !attributes) throw error;
    ownView = false;
  }
  if (ownView) addFileFacts(info);
  if (!attributes && info.mode === null) {
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
 * All queues of the caller's IPC namespace, by name, giving this thread its own view of
 * the mqueue filesystem first when needed (see {@link ownMqueueView}).
 *
 * @example
 * ```ts
 * import { listQueues } from "./admin.ts";
 * for (const q of listQueues()) console.log(q.name, q.curmsgs);
 * ```
 */
export function listQueues(): QueueInfo[] {
  ownMqueueView();
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
