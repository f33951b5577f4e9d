/**
 * The mqueue filesystem, which lists the queues of an IPC namespace with their owner, mode
 * and byte count. The one at `/dev/mqueue` shows the namespace of whoever mounted it, not
 * necessarily the caller's: after `unshare --ipc`, `nsenter --ipc` or `setns` it shows the
 * wrong queues. {@link ownMqueueView} makes it show the caller's own.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { IpcatError } from "../errors.ts";
import { CLONE_NEWNS, cString, Errno, errnoName, MS_PRIVATE, MS_REC } from "../libc/mod.ts";
import { libc } from "./libc.ts";
import { openQueue, unlinkQueue } from "./queue.ts";

/** Where the mqueue filesystem is mounted by convention. */
export const MQUEUE_MOUNT = "/dev/mqueue";

/**
 * Whether an mqueue filesystem is mounted at `/dev/mqueue` in the calling thread's mount
 * namespace (`thread-self`: {@link ownMqueueView} may have given this thread its own).
 *
 * @example
 * ```ts
 * import { mqueueMounted } from "./mqueue_fs.ts";
 * console.log(mqueueMounted() ? "mounted" : "not mounted");
 * ```
 */
export function mqueueMounted(): boolean {
  try {
    return readFileSync("/proc/thread-self/mountinfo", "utf8").split("\n").some((line) => {
      const [before, after] = line.split(" - ");
      return before?.split(" ")[4] === MQUEUE_MOUNT && after?.startsWith("mqueue ");
    });
  } catch {
    return false;
  }
}

/**
 * Whether `/dev/mqueue` shows this thread's IPC namespace: a probe queue created here must
 * appear there. `null` when no probe can be made (over a limit): then it cannot be told.
 */
function showsOwnNamespace(): boolean | null {
  const probe = `/ipcat-probe-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    openQueue(probe, {
      create: true,
      exclusive: true,
      maxmsg: 1,
      msgsize: 1,
      access: "read",
      nonblocking: true,
    }).close();
  } catch {
    return null;
  }
  try {
    return existsSync(`${MQUEUE_MOUNT}${probe}`);
  } finally {
    unlinkQueue(probe);
  }
}

/**
 * Whether `/dev/mqueue` is mounted and shows the calling thread's IPC namespace (when that
 * cannot be told, as when no probe queue can be made, it is assumed to).
 *
 * @example
 * ```ts
 * import { mqueueShowsOwnNamespace } from "./mqueue_fs.ts";
 * console.log(mqueueShowsOwnNamespace());
 * ```
 */
export function mqueueShowsOwnNamespace(): boolean {
  return mqueueMounted() && showsOwnNamespace() !== false;
}

/**
 * Makes `/dev/mqueue` show the queues of the calling thread's IPC namespace. When it is
 * absent, or shows another namespace, this thread gets a private mount namespace
 * (`unshare(CLONE_NEWNS)`, nothing propagates out) with a fresh mqueue mount there: the
 * rest of the system sees no change, and nothing is left to unmount. Returns whether it
 * mounted; throws when that is needed and not allowed (it needs CAP_SYS_ADMIN).
 *
 * @example
 * ```ts
 * import { ownMqueueView } from "./mqueue_fs.ts";
 * ownMqueueView();
 * ```
 */
export function ownMqueueView(): boolean {
  if (mqueueShowsOwnNamespace()) return false;
  const mounted = mqueueMounted();
  const { symbols } = libc();
  const problem = mounted
    ? `${MQUEUE_MOUNT} shows the queues of another IPC namespace`
    : `no mqueue filesystem at ${MQUEUE_MOUNT}`;
  const fail = (step: string): never => {
    const errno = libc().errno();
    throw new IpcatError(
      errno === Errno.EPERM || errno === Errno.EACCES ? "permission" : "failed",
      `${problem}, and ipcat cannot mount its own (${step}: ${errnoName(errno)})`,
      {
        hint: mounted
          ? "run as root, or mount it yourself in a new mount namespace: unshare --mount sh -c 'mount -t mqueue none /dev/mqueue; ...'"
          : `run 'mount -t mqueue none ${MQUEUE_MOUNT}' as root, then retry`,
      },
    );
  };
  if (symbols.unshare(CLONE_NEWNS) < 0) fail("unshare");
  const none = cString("none");
  if (symbols.mount(none, cString("/"), none, MS_REC | MS_PRIVATE, none) < 0) fail("mount");
  try {
    if (!existsSync(MQUEUE_MOUNT)) mkdirSync(MQUEUE_MOUNT, { recursive: true });
  } catch {
    // mount(2) below reports the real problem
  }
  // No mount options: mqueue refuses any it does not know (EINVAL).
  const noOptions = cString("");
  if (
    symbols.mount(cString("mqueue"), cString(MQUEUE_MOUNT), cString("mqueue"), 0, noOptions) < 0
  ) {
    fail("mount");
  }
  return true;
}
