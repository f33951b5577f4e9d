/**
 * Bun's sockets through the {@link Conn} contract: unix, TCP and TLS connections with
 * half-close, back-pressure, peer credentials (SO_PEERCRED) and descriptor hand-off.
 *
 * @module
 */
import { dlopen as bunDlopen, FFIType } from "bun:ffi";
type Socket<T> = Bun.Socket<T>;
type SocketHandler<T> = Bun.SocketHandler<T>;
import type { Conn, DialTarget, PeerCertificate, PeerCredentials } from "../types.ts";
import { deferred } from "../../deferred.ts";
import { ChunkQueue, kernelSocketPath, WRITE_HIGH_WATER } from "../shared.ts";

/** A Bun socket seen through the {@link Conn} contract. */
export class BunConn implements Conn {
  socket: Socket<BunConn> | null = null;
  readonly #incoming: ChunkQueue;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #drainWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #failure: unknown = undefined;
  #shutdownRequested = false;
  readonly #closed = deferred<void>();
  readonly closed = this.#closed.promise;

  constructor() {
    this.#incoming = new ChunkQueue(() => this.socket?.pause(), () => this.socket?.resume());
  }

  /** Set for accepted connections: paused until the first read, so that they can be handed off. */
  awaitingFirstRead = false;
  #received = false;

  read(): Promise<Uint8Array | null> {
    if (this.awaitingFirstRead) {
      this.awaitingFirstRead = false;
      this.socket?.resume();
    }
    return this.#incoming.read();
  }

  /** What kind of socket this is: only unix ones have peer credentials and are handed off. */
  transport: "unix" | "tcp" | "tls" = "unix";

  peerCredentials(): PeerCredentials | null | undefined {
    if (this.transport !== "unix") return undefined;
    const fd = (this.socket as unknown as { fd?: number } | null)?.fd;
    return fd === undefined || fd < 0 ? null : readPeerCredentials(fd);
  }

  peerCertificate(): PeerCertificate | null {
    if (this.transport !== "tls" || !this.socket) return null;
    const certificate = (this.socket as unknown as {
      getPeerCertificate?(): { subject?: { CN?: string }; subjectaltname?: string } | undefined;
    }).getPeerCertificate?.();
    if (!certificate || !certificate.subject) return null;
    const san = certificate.subjectaltname
      ? certificate.subjectaltname.split(", ").filter((name) => name !== "")
      : [];
    return { cn: certificate.subject.CN ?? null, san };
  }

  handOff(): number | null {
    // A TLS socket's bytes are ciphertext: only plain sockets can be a child's stdio.
    if (this.transport === "tls") return null;
    const fd = (this.socket as unknown as { fd?: number } | null)?.fd;
    if (!this.awaitingFirstRead || this.#received || fd === undefined || fd < 0) return null;
    return fd;
  }

  write(data: Uint8Array): boolean {
    if (this.#failure !== undefined || !this.socket) return false;
    if (this.#pending.length === 0) {
      const written = this.socket.write(data);
      if (written === data.byteLength) return true;
      data = data.subarray(Math.max(written, 0));
    }
    this.#pending.push(data);
    this.#pendingBytes += data.byteLength;
    return this.#pendingBytes < WRITE_HIGH_WATER;
  }

  drain(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#pendingBytes < WRITE_HIGH_WATER) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  async closeWrite(): Promise<void> {
    while (this.#pendingBytes > 0) {
      if (this.#failure !== undefined) throw this.#failure;
      await new Promise<void>((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
    }
    this.#shutdownRequested = true;
    this.socket?.shutdown();
  }

  close(): void {
    this.socket?.end();
    this.socket?.terminate();
  }

  /** Called from the socket's `drain` event: sends what the kernel refused earlier. */
  onDrain(): void {
    const socket = this.socket;
    if (!socket) return;
    while (this.#pending.length > 0) {
      const chunk = this.#pending[0]!;
      const written = socket.write(chunk);
      if (written < 0) break;
      this.#pendingBytes -= written;
      if (written < chunk.byteLength) {
        this.#pending[0] = chunk.subarray(written);
        break;
      }
      this.#pending.shift();
    }
    const threshold = this.#pending.length === 0 ? 1 : WRITE_HIGH_WATER;
    if (this.#pendingBytes < threshold) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w.resolve();
    }
  }

  onData(chunk: Uint8Array): void {
    this.#received = true;
    this.#incoming.push(chunk);
  }

  onEnd(): void {
    this.#incoming.end();
  }

  onError(error: unknown): void {
    this.#failure = error;
    this.#incoming.fail(error);
    for (const w of this.#drainWaiters.splice(0)) w.reject(error);
  }

  onClose(): void {
    this.#incoming.end();
    if (this.#failure === undefined && this.#pendingBytes > 0) {
      this.onError(
        Object.assign(new Error("connection closed with unsent data"), { code: "EPIPE" }),
      );
    }
    for (const w of this.#drainWaiters.splice(0)) w.resolve();
    this.socket = null;
    this.#closed.resolve();
  }

  get shutdownRequested(): boolean {
    return this.#shutdownRequested;
  }
}

export const connHandlers: SocketHandler<BunConn> = {
  binaryType: "uint8array",
  data(socket, data) {
    socket.data.onData(data as Uint8Array);
  },
  drain(socket) {
    socket.data.onDrain();
  },
  end(socket) {
    socket.data.onEnd();
  },
  error(socket, error) {
    socket.data.onError(error);
  },
  close(socket) {
    socket.data.onClose();
  },
};

export async function connect(target: DialTarget): Promise<Conn> {
  const conn = new BunConn();
  const socket = "unix" in target
    ? await Bun.connect<BunConn>({
      unix: kernelSocketPath(target.unix),
      socket: connHandlers,
      data: conn,
      allowHalfOpen: true,
    })
    : await Bun.connect<BunConn>({
      hostname: target.host,
      port: target.port,
      socket: connHandlers,
      data: conn,
      allowHalfOpen: true,
      ...(target.tls
        ? {
          tls: {
            ca: target.tls.ca,
            cert: target.tls.cert,
            key: target.tls.key,
            rejectUnauthorized: target.tls.verify !== false,
            ...(target.tls.serverName ? { serverName: target.tls.serverName } : {}),
          },
        }
        : {}),
    });
  conn.socket = socket;
  return conn;
}

/** libc's getsockopt, bound on first use (only servers checking peers need it). */
let getsockopt:
  | ((fd: number, level: number, name: number, value: Uint8Array, length: Uint8Array) => number)
  | undefined;
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

/** SO_PEERCRED of a unix socket descriptor: `struct ucred { pid_t pid; uid_t uid; gid_t gid; }`. */
function readPeerCredentials(fd: number): PeerCredentials | null {
  getsockopt ??= bunDlopen("libc.so.6", {
    getsockopt: {
      args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr],
      returns: FFIType.i32,
    },
  }).symbols.getsockopt as unknown as typeof getsockopt;
  const ucred = new Uint8Array(12);
  const length = new Uint8Array(new Uint32Array([12]).buffer);
  if (getsockopt!(fd, SOL_SOCKET, SO_PEERCRED, ucred, length) !== 0) return null;
  const view = new DataView(ucred.buffer);
  return {
    pid: view.getInt32(0, true),
    uid: view.getUint32(4, true),
    gid: view.getUint32(8, true),
  };
}
