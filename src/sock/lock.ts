/**
 * `PATH.lock`: the flock(2) a live server holds next to its socket file. flock works
 * across containers that share the volume (the lock lives in the file's inode), so a
 * client can tell a live server from a stale socket file without connecting (which, on a
 * `--raw` server, would run its command), and of two servers started on one path exactly
 * one gets it. libc is bound here through the runtime's FFI.
 *
 * @module
 */
import { statSync, unlinkSync } from "node:fs";
import { type FfiLibrary, runtime } from "../adapter/mod.ts";
import {
  cString,
  Errno,
  LOCK_EX,
  LOCK_NB,
  LOCK_SH,
  LOCK_UN,
  O_CLOEXEC,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
} from "../libc/mod.ts";

const LIBC_SYMBOLS = {
  open: { args: ["buffer", "i32", "u32"], returns: "i32" },
  flock: { args: ["i32", "i32"], returns: "i32" },
  fstat: { args: ["i32", "buffer"], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
} as const;

/** `struct stat` on x86_64 and aarch64 Linux: 144 or 128 bytes; `st_ino` at offset 8. */
const STAT_SIZE = 256;
const ST_INO = 8;

let libc: FfiLibrary<typeof LIBC_SYMBOLS> | undefined;

function loadLibc(): FfiLibrary<typeof LIBC_SYMBOLS> {
  return (libc ??= runtime.dlopen("libc.so.6", LIBC_SYMBOLS));
}

function systemError(call: string, path: string, errno: number): Error {
  return Object.assign(new Error(`${call} ${path} failed (errno ${errno})`), { errno });
}

/** A held lock: release it (and remove its file) when the server stops. */
export interface HeldLock {
  readonly path: string;
  /** Removes the lock file, then releases the lock. */
  release(): void;
}

/**
 * Takes the exclusive lock on `path` (created mode 0600), or returns `null` when another
 * process holds it. A lock file that was replaced while we waited for it is retried, so
 * that a server removing its lock file at exit never leaves two owners.
 *
 * @example
 * ```ts ignore
 * import { acquireLock } from "./lock.ts";
 * const lock = acquireLock("/tmp/app.sock.lock");
 * if (lock === null) console.error("another server is live");
 * lock?.release();
 * ```
 */
export function acquireLock(path: string): HeldLock | null {
  const c = loadLibc();
  for (;;) {
    const fd = c.symbols.open(cString(path), O_RDWR | O_CREAT | O_CLOEXEC, 0o600);
    if (fd < 0) throw systemError("open", path, c.errno());
    if (c.symbols.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
      const errno = c.errno();
      c.symbols.close(fd);
      if (errno === Errno.EAGAIN) return null; // EWOULDBLOCK: another server holds it
      throw systemError("flock", path, errno);
    }
    if (sameInode(c, fd, path)) {
      return {
        path,
        release() {
          try {
            // Removed while still held: whoever opens the name next gets a fresh inode.
            if (sameInode(c, fd, path)) unlinkSync(path);
          } catch {
            // already gone
          } finally {
            c.symbols.flock(fd, LOCK_UN);
            c.symbols.close(fd);
          }
        },
      };
    }
    c.symbols.close(fd); // the file we locked was removed meanwhile: lock the new one
  }
}

/**
 * Whether a process holds the lock on `path`: `true` (a live server), `false` (a lock
 * file nobody holds: its server is gone), or `null` when there is no lock file (the
 * server is no ipcat server, or an older one).
 */
export function lockHeld(path: string): boolean | null {
  const c = loadLibc();
  const fd = c.symbols.open(cString(path), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    const errno = c.errno();
    if (errno === Errno.ENOENT) return null;
    throw systemError("open", path, errno);
  }
  try {
    if (c.symbols.flock(fd, LOCK_SH | LOCK_NB) === 0) return false;
    const errno = c.errno();
    if (errno === Errno.EAGAIN) return true; // EWOULDBLOCK: a live server holds it
    throw systemError("flock", path, errno);
  } finally {
    c.symbols.close(fd);
  }
}

function sameInode(c: FfiLibrary<typeof LIBC_SYMBOLS>, fd: number, path: string): boolean {
  const buffer = new Uint8Array(STAT_SIZE);
  if (c.symbols.fstat(fd, buffer) !== 0) return false;
  const ino = new DataView(buffer.buffer).getBigUint64(ST_INO, true);
  try {
    return statSync(path, { bigint: true }).ino === ino;
  } catch {
    return false;
  }
}
