/**
 * The errno values ipcat tells apart (Linux, x86-64 and arm64), and their names, for
 * every family that calls libc: message queues, namespaces, sockets.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Errno, errnoName } from "./errno.ts";
 * assert.equal(errnoName(Errno.EMSGSIZE), "EMSGSIZE");
 * assert.equal(errnoName(4095), "errno 4095");
 * ```
 *
 * @module
 */

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
  EPIPE: 32,
  ENAMETOOLONG: 36,
  ENOTSOCK: 88,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  EADDRINUSE: 98,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ENOBUFS: 105,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  ECONNRESET: 104,
  EHOSTUNREACH: 113,
  EINPROGRESS: 115,
} as const;

/** The name of an errno value, for messages (`90` → `EMSGSIZE`). */
export function errnoName(errno: number): string {
  return Object.entries(Errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
}
