/**
 * The libc symbols that POSIX message queues and IPC namespaces need, bound once through
 * the runtime adapter's FFI. Errno names, C strings and flags are the shared libc layer's
 * (`src/libc/`).
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
