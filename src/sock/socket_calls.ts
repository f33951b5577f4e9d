/**
 * The socket calls of libc, bound once through the runtime's FFI for every module that
 * talks to sockets itself: `connect`'s descriptor relays (`fdrelay.ts`,
 * `seqpacket_relay.ts`) and the seqpacket sockets (`seqpacket.ts`).
 *
 * @module
 */
import { type FfiLibrary, runtime } from "../adapter/mod.ts";
import { Errno, POLLIN } from "../libc/mod.ts";

const SOCKET_SYMBOLS = {
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  connect: { args: ["i32", "buffer", "u32"], returns: "i32" },
  bind: { args: ["i32", "buffer", "u32"], returns: "i32" },
  listen: { args: ["i32", "i32"], returns: "i32" },
  // The address pointers are always NULL: declared as integers, passed as 0.
  accept4: { args: ["i32", "u64", "u64", "i32"], returns: "i32" },
  poll: { args: ["buffer", "u64", "i32"], returns: "i32" },
  read: { args: ["i32", "buffer", "u64"], returns: "i64" },
  write: { args: ["i32", "buffer", "u64"], returns: "i64" },
  recv: { args: ["i32", "buffer", "u64", "i32"], returns: "i64" },
  send: { args: ["i32", "buffer", "u64", "i32"], returns: "i64" },
  shutdown: { args: ["i32", "i32"], returns: "i32" },
  getsockopt: { args: ["i32", "i32", "i32", "buffer", "buffer"], returns: "i32" },
  setsockopt: { args: ["i32", "i32", "i32", "buffer", "u32"], returns: "i32" },
  // The offset pointers are always NULL: declared as integers, passed as 0.
  splice: { args: ["i32", "u64", "i32", "u64", "u64", "u32"], returns: "i64" },
  close: { args: ["i32"], returns: "i32" },
} as const;

/** libc's socket calls and the calling thread's errno. */
export type SocketCalls = FfiLibrary<typeof SOCKET_SYMBOLS>;

let calls: SocketCalls | null | undefined;

/**
 * libc's socket calls, bound at first use; `null` where libc cannot be loaded (callers
 * that can fall back to the runtime's sockets do; the others report it).
 */
export function socketCalls(): SocketCalls | null {
  if (calls === undefined) {
    try {
      calls = runtime.dlopen("libc.so.6", SOCKET_SYMBOLS);
    } catch {
      calls = null;
    }
  }
  return calls;
}

/** What {@link pollWithStdin} saw: the socket's and stdin's poll(2) `revents`. */
export interface Readiness {
  socket: number;
  stdin: number;
}

const pollFds = new Uint8Array(16);
const pollView = new DataView(pollFds.buffer);

/**
 * Blocks in poll(2) until `socket` is ready for `events` or, when `wantStdin`, stdin has
 * input (or an end). Retried on EINTR; `null` when poll fails otherwise.
 */
export function pollWithStdin(
  c: SocketCalls,
  socket: number,
  events: number,
  wantStdin: boolean,
): Readiness | null {
  pollView.setInt32(0, socket, true);
  pollView.setInt16(4, events, true);
  pollView.setInt32(8, wantStdin ? 0 : -1, true);
  pollView.setInt16(12, POLLIN, true);
  for (;;) {
    pollView.setInt16(6, 0, true);
    pollView.setInt16(14, 0, true);
    if (c.symbols.poll(pollFds, 2, -1) >= 0) {
      return { socket: pollView.getInt16(6, true), stdin: pollView.getInt16(14, true) };
    }
    if (c.errno() !== Errno.EINTR) return null;
  }
}

/** Blocks until `fd` is ready for `events` (POLLOUT: a full stdout, say). */
export function waitFor(c: SocketCalls, fd: number, events: number): void {
  const one = new Uint8Array(8);
  const view = new DataView(one.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, events, true);
  c.symbols.poll(one, 1, -1);
}
