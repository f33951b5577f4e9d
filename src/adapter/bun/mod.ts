/**
 * The Bun adapter: the {@link Runtime} contract on `Bun.*` and `bun:ffi`.
 * Only this folder may import `bun:ffi` or touch `Bun.*`.
 *
 * @module
 */
import { dlopen as bunDlopen, FFIType, read as ffiRead } from "bun:ffi";
import type { Socket, SocketHandler } from "bun";
import type {
  ByteReader,
  ByteWriter,
  Child,
  Conn,
  DialTarget,
  ExitStatus,
  FfiLibrary,
  FfiSymbol,
  FfiType,
  HttpFetch,
  Listener,
  PeerCredentials,
  Runtime,
  SignalName,
  SpawnOptions,
  StdioFd,
  StdioMode,
} from "../types.ts";
import {
  ChunkQueue,
  deferred,
  kernelSocketPath,
  lazyReader,
  streamReader,
  WRITE_HIGH_WATER,
} from "../shared.ts";

/** A Bun socket seen through the {@link Conn} contract. */
class BunConn implements Conn {
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

  peerCredentials(): PeerCredentials | null {
    const fd = (this.socket as unknown as { fd?: number } | null)?.fd;
    return fd === undefined || fd < 0 ? null : readPeerCredentials(fd);
  }

  handOff(): number | null {
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

const connHandlers: SocketHandler<BunConn> = {
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

async function connect(target: DialTarget): Promise<Conn> {
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
          },
        }
        : {}),
    });
  conn.socket = socket;
  return conn;
}

// deno-lint-ignore require-await -- async, so that a synchronous throw (EADDRINUSE) rejects
async function listenUnix(path: string): Promise<Listener> {
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

function httpClient(target: DialTarget): HttpFetch {
  if ("unix" in target) {
    const unix = kernelSocketPath(target.unix);
    return (url, init) => fetch(url, { ...init, unix } as RequestInit);
  }
  const tls = target.tls
    ? {
      ca: target.tls.ca,
      cert: target.tls.cert,
      key: target.tls.key,
      rejectUnauthorized: target.tls.verify !== false,
    }
    : undefined;
  return (url, init) => fetch(url, { ...init, ...(tls ? { tls } : {}) } as RequestInit);
}

const FFI_TYPES: Record<FfiType, FFIType> = {
  i32: FFIType.i32,
  u32: FFIType.u32,
  i64: FFIType.i64,
  u64: FFIType.u64,
  buffer: FFIType.ptr,
  void: FFIType.void,
};

function dlopen<S extends Record<string, FfiSymbol>>(path: string, symbols: S): FfiLibrary<S> {
  const defs: Record<string, { args: FFIType[]; returns: FFIType }> = {
    __errno_location: { args: [], returns: FFIType.ptr },
  };
  for (const [name, sym] of Object.entries(symbols)) {
    defs[name] = { args: sym.args.map((t) => FFI_TYPES[t]), returns: FFI_TYPES[sym.returns] };
  }
  const lib = bunDlopen(path, defs);
  const bound: Record<string, (...args: unknown[]) => number> = {};
  for (const [name, sym] of Object.entries(symbols)) {
    const fn = lib.symbols[name] as unknown as (...args: unknown[]) => number | bigint;
    bound[name] = sym.returns === "i64" || sym.returns === "u64"
      ? (...args) => Number(fn(...args))
      : (fn as (...args: unknown[]) => number);
  }
  const errnoLocation = lib.symbols.__errno_location as unknown as () => number;
  return {
    symbols: bound as FfiLibrary<S>["symbols"],
    errno: () => ffiRead.i32(errnoLocation() as never, 0),
    close: () => lib.close(),
  };
}

function bunStdio(mode: StdioMode | StdioFd | undefined): "pipe" | "inherit" | "ignore" | number {
  if (typeof mode === "object") return mode.fd;
  return mode === "pipe" ? "pipe" : mode === "null" ? "ignore" : "inherit";
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

function spawn(argv: readonly string[], options: SpawnOptions = {}): Child {
  const proc = Bun.spawn([...argv], {
    env: options.env,
    cwd: options.cwd,
    stdin: bunStdio(options.stdin),
    stdout: bunStdio(options.stdout),
    stderr: bunStdio(options.stderr),
  });
  const stdin = options.stdin === "pipe"
    ? fileSinkWriter(proc.stdin as import("bun").FileSink)
    : null;
  const pipeReader = (s: unknown): ByteReader | null =>
    s instanceof ReadableStream ? streamReader(s as ReadableStream<Uint8Array>) : null;
  return {
    pid: proc.pid,
    stdin,
    stdout: pipeReader(proc.stdout),
    stderr: pipeReader(proc.stderr),
    exited: proc.exited.then((): ExitStatus => {
      const signal = proc.signalCode == null ? null : String(proc.signalCode);
      return { code: signal ? null : proc.exitCode, signal };
    }),
    kill: (signal: SignalName = "SIGTERM") => proc.kill(signal),
  };
}

function fileSinkWriter(sink: import("bun").FileSink): ByteWriter {
  return {
    async write(data) {
      sink.write(data);
      await sink.flush();
    },
    async close() {
      await sink.end();
    },
  };
}

/**
 * `node:tty` costs about 3.5 ms of start-up in a compiled binary (measured by the bench
 * runner), so it is loaded only when a command asks about a terminal.
 */
let ttyModule: typeof import("node:tty") | undefined;
function tty(): typeof import("node:tty") {
  return (ttyModule ??= require("node:tty") as typeof import("node:tty"));
}

const stdout = Bun.stdout.writer();
const stderr = Bun.stderr.writer();

/** The Bun implementation of {@link Runtime}. */
export const runtime: Runtime = {
  name: "bun",
  version: Bun.version,
  args: process.argv.slice(2),
  execPath: process.execPath,
  compiled: import.meta.path.startsWith("/$bunfs/"),
  socketDescriptors: true,
  stdin: lazyReader(() => streamReader(Bun.stdin.stream() as ReadableStream<Uint8Array>)),
  stdout: fileSinkWriter(stdout),
  stderr: fileSinkWriter(stderr),
  isTerminal: (fd) => tty().isatty(fd),
  setRawMode(raw) {
    if (tty().isatty(0)) {
      (process.stdin as unknown as { setRawMode(r: boolean): void }).setRawMode(raw);
    }
  },
  terminalSize() {
    for (
      const stream of [process.stdout, process.stderr] as unknown as Array<
        { isTTY?: boolean; rows?: number; columns?: number }
      >
    ) {
      if (stream.isTTY && stream.rows && stream.columns) {
        return { rows: stream.rows, cols: stream.columns };
      }
    }
    return null;
  },
  onSignal(signal, handler) {
    process.on(signal, handler);
    return () => process.off(signal, handler);
  },
  exit(code): never {
    stdout.flush();
    stderr.flush();
    process.exit(code);
  },
  connect,
  listenUnix,
  httpClient,
  dlopen,
  spawn,
};
