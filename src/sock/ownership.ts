/**
 * Who owns a socket path, decided without side effects: a live ipcat server holds the
 * flock of `PATH.lock` (`lock.ts`) for as long as it serves, so liveness never needs a
 * connection (a connection to a `--raw` server runs its command). Of two servers started
 * on one path exactly one gets the lock; the other exits 4. At exit a server removes the
 * socket file only if it is still its own (same inode), then its lock file. (The server
 * binds a name of its own and renames the socket into place, so `ss -x` shows that name.)
 *
 * Abstract names (`@name`) have no file: the kernel lets one listener bind a name, and
 * `/proc/net/unix` tells whether one does.
 *
 * @module
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { type Listener, runtime } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import { systemCode } from "../transport/dial.ts";
import { acquireLock, lockHeld } from "./lock.ts";
import { MAX_SOCKET_PATH } from "./paths.ts";
import { connectSeqpacket, listenSeqpacket } from "./seqpacket.ts";

/** What is at a socket path. */
export type PathState = "live" | "stale" | "missing" | "not-a-socket" | "unknown";

/** The lock file of `path` (its directory resolved, so that symlinked paths agree). */
function lockPathOf(path: string, followLast: boolean): string {
  let target = path;
  try {
    target = followLast ? realpathSync(path) : join(realpathSync(dirname(path)), basename(path));
  } catch {
    // a missing directory or file: the name as given
  }
  return `${target}.lock`;
}

/** True while some process listens on the abstract name `@name` (this network namespace). */
function abstractListening(path: string): boolean {
  const wanted = ` ${path}`;
  try {
    return readFileSync("/proc/net/unix", "utf8").split("\n").some((line) =>
      line.endsWith(wanted) && line.split(/\s+/)[3] === "00010000" // __SO_ACCEPTCON: listening
    );
  } catch {
    return false;
  }
}

/**
 * What is at `path`, following symlinks: `live` when an ipcat server holds its lock (or an
 * abstract name has a listener), `stale` for a socket file whose server is gone, `missing`,
 * `not-a-socket`, or `unknown` for a socket without a lock file (another program's
 * server, or an older ipcat): only connecting can tell then.
 *
 * @example
 * ```ts ignore
 * import { pathState } from "./ownership.ts";
 * console.log(pathState("/tmp/app.sock"));
 * ```
 */
export function pathState(path: string): PathState {
  if (path.startsWith("@")) return abstractListening(path) ? "live" : "missing";
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return "missing";
  }
  if (!stat.isSocket()) return "not-a-socket";
  const held = lockHeld(lockPathOf(path, true));
  return held === null ? "unknown" : held ? "live" : "stale";
}

/** Whether something accepts a connection on `path` (for sockets without a lock file). */
export async function answers(path: string): Promise<boolean> {
  try {
    (await runtime.connect({ unix: path })).close();
    return true;
  } catch {
    // A live socket of another type (seqpacket) refuses a stream connect too: the runtimes
    // report that as ECONNREFUSED or without a code, so ask with a seqpacket connect.
    try {
      connectSeqpacket(path).close();
      return true;
    } catch {
      return false;
    }
  }
}

/** The error every client gives for a path that holds something other than a socket. */
export function notASocketError(path: string): IpcatError {
  let what = "not a socket";
  try {
    const stat = statSync(path);
    what = stat.isDirectory() ? "a directory" : stat.isFile() ? "a regular file" : what;
  } catch {
    // gone meanwhile
  }
  return new IpcatError("not_found", `${path} is ${what}, not a socket`, {
    hint: "give the path of the server's socket",
  });
}

/** Counts the names bound in this process, so that each is fresh. */
let binds = 0;

/** Options of {@link listenLocked}. */
export interface LockedListenOptions {
  /** The socket file's permission bits, applied race-free through the umask around bind. */
  mode?: number;
  /**
   * The socket file's owner and group (`--owner`, `--group`). The file is bound with at
   * most its owner's bits of `mode`, changed to this owner and group, and only then given
   * `mode` and renamed into place: it is never reachable by anyone `mode` does not name.
   */
  owner?: { uid?: number; gid?: number };
  /** Listen on a SOCK_SEQPACKET socket (`seqpacket.ts`) instead of a stream one. */
  seqpacket?: boolean;
}

/**
 * Listens on `path` as its one owner: takes `PATH.lock` (another live server: `exists`,
 * exit 4), reuses a stale socket file (reported through `onNote`), refuses anything else
 * at the path. `close()` removes the socket file if it is still ours, then the lock.
 *
 * @example
 * ```ts ignore
 * import { listenLocked } from "./ownership.ts";
 * const listener = await listenLocked("/tmp/app.sock", console.error);
 * listener.close();
 * ```
 */
export async function listenLocked(
  path: string,
  onNote: (line: string) => void,
  options: LockedListenOptions = {},
): Promise<Listener> {
  const listen = options.seqpacket ? listenSeqpacket : (name: string) => runtime.listenUnix(name);
  if (path.startsWith("@")) return await bindOrExplain(listen, path, undefined, path);
  const lockPath = lockPathOf(path, false);
  // A socket without a lock file may belong to a server that is no ipcat one (socat):
  // only connecting can tell whether it lives, and it is never taken over if it does.
  const foreign = !existsSync(lockPath) && pathState(path) === "unknown";
  if (foreign && (await answers(path))) {
    throw new IpcatError("exists", `another server is already listening on ${path}`, {
      hint: "stop it first, or choose another path",
    });
  }
  let lock;
  try {
    lock = acquireLock(lockPath);
  } catch (error) {
    throw new IpcatError("permission", `cannot create the lock file ${lockPath}`, {
      hint: "run the server where it may write next to its socket",
      cause: error,
    });
  }
  if (lock === null) {
    throw new IpcatError("exists", `another server is already listening on ${path}`, {
      hint: "stop it first, or choose another path",
    });
  }
  let listener: Listener;
  let inode: bigint;
  try {
    let existing;
    try {
      existing = lstatSync(path);
    } catch {
      existing = null;
    }
    if (existing && !existing.isSocket()) {
      throw new IpcatError("exists", `${path} exists and is not a socket`, {
        hint: "remove it or choose another path",
      });
    }
    if (existing) {
      // We hold the lock: no ipcat server serves this file any more.
      unlinkSync(path);
      onNote(`removed stale socket file ${path} (nothing was listening on it)`);
    }
    // Bound under a name of our own, then renamed into place: both runtimes unlink the
    // bound name when the listener closes, and that must never be a newer server's file.
    // (Where that name would be over the kernel's limit, the path itself is bound.)
    const bindName = join(dirname(path), `.ipcat-${process.pid}-${++binds}`);
    const aside = new TextEncoder().encode(bindName).byteLength <= MAX_SOCKET_PATH;
    const bound = aside ? bindName : path;
    const owner = options.owner;
    const mode = options.mode ?? 0o600;
    listener = await bindOrExplain(listen, bound, owner ? mode & 0o700 : options.mode, path);
    if (owner) giveAway(bound, owner, mode, path, listener);
    if (aside) renameSync(bindName, path);
    inode = statSync(path, { bigint: true }).ino;
  } catch (error) {
    lock.release();
    throw error;
  }
  let closed = false;
  return {
    accept: () => listener.accept(),
    close() {
      if (closed) return;
      closed = true;
      listener.close();
      try {
        if (statSync(path, { bigint: true }).ino === inode) unlinkSync(path);
      } catch {
        // already gone (Bun removes its own)
      }
      lock.release();
    },
  };
}

/**
 * Hands the freshly bound socket file `name` to its owner and group, then widens it to
 * `mode`; until then only the server's own uid (and root) may connect. On failure the
 * listener is closed and the error names `path`.
 */
function giveAway(
  name: string,
  owner: { uid?: number; gid?: number },
  mode: number,
  path: string,
  listener: Listener,
): void {
  try {
    chownSync(name, owner.uid ?? -1, owner.gid ?? -1);
    chmodSync(name, mode);
  } catch (error) {
    listener.close();
    throw new IpcatError(
      "permission",
      `cannot give socket ${path} to ${owner.uid ?? "its owner"}:${owner.gid ?? "its group"}: ${
        systemCode(error) ?? error
      }`,
      { hint: "only root may give a file away; a group must be one of the server's", cause: error },
    );
  }
}

/**
 * Binds `name` with the umask narrowed to `mode` around bind(2); system errors become one
 * line naming `path`, the path the user gave.
 */
async function bindOrExplain(
  listen: (name: string) => Promise<Listener>,
  name: string,
  mode: number | undefined,
  path: string,
): Promise<Listener> {
  const previous = mode === undefined ? undefined : process.umask(~mode & 0o777);
  try {
    // Both adapters (and seqpacket.ts) bind synchronously before their first await: the
    // umask covers bind only.
    const listening = listen(name);
    if (previous !== undefined) process.umask(previous);
    return await listening;
  } catch (error) {
    const code = systemCode(error);
    if (code === "EADDRINUSE") {
      throw new IpcatError("exists", `another server is already listening on ${path}`, {
        hint: "stop it first, or choose another path",
        cause: error,
      });
    }
    if (code === "EACCES" || code === "EPERM") {
      throw new IpcatError("permission", `permission denied creating socket ${path}`, {
        hint: "choose a directory you can write to",
        cause: error,
      });
    }
    if (code === "ENOENT") {
      throw new IpcatError(
        "not_found",
        `cannot create socket ${path}: its directory does not exist`,
        {
          hint: "create the directory first",
          cause: error,
        },
      );
    }
    throw error;
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
}
