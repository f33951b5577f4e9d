/**
 * `ipcat sock connect`'s relay on file descriptors through libc: connect(2) to a unix
 * path or a TCP address, then a poll(2) loop that moves bytes between stdin, the socket
 * and stdout with splice(2) where one end is a pipe (zero copy), else 128 KiB at a time as
 * socat does. It blocks the event loop, which is all `connect` has to do, and costs less
 * CPU than socat (and a fraction of a relay through JavaScript streams; see
 * bench/sock.bench.ts and bench/sock_net.bench.ts). TLS stays on the runtime.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import {
  decodeRawRefusal,
  MAX_RAW_REFUSAL,
  mayBeRawRefusal,
  type RawRefusal,
} from "../framing/raw_refusal.ts";
import {
  AF_INET,
  AF_UNIX,
  Errno,
  errnoName,
  inetAddress,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  MSG_PEEK,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  SHUT_WR,
  SO_ERROR,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  SPLICE_F_MOVE,
  SPLICE_F_NONBLOCK,
  unixAddress,
} from "../libc/mod.ts";
import { pollWithStdin, type SocketCalls, socketCalls, waitFor } from "./socket_calls.ts";

const SPLICE_CHUNK = 1 << 20;
const BUFFER = 128 * 1024;

/** A socket connected through libc. */
export interface FdSocket {
  readonly fd: number;
}

/** `setsockopt(2)`: send small writes at once, as the runtimes' TCP connections do. */
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;

/**
 * Connects a unix stream socket to `path` (`@name`: abstract). Returns `null` when libc
 * cannot be loaded; throws an error with the system `code` (ENOENT, ECONNREFUSED, …)
 * when the connect fails, as the runtimes' own connect does.
 *
 * @example
 * ```ts ignore
 * import { connectFd } from "./fdrelay.ts";
 * const socket = connectFd("/tmp/app.sock");
 * ```
 */
export function connectFd(path: string): FdSocket | null {
  const c = socketCalls();
  if (!c) return null;
  const address = unixAddress(path);
  // Non-blocking, so that splice(2) into it never blocks the relay (see relayFds).
  const fd = c.symbols.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw systemError(c.errno(), "socket");
  // A non-blocking unix connect fails with Errno.EAGAIN while the listener's backlog is full.
  for (let attempt = 0; c.symbols.connect(fd, address, address.byteLength) !== 0; attempt++) {
    const errno = c.errno();
    if (errno === Errno.EAGAIN && attempt < 500) {
      c.symbols.poll(new Uint8Array(8), 0, 10);
      continue;
    }
    c.symbols.close(fd);
    throw systemError(errno, "connect");
  }
  return { fd };
}

/**
 * Connects a TCP socket to `host` and `port`, with TCP_NODELAY; a name is resolved first
 * and its addresses tried in turn (`localhost` may be ::1 or 127.0.0.1). Returns `null`
 * when libc cannot be loaded; throws an error with the system `code` (ECONNREFUSED,
 * ENOTFOUND, …) otherwise.
 *
 * @example
 * ```ts ignore
 * import { connectTcpFd } from "./fdrelay.ts";
 * const socket = await connectTcpFd("127.0.0.1", 7000);
 * ```
 */
export async function connectTcpFd(host: string, port: number): Promise<FdSocket | null> {
  const c = socketCalls();
  if (!c) return null;
  const addresses = await lookup(host.replace(/^\[(.*)\]$/, "$1"), { all: true });
  let failure: Error | undefined;
  for (const { address } of addresses) {
    try {
      return { fd: connectTcpAddress(c, inetAddress(address, port)) };
    } catch (error) {
      failure = error as Error;
    }
  }
  throw failure ?? systemError(Errno.EHOSTUNREACH, "connect");
}

/** A TCP socket connected to `address` (a `sockaddr_in` or `sockaddr_in6`). */
function connectTcpAddress(c: SocketCalls, address: Uint8Array): number {
  const family = address[0]!; // AF_INET or AF_INET6, as inetAddress wrote it
  const fd = c.symbols.socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw systemError(c.errno(), family === AF_INET ? "socket" : "socket (IPv6)");
  const one = new Uint8Array(4);
  one[0] = 1;
  c.symbols.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, one, 4);
  if (c.symbols.connect(fd, address, address.byteLength) === 0) return fd;
  let errno = c.errno();
  if (errno === Errno.EINPROGRESS) {
    // The handshake goes on: wait for it to finish, then ask how it went.
    waitFor(c, fd, POLLOUT);
    const error = new Uint8Array(4);
    const length = new Uint8Array(4);
    length[0] = 4;
    c.symbols.getsockopt(fd, SOL_SOCKET, SO_ERROR, error, length);
    errno = new DataView(error.buffer).getInt32(0, true);
  }
  if (errno === 0) return fd;
  c.symbols.close(fd);
  throw systemError(errno, "connect");
}

function systemError(errno: number, call: string): Error {
  const code = errnoName(errno);
  return Object.assign(new Error(`${call} failed: ${code}`), { code });
}

/**
 * Relays stdin to the socket and the socket to stdout until the server closes its side;
 * stdin's EOF half-closes the socket. Closes the socket at the end. Where stdin or stdout
 * is a pipe (the usual case in scripts) the bytes move with splice(2), never entering
 * user space; otherwise through a 128 KiB buffer. Returns the notice of a raw server that
 * refused us (the first bytes it sent), or `null`.
 *
 * @example
 * ```ts ignore
 * import { connectFd, relayFds } from "./fdrelay.ts";
 * const socket = connectFd("/tmp/app.sock");
 * if (socket) relayFds(socket);
 * ```
 */
export function relayFds(socket: FdSocket): RawRefusal | null {
  const c = socketCalls()!;
  const { read, write, recv, send, shutdown, close, splice } = c.symbols;
  const fd = socket.fd;
  const inbound = new Uint8Array(BUFFER);
  const outbound = new Uint8Array(BUFFER);
  let pending = outbound.subarray(0, 0);
  let stdinOpen = true;
  /** Set when the socket refused stdin's bytes for now: wait for it to be writable. */
  let socketFull = false;
  let spliceOut = true;
  let spliceIn = true;
  /** Until the first bytes arrive, they may be a raw server's refusal notice. */
  let firstBytesSeen = false;
  const finishInput = () => {
    stdinOpen = false;
    shutdown(fd, SHUT_WR);
  };
  try {
    for (;;) {
      const wantStdin = stdinOpen && pending.byteLength === 0 && !socketFull;
      const events = POLLIN | (pending.byteLength > 0 || socketFull ? POLLOUT : 0);
      const ready = pollWithStdin(c, fd, events, wantStdin);
      if (!ready) return null;
      const socketEvents = ready.socket;
      if (socketEvents & POLLNVAL) return null;
      if (!firstBytesSeen && socketEvents & POLLIN) {
        firstBytesSeen = true;
        const n = recv(fd, inbound, MAX_RAW_REFUSAL, MSG_PEEK | MSG_DONTWAIT);
        const refusal = n > 0 && mayBeRawRefusal(inbound.subarray(0, n))
          ? decodeRawRefusal(inbound.subarray(0, n))
          : null;
        if (refusal) return refusal;
      }
      if (socketEvents & (POLLIN | POLLHUP | POLLERR)) {
        let n = -1;
        if (spliceOut) {
          n = splice(fd, 0, 1, 0, SPLICE_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n < 0 && c.errno() === Errno.EAGAIN) waitFor(c, 1, POLLOUT); // stdout's pipe is full
          else if (n < 0 && c.errno() === Errno.EINVAL) spliceOut = false; // stdout is no pipe
          else if (n < 0 && c.errno() !== Errno.EINTR) return null;
          if (n === 0) return null;
        }
        if (!spliceOut) {
          n = recv(fd, inbound, BUFFER, MSG_DONTWAIT);
          if (n === 0) return null;
          if (n < 0 && c.errno() !== Errno.EAGAIN && c.errno() !== Errno.EINTR) return null;
          for (let off = 0; off < n;) {
            const w = write(1, off === 0 ? inbound : inbound.subarray(off), n - off);
            if (w >= 0) off += w;
            else if (c.errno() === Errno.EAGAIN) waitFor(c, 1, POLLOUT); // the runtime may have made stdout non-blocking
            else if (c.errno() !== Errno.EINTR) return null;
          }
        }
      }
      if (socketEvents & POLLOUT && socketFull) socketFull = false;
      if (pending.byteLength > 0 && socketEvents & POLLOUT) {
        const n = send(fd, pending, pending.byteLength, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) pending = pending.subarray(n);
        else if (n < 0 && c.errno() !== Errno.EAGAIN && c.errno() !== Errno.EINTR) {
          // The server stopped reading for good: what it still sends is read above.
          pending = pending.subarray(pending.byteLength);
          stdinOpen = false;
        }
        if (pending.byteLength === 0 && !stdinOpen) shutdown(fd, SHUT_WR);
      }
      const stdinReady = wantStdin &&
        ready.stdin & (POLLIN | POLLHUP | POLLERR | POLLNVAL);
      if (stdinReady) {
        if (spliceIn) {
          const n = splice(0, 0, fd, 0, SPLICE_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n === 0) finishInput();
          else if (n < 0 && c.errno() === Errno.EAGAIN) socketFull = true;
          else if (n < 0 && c.errno() === Errno.EINVAL) spliceIn = false; // stdin is no pipe or file
          else if (n < 0 && c.errno() === Errno.EPIPE) finishInput();
          else if (n < 0 && c.errno() !== Errno.EINTR) finishInput();
          if (spliceIn) continue;
        }
        const n = read(0, outbound, BUFFER);
        if (n < 0 && (c.errno() === Errno.EINTR || c.errno() === Errno.EAGAIN)) continue;
        if (n <= 0) {
          finishInput();
          continue;
        }
        const sent = send(fd, outbound, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        pending = outbound.subarray(Math.max(sent, 0), n);
      }
    }
  } finally {
    close(fd);
  }
}
