/**
 * The slice of libc that POSIX message queues and IPC namespaces need, bound once
 * through the runtime adapter's FFI, with the Linux x86-64/arm64 constants.
 *
 * `ssize_t` results are declared `i32`: every size ipcat handles fits, and the result
 * register's low half carries the same value, which saves a BigInt per call.
 *
 * @module
 */
import { type FfiLibrary, runtime } from "../adapter/mod.ts";

const SYMBOLS = {
  mq_open: { args: ["buffer", "i32", "u32", "buffer"], returns: "i32" },
  mq_timedsend: { args: ["i32", "buffer", "u64", "u32", "buffer"], returns: "i32" },
  mq_timedreceive: { args: ["i32", "buffer", "u64", "buffer", "buffer"], returns: "i32" },
  mq_getattr: { args: ["i32", "buffer"], returns: "i32" },
  mq_setattr: { args: ["i32", "buffer", "buffer"], returns: "i32" },
  mq_close: { args: ["i32"], returns: "i32" },
  mq_unlink: { args: ["buffer"], returns: "i32" },
  setns: { args: ["i32", "i32"], returns: "i32" },
  unshare: { args: ["i32"], returns: "i32" },
  open: { args: ["buffer", "i32", "u32"], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
  fchown: { args: ["i32", "u32", "u32"], returns: "i32" },
  umask: { args: ["u32"], returns: "u32" },
  usleep: { args: ["u32"], returns: "i32" },
  kill: { args: ["i32", "i32"], returns: "i32" },
  mount: { args: ["buffer", "buffer", "buffer", "u64", "buffer"], returns: "i32" },
} as const;

/** The bound libc functions. */
export type Libc = FfiLibrary<typeof SYMBOLS>;

/**
 * The waiting calls again, run off the event loop (see `FfiSymbol.nonblocking`): a timed
 * send or receive then blocks another thread, never timers, I/O or signal handlers.
 */
const WAITING_SYMBOLS = {
  mq_timedsend: { ...SYMBOLS.mq_timedsend, nonblocking: true },
  mq_timedreceive: { ...SYMBOLS.mq_timedreceive, nonblocking: true },
} as const;

/** The waiting libc functions. */
export type WaitingLibc = FfiLibrary<typeof WAITING_SYMBOLS>;

let loaded: Libc | null = null;
let loadedWaiting: WaitingLibc | null = null;

/**
 * The timed send and receive that wait on another thread, loaded on first use.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { waitingLibc } from "./libc.ts";
 * assert.equal(await waitingLibc().symbols.mq_timedreceive(-1, new Uint8Array(1), 1, new Uint8Array(4), new Uint8Array(16)), -1);
 * ```
 */
export function waitingLibc(): WaitingLibc {
  return (loadedWaiting ??= runtime.dlopen("libc.so.6", WAITING_SYMBOLS));
}

/**
 * libc, loaded on first use (so commands that never touch a queue never load it).
 *
 * @example
 * ```ts
 * import { libc } from "./libc.ts";
 * const old = libc().symbols.umask(0o022);
 * libc().symbols.umask(old);
 * ```
 */
export function libc(): Libc {
  return (loaded ??= runtime.dlopen("libc.so.6", SYMBOLS));
}

/** `open(2)`/`mq_open(3)` flags. */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
/** `setns(2)`: join an IPC namespace. */
export const CLONE_NEWIPC = 0x08000000;
/** `unshare(2)`: a mount namespace of the calling thread's own. */
export const CLONE_NEWNS = 0x00020000;
/** `mount(2)` flags: make a mount (recursively) private, so that nothing propagates. */
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;

/** `kill(2)`: the signal that asks a process (group) to end. */
export const SIGTERM = 15;

/** The errno values ipcat tells apart. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EEXIST: 17,
  ENOTDIR: 20,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOSPC: 28,
  ENAMETOOLONG: 36,
  EMSGSIZE: 90,
  ETIMEDOUT: 110,
} as const;

const encoder = new TextEncoder();

/**
 * A NUL-terminated copy of `text`, for C string arguments.
 *
 * @example
 * ```ts
 * import { cString } from "./libc.ts";
 * console.assert(cString("/q").byteLength === 3);
 * ```
 */
export function cString(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.byteLength + 1);
  out.set(bytes);
  return out;
}

/**
 * The name of an errno value, for messages (`errno 90` → `EMSGSIZE`).
 *
 * @example
 * ```ts
 * import { errnoName } from "./libc.ts";
 * console.assert(errnoName(90) === "EMSGSIZE");
 * ```
 */
export function errnoName(errno: number): string {
  return Object.entries(Errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
}
