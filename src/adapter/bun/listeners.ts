/**
 * Bun's unix and TCP/TLS listeners: accepted connections start paused, so that they can
 * be handed off to a child before a byte is read. A TLS connection is handed out only
 * once its handshake succeeded, so that its client certificate can be checked at accept.
 *
 * @module
 */
import type { Conn, Listener, TcpListenOptions } from "../types.ts";
import { kernelSocketPath } from "../shared.ts";
import { BunConn, connHandlers } from "./connections.ts";

// deno-lint-ignore require-await -- async, so that a synchronous throw (EADDRINUSE) rejects
export async function listenUnix(path: string): Promise<Listener> {
  const accepted = new AcceptQueue<Conn>();
  const server = Bun.listen<BunConn>({
    unix: kernelSocketPath(path),
    allowHalfOpen: true,
    socket: {
      ...connHandlers,
      open(socket) {
        const conn = new BunConn();
        conn.socket = socket;
        socket.pause();
        conn.awaitingFirstRead = true;
        socket.data = conn;
        accepted.push(conn);
      },
    },
  });
  return {
    accept: () => accepted.next(),
    close() {
      server.stop(false);
      accepted.end();
    },
  };
}

// deno-lint-ignore require-await -- async, so that a synchronous throw (EBADF) rejects
export async function listenFd(fd: number, transport: "unix" | "tcp"): Promise<Listener> {
  const accepted = new AcceptQueue<Conn>();
  // `fd` is in Bun's listen options (checked with Bun 1.4), not in its typings.
  const options = {
    fd,
    allowHalfOpen: true,
    socket: {
      ...connHandlers,
      open(socket: Bun.Socket<BunConn>) {
        const conn = new BunConn();
        conn.socket = socket;
        conn.transport = transport;
        socket.pause();
        conn.awaitingFirstRead = true;
        socket.data = conn;
        accepted.push(conn);
      },
    },
  };
  const server = Bun.listen<BunConn>(
    options as unknown as Parameters<typeof Bun.listen<BunConn>>[0],
  );
  return {
    accept: () => accepted.next(),
    close() {
      server.stop(false);
      accepted.end();
    },
  };
}

// deno-lint-ignore require-await -- async, so that a synchronous throw (EADDRINUSE) rejects
export async function listenTcp(options: TcpListenOptions): Promise<Listener> {
  const accepted = new AcceptQueue<Conn>();
  const tls = options.tls;
  const hand = (conn: BunConn) => {
    conn.awaitingFirstRead = !tls;
    accepted.push(conn);
  };
  const server = Bun.listen<BunConn>({
    hostname: options.host,
    port: options.port,
    allowHalfOpen: true,
    ...(tls
      ? {
        tls: {
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
        },
      }
      : {}),
    socket: {
      ...connHandlers,
      open(socket) {
        const conn = new BunConn();
        conn.socket = socket;
        conn.transport = tls ? "tls" : "tcp";
        socket.data = conn;
        // A paused TLS socket could not finish its handshake; it is never handed off anyway.
        if (tls) return;
        socket.pause();
        hand(conn);
      },
      handshake(socket, success, authorizationError) {
        // A failed handshake (no or an untrusted client certificate) never reaches accept.
        if (success && !(tls?.ca && authorizationError)) hand(socket.data);
        else socket.terminate();
      },
    },
  });
  return {
    accept: () => accepted.next(),
    close() {
      server.stop(false);
      accepted.end();
    },
  };
}

/** A FIFO of values with one awaiting consumer; `null` after `end()`. */
class AcceptQueue<T> {
  #items: T[] = [];
  #waiter: ((v: T | null) => void) | null = null;
  #ended = false;
  push(item: T): void {
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      w(item);
    } else this.#items.push(item);
  }
  end(): void {
    this.#ended = true;
    this.#waiter?.(null);
    this.#waiter = null;
  }
  next(): Promise<T | null> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift()!);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.#waiter = resolve));
  }
}
