/**
 * Unix SOCK_SEQPACKET sockets through libc (neither runtime has them), as a {@link Conn}
 * and a {@link Listener}, so that `connect`'s relay, client-side exec and `serve --raw`
 * use them as they use stream sockets. Each `read()` is one whole packet (sized first with
 * MSG_PEEK|MSG_TRUNC, so never truncated); each `write()` of up to {@link MAX_PACKET}
 * bytes is one packet, longer ones go in pieces of that size (they come from byte
 * streams, stdin or a command's stdout, which have no boundaries to keep). Waiting
 * happens on another thread (`poller.ts`): the event loop stays free, under Bun and Deno.
 *
 * A zero-length packet reads as the end, as with socat: the kernel reports it exactly as
 * the peer's shutdown. So `write()` never sends one, and the end of input is shutdown(2).
 *
 * @module
 */
import { unlinkSync } from "node:fs";
import type { Conn, Listener, PeerCredentials } from "../adapter/mod.ts";
import {
  AF_UNIX,
  Errno,
  errnoName,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  MSG_PEEK,
  MSG_TRUNC,
  POLLIN,
  POLLOUT,
  SHUT_WR,
  SO_PEERCRED,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_SEQPACKET,
  SOL_SOCKET,
  unixAddress,
} from "../libc/mod.ts";
import { IpcatError } from "../errors.ts";
import { descriptorPoller } from "./poller.ts";
import { type SocketCalls, socketCalls } from "./socket_calls.ts";

/** The largest packet one `write()` sends; more is cut into packets of this size. */
export const MAX_PACKET = 64 * 1024;
/** Queued bytes above which `write()` asks the caller to await `drain()`. */
const WRITE_HIGH_WATER = 256 * 1024;
/** The listen(2) backlog, as the runtimes use for stream sockets. */
const BACKLOG = 511;

function lib(): SocketCalls {
  const calls = socketCalls();
  if (!calls) {
    throw new IpcatError("failed", "libc.so.6 cannot be loaded: seqpacket sockets need it", {
      hint: "run ipcat on a glibc system (the compiled binary, Bun or Deno with -A)",
    });
  }
  return calls;
}

function systemError(call: string, errno: number): Error {
  const code = errnoName(errno);
  return Object.assign(new Error(`${call} failed: ${code}`), { code });
}

function openSocket(): number {
  const fd = lib().symbols.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw systemError("socket", lib().errno());
  return fd;
}

/**
 * Connects a SOCK_SEQPACKET socket to `path` (`@name`: abstract). Throws an error with the
 * system `code`: ENOENT, ECONNREFUSED, EPROTOTYPE (a socket of another type), …
 *
 * @example
 * ```ts ignore
 * import { connectSeqpacket } from "./seqpacket.ts";
 * const conn = connectSeqpacket("@jobs");
 * conn.write(new TextEncoder().encode("one packet"));
 * ```
 */
export function connectSeqpacket(path: string): Conn {
  return new SeqpacketConn(connectSeqpacketFd(path));
}

/** {@link connectSeqpacket}'s socket as a bare non-blocking descriptor (`seqpacket_relay.ts`). */
export function connectSeqpacketFd(path: string): number {
  const address = unixAddress(path);
  const fd = openSocket();
  // A non-blocking unix connect completes at once, or fails (EAGAIN: the backlog is full).
  if (lib().symbols.connect(fd, address, address.byteLength) !== 0) {
    const errno = lib().errno();
    lib().symbols.close(fd);
    throw systemError("connect", errno);
  }
  return fd;
}

/**
 * Listens on a SOCK_SEQPACKET socket at `path` (which must not exist). Binds before it
 * returns, so that a umask set around the call covers bind(2) (see `listenLocked`).
 * `close()` removes the socket file by the name bound, as the runtimes' listeners do.
 */
export function listenSeqpacket(path: string): Promise<Listener> {
  const address = unixAddress(path);
  const fd = openSocket();
  const { bind, listen, accept4, close } = lib().symbols;
  if (bind(fd, address, address.byteLength) !== 0 || listen(fd, BACKLOG) !== 0) {
    const errno = lib().errno();
    close(fd);
    return Promise.reject(systemError("bind", errno));
  }
  let closed = false;
  return Promise.resolve({
    async accept() {
      while (!closed) {
        const conn = accept4(fd, 0, 0, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (conn >= 0) return new SeqpacketConn(conn);
        const errno = lib().errno();
        if (errno === Errno.EAGAIN || errno === Errno.EINTR) {
          await descriptorPoller().wait(fd, POLLIN);
        } else if (errno !== Errno.ECONNABORTED) {
          throw systemError("accept", errno);
        } // ECONNABORTED: reset before it was accepted; accept the next
      }
      return null;
    },
    close() {
      if (closed) return;
      closed = true;
      descriptorPoller().close(fd);
      if (path.startsWith("@")) return;
      try {
        unlinkSync(path);
      } catch {
        // renamed away or removed already
      }
    },
  });
}

/** One connected seqpacket socket. */
class SeqpacketConn implements Conn {
  readonly #fd: number;
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  #flushing = false;
  #failure: Error | null = null;
  #writeShut = false;
  #isClosed = false;
  /** Waiting for the queue to fall to a level: `drain()` and `closeWrite()`. */
  #drains: Array<{ level: number; resolve(): void; reject(error: Error): void }> = [];
  readonly #closedSignal = Promise.withResolvers<void>();
  readonly closed = this.#closedSignal.promise;
  readonly #probe = new Uint8Array(1);

  constructor(fd: number) {
    this.#fd = fd;
  }

  async read(): Promise<Uint8Array | null> {
    const { recv } = lib().symbols;
    while (!this.#isClosed) {
      const size = recv(this.#fd, this.#probe, 1, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
      if (size === 0) return null;
      if (size > 0) {
        const packet = new Uint8Array(size);
        const got = recv(this.#fd, packet, size, MSG_DONTWAIT);
        if (got === size) return packet;
        throw systemError("recv", got < 0 ? lib().errno() : Errno.EMSGSIZE);
      }
      const errno = lib().errno();
      if (errno === Errno.ECONNRESET) return null;
      if (errno === Errno.EAGAIN || errno === Errno.EINTR) {
        await descriptorPoller().wait(this.#fd, POLLIN);
      } else {
        throw systemError("recv", errno);
      }
    }
    return null;
  }

  write(data: Uint8Array): boolean {
    if (this.#failure) throw this.#failure;
    if (this.#isClosed || this.#writeShut) throw new Error("write on a closed connection");
    for (let offset = 0; offset < data.byteLength; offset += MAX_PACKET) {
      const packet = data.subarray(offset, offset + MAX_PACKET);
      this.#queue.push(packet);
      this.#queued += packet.byteLength;
    }
    this.#flush();
    // What waits for room is copied: the caller may reuse its buffer once this returns.
    for (let i = 0; i < this.#queue.length; i++) {
      if (this.#queue[i]!.buffer === data.buffer) this.#queue[i] = this.#queue[i]!.slice();
    }
    return this.#queued < WRITE_HIGH_WATER;
  }

  drain(): Promise<void> {
    return this.#whenQueued(WRITE_HIGH_WATER - 1);
  }

  async closeWrite(): Promise<void> {
    if (this.#writeShut || this.#isClosed) return;
    await this.#whenQueued(0);
    this.#writeShut = true;
    if (!this.#isClosed) lib().symbols.shutdown(this.#fd, SHUT_WR);
  }

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#queue.length = 0;
    this.#queued = 0;
    this.#settleDrains();
    descriptorPoller().close(this.#fd);
    this.#closedSignal.resolve();
  }

  /** SO_PEERCRED: the peer's pid, uid and gid (`null` when the call fails). */
  peerCredentials(): PeerCredentials | null {
    const credentials = new Uint8Array(12);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, 12, true);
    if (lib().symbols.getsockopt(this.#fd, SOL_SOCKET, SO_PEERCRED, credentials, length) !== 0) {
      return null;
    }
    const view = new DataView(credentials.buffer);
    return {
      pid: view.getInt32(0, true),
      uid: view.getUint32(4, true),
      gid: view.getUint32(8, true),
    };
  }

  /** Resolves once at most `level` bytes wait to be sent (rejects if sending failed). */
  #whenQueued(level: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#queued <= level || this.#isClosed) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drains.push({ level, resolve, reject }));
  }

  #settleDrains(): void {
    this.#drains = this.#drains.filter((drain) => {
      if (this.#failure) drain.reject(this.#failure);
      else if (this.#queued <= drain.level || this.#isClosed) drain.resolve();
      else return true;
      return false;
    });
  }

  /** Sends queued packets until the socket is full; then waits on another thread for room. */
  #flush(): void {
    if (this.#flushing) return;
    const { send } = lib().symbols;
    while (this.#queue.length > 0 && !this.#isClosed) {
      const packet = this.#queue[0]!;
      if (send(this.#fd, packet, packet.byteLength, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
        this.#queue.shift();
        this.#queued -= packet.byteLength;
        continue;
      }
      const errno = lib().errno();
      if (errno === Errno.EINTR) continue;
      if (errno !== Errno.EAGAIN) {
        this.#failure = systemError("send", errno);
        this.#queue.length = 0;
        this.#queued = 0;
        break;
      }
      this.#flushing = true;
      void descriptorPoller().wait(this.#fd, POLLOUT).then(() => {
        this.#flushing = false;
        this.#flush();
      });
      break;
    }
    this.#settleDrains();
  }
}
