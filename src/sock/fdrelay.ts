/**
 * `ipcat sock connect`'s relay on file descriptors through libc: connect(2), then a
 * poll(2) loop moving 128 KiB at a time between stdin, the socket and stdout, as socat
 * does. It blocks the event loop, which is all `connect` has to do; it costs a fraction of
 * the CPU of a relay through JavaScript streams (see bench/sock.bench.ts).
 *
 * @module
 */
import { type FfiLibrary, runtime } from "../adapter/mod.ts";

const LIBC_SYMBOLS = {
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  connect: { args: ["i32", "buffer", "u32"], returns: "i32" },
  poll: { args: ["buffer", "u64", "i32"], returns: "i32" },
  read: { args: ["i32", "buffer", "u64"], returns: "i64" },
  write: { args: ["i32", "buffer", "u64"], returns: "i64" },
  recv: { args: ["i32", "buffer", "u64", "i32"], returns: "i64" },
  send: { args: ["i32", "buffer", "u64", "i32"], returns: "i64" },
  shutdown: { args: ["i32", "i32"], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
} as const;

type Libc = FfiLibrary<typeof LIBC_SYMBOLS>;

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const POLLIN = 0x1;
const POLLOUT = 0x4;
const POLLERR = 0x8;
const POLLHUP = 0x10;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
const SHUT_WR = 1;
const EINTR = 4;
const EAGAIN = 11;
const BUFFER = 128 * 1024;

const ERRNO_NAMES: Record<number, string> = { 2: "ENOENT", 13: "EACCES", 1: "EPERM", 111: "ECONNREFUSED", 88: "ENOTSOCK", 91: "EPROTOTYPE" };

let libc: Libc | null | undefined;

/** libc bound once, or `null` where it cannot be loaded (then callers use the stream relay). */
function loadLibc(): Libc | null {
  if (libc === undefined) {
    try {
      libc = runtime.dlopen("libc.so.6", LIBC_SYMBOLS);
    } catch {
      libc = null;
    }
  }
  return libc;
}

/** A unix socket connected through libc. */
export interface FdSocket {
  readonly fd: number;
}

/**
 * Connects a unix stream socket to `path` (`@name`: abstract). Returns `null` when libc
 * cannot be loaded; throws an error with the system `code` (ENOENT, ECONNREFUSED, …)
 * when the connect fails, as the runtimes' own connect does.
 *
 * @example
 * ```ts
 * import { connectFd } from "./fdrelay.ts";
 * const socket = connectFd("/tmp/app.sock");
 * ```
 */
export function connectFd(path: string): FdSocket | null {
  const c = loadLibc();
  if (!c) return null;
  const name = new TextEncoder().encode(path.startsWith("@") ? `\0${path.slice(1)}` : path);
  if (name.byteLength > 107) throw Object.assign(new Error(`socket path too long: ${path}`), { code: "ENAMETOOLONG" });
  const address = new Uint8Array(110);
  address[0] = AF_UNIX;
  address.set(name, 2);
  // Abstract names count exactly; paths include their terminating NUL.
  const length = 2 + name.byteLength + (path.startsWith("@") ? 0 : 1);
  const fd = c.symbols.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw systemError(c.errno(), "socket");
  if (c.symbols.connect(fd, address, length) !== 0) {
    const errno = c.errno();
    c.symbols.close(fd);
    throw systemError(errno, "connect");
  }
  return { fd };
}

function systemError(errno: number, call: string): Error {
  const code = ERRNO_NAMES[errno] ?? `errno ${errno}`;
  return Object.assign(new Error(`${call} failed: ${code}`), { code });
}

/**
 * Relays stdin to the socket and the socket to stdout until the server closes its side;
 * stdin's EOF half-closes the socket. Closes the socket at the end.
 *
 * @example
 * ```ts
 * import { connectFd, relayFds } from "./fdrelay.ts";
 * const socket = connectFd("/tmp/app.sock");
 * if (socket) relayFds(socket);
 * ```
 */
export function relayFds(socket: FdSocket): void {
  const c = loadLibc()!;
  const { read, write, recv, send, poll, shutdown, close } = c.symbols;
  const fds = new Uint8Array(16);
  const view = new DataView(fds.buffer);
  const inbound = new Uint8Array(BUFFER);
  const outbound = new Uint8Array(BUFFER);
  let pending = outbound.subarray(0, 0);
  let stdinOpen = true;
  try {
    for (;;) {
      const wantStdin = stdinOpen && pending.byteLength === 0;
      view.setInt32(0, socket.fd, true);
      view.setInt16(4, POLLIN | (pending.byteLength > 0 ? POLLOUT : 0), true);
      view.setInt16(6, 0, true);
      view.setInt32(8, wantStdin ? 0 : -1, true);
      view.setInt16(12, POLLIN, true);
      view.setInt16(14, 0, true);
      if (poll(fds, 2, -1) < 0) {
        if (c.errno() === EINTR) continue;
        return;
      }
      const socketEvents = view.getInt16(6, true);
      if (socketEvents & (POLLIN | POLLHUP | POLLERR)) {
        const n = recv(socket.fd, inbound, BUFFER, MSG_DONTWAIT);
        if (n === 0) return;
        if (n < 0 && c.errno() !== EAGAIN && c.errno() !== EINTR) return;
        for (let off = 0; off < n;) {
          const w = write(1, off === 0 ? inbound : inbound.subarray(off), n - off);
          if (w >= 0) off += w;
          else if (c.errno() === EAGAIN) waitWritable(c, 1); // the runtime may have made stdout non-blocking
          else if (c.errno() !== EINTR) return;
        }
      }
      if (pending.byteLength > 0 && socketEvents & POLLOUT) {
        const n = send(socket.fd, pending, pending.byteLength, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) pending = pending.subarray(n);
        else if (n < 0 && c.errno() !== EAGAIN && c.errno() !== EINTR) {
          // The server stopped reading for good: what it still sends is read above.
          pending = pending.subarray(pending.byteLength);
          stdinOpen = false;
        }
        if (pending.byteLength === 0 && !stdinOpen) shutdown(socket.fd, SHUT_WR);
      }
      if (wantStdin && view.getInt16(14, true) & (POLLIN | POLLHUP | POLLERR)) {
        const n = read(0, outbound, BUFFER);
        if (n < 0 && (c.errno() === EINTR || c.errno() === EAGAIN)) continue;
        if (n <= 0) {
          stdinOpen = false;
          shutdown(socket.fd, SHUT_WR);
          continue;
        }
        const sent = send(socket.fd, outbound, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        pending = outbound.subarray(Math.max(sent, 0), n);
      }
    }
  } finally {
    close(socket.fd);
  }
}

/** Blocks until `fd` is writable. */
function waitWritable(c: Libc, fd: number): void {
  const one = new Uint8Array(8);
  const view = new DataView(one.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, POLLOUT, true);
  c.symbols.poll(one, 1, -1);
}
