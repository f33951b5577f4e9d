/**
 * The Deno adapter: the {@link Runtime} contract on `Deno.*`.
 * Only this folder may touch `Deno.*`. The few Deno APIs used are typed in
 * `./deno_api.ts`, so the rest of the tree type-checks with Bun's types alone.
 *
 * @module
 */
import type {
  ByteWriter,
  Child,
  Conn,
  DialTarget,
  FfiLibrary,
  FfiSymbol,
  HttpFetch,
  Listener,
  Runtime,
  SpawnOptions,
  StdioFd,
  StdioMode,
} from "../types.ts";
import {
  deferred,
  kernelSocketPath,
  lazyReader,
  streamReader,
  WRITE_HIGH_WATER,
} from "../shared.ts";
import type { DenoApi, DenoConn } from "./deno_api.ts";

const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

const READ_CHUNK = 64 * 1024;

/** A Deno connection seen through the {@link Conn} contract: a write pump keeps order. */
class DenoConnAdapter implements Conn {
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #pumping = false;
  #failure: unknown = undefined;
  #drainWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #closedFlag = false;
  #readEnded = false;
  #writeEnded = false;
  readonly #closed = deferred<void>();
  readonly closed = this.#closed.promise;

  constructor(private readonly conn: DenoConn) {}

  async read(): Promise<Uint8Array | null> {
    if (this.#readEnded) return null;
    const buffer = new Uint8Array(READ_CHUNK);
    let n: number | null;
    try {
      n = await this.conn.read(buffer);
    } catch (error) {
      if (this.#closedFlag) return null;
      this.close();
      throw error;
    }
    if (n === null) {
      this.#readEnded = true;
      this.#closeWhenBothEnded();
      return null;
    }
    return buffer.subarray(0, n);
  }

  write(data: Uint8Array): boolean {
    if (this.#failure !== undefined || this.#closedFlag) return false;
    this.#queue.push(data);
    this.#queuedBytes += data.byteLength;
    if (!this.#pumping) void this.#pump();
    return this.#queuedBytes < WRITE_HIGH_WATER;
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        let chunk = this.#queue[0]!;
        while (chunk.byteLength > 0) {
          const n = await this.conn.write(chunk);
          this.#queuedBytes -= n;
          chunk = chunk.subarray(n);
        }
        this.#queue.shift();
        if (this.#queuedBytes < WRITE_HIGH_WATER) {
          this.#wake(this.#queue.length === 0 ? 1 : WRITE_HIGH_WATER);
        }
      }
    } catch (error) {
      this.#failure = error;
      for (const w of this.#drainWaiters.splice(0)) w.reject(error);
      this.close();
    } finally {
      this.#pumping = false;
    }
  }

  #wake(threshold: number): void {
    if (this.#queuedBytes >= threshold) return;
    for (const w of this.#drainWaiters.splice(0)) w.resolve();
  }

  drain(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#queuedBytes < WRITE_HIGH_WATER) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  async closeWrite(): Promise<void> {
    while (this.#queuedBytes > 0) {
      if (this.#failure !== undefined) throw this.#failure;
      await new Promise<void>((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
    }
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#writeEnded || this.#closedFlag) return;
    this.#writeEnded = true;
    await this.conn.closeWrite();
    this.#closeWhenBothEnded();
  }

  close(): void {
    if (this.#closedFlag) return;
    this.#closedFlag = true;
    try {
      this.conn.close();
    } catch {
      // already closed by the peer
    }
    this.#closed.resolve();
  }

  /** Deno reports no peer close on its own: the connection is over once both directions are. */
  #closeWhenBothEnded(): void {
    if (this.#readEnded && this.#writeEnded) this.close();
  }
}

async function connect(target: DialTarget): Promise<Conn> {
  if ("unix" in target) {
    return new DenoConnAdapter(
      await Deno.connect({ transport: "unix", path: kernelSocketPath(target.unix) }),
    );
  }
  if (target.tls) {
    return new DenoConnAdapter(
      await Deno.connectTls({
        hostname: target.host,
        port: target.port,
        caCerts: target.tls.ca ? [target.tls.ca] : undefined,
        cert: target.tls.cert,
        key: target.tls.key,
      }),
    );
  }
  return new DenoConnAdapter(
    await Deno.connect({ transport: "tcp", hostname: target.host, port: target.port }),
  );
}

// deno-lint-ignore require-await -- async, so that a synchronous throw (EADDRINUSE) rejects
async function listenUnix(path: string): Promise<Listener> {
  const listener = Deno.listen({ transport: "unix", path: kernelSocketPath(path) });
  let closed = false;
  return {
    async accept() {
      if (closed) return null;
      try {
        return new DenoConnAdapter(await listener.accept());
      } catch (error) {
        if (closed) return null;
        throw error;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        listener.close();
      } catch {
        // already closed
      }
    },
  };
}

function httpClient(target: DialTarget): HttpFetch {
  const client = "unix" in target
    ? Deno.createHttpClient({ proxy: { transport: "unix", path: kernelSocketPath(target.unix) } })
    : Deno.createHttpClient({
      caCerts: target.tls?.ca ? [target.tls.ca] : undefined,
      cert: target.tls?.cert,
      key: target.tls?.key,
    });
  return (url, init) => fetch(url, { ...init, client } as RequestInit);
}

function dlopen<S extends Record<string, FfiSymbol>>(path: string, symbols: S): FfiLibrary<S> {
  const defs: Record<string, { parameters: string[]; result: string }> = {
    __errno_location: { parameters: [], result: "pointer" },
  };
  for (const [name, sym] of Object.entries(symbols)) {
    defs[name] = { parameters: [...sym.args], result: sym.returns };
  }
  const lib = Deno.dlopen(path, defs);
  const bound: Record<string, (...args: unknown[]) => number> = {};
  for (const [name, sym] of Object.entries(symbols)) {
    const fn = lib.symbols[name] as (...args: unknown[]) => number | bigint;
    bound[name] = sym.returns === "i64" || sym.returns === "u64"
      ? (...args) => Number(fn(...args))
      : (fn as (...args: unknown[]) => number);
  }
  const errnoLocation = lib.symbols.__errno_location as () => unknown;
  return {
    symbols: bound as FfiLibrary<S>["symbols"],
    errno: () => new Deno.UnsafePointerView(errnoLocation()).getInt32(0),
    close: () => lib.close(),
  };
}

function denoStdio(mode: StdioMode | StdioFd | undefined): "piped" | "inherit" | "null" {
  if (typeof mode === "object") throw new Error("Deno cannot give a child a socket descriptor");
  return mode === "pipe" ? "piped" : mode === "null" ? "null" : "inherit";
}

function writableWriter(stream: WritableStream<Uint8Array>): ByteWriter {
  const writer = stream.getWriter();
  return {
    write: (data) => writer.write(data),
    close: () => writer.close(),
  };
}

function spawn(argv: readonly string[], options: SpawnOptions = {}): Child {
  const [command, ...args] = argv;
  const child = new Deno.Command(command!, {
    args,
    env: options.env,
    clearEnv: options.env !== undefined,
    cwd: options.cwd,
    stdin: denoStdio(options.stdin),
    stdout: denoStdio(options.stdout),
    stderr: denoStdio(options.stderr),
  }).spawn();
  return {
    pid: child.pid,
    stdin: options.stdin === "pipe" ? writableWriter(child.stdin) : null,
    stdout: options.stdout === "pipe" ? streamReader(child.stdout) : null,
    stderr: options.stderr === "pipe" ? streamReader(child.stderr) : null,
    exited: child.status.then((s) => ({
      code: s.signal ? null : s.code,
      signal: s.signal ?? null,
    })),
    kill: (signal = "SIGTERM") => {
      try {
        child.kill(signal);
      } catch {
        // already exited
      }
    },
  };
}

function fdWriter(file: { write(p: Uint8Array): Promise<number>; close(): void }): ByteWriter {
  return {
    async write(data) {
      while (data.byteLength > 0) data = data.subarray(await file.write(data));
    },
    close() {
      file.close();
      return Promise.resolve();
    },
  };
}

/** The Deno implementation of {@link Runtime}. */
export const runtime: Runtime = {
  name: "deno",
  version: Deno.version.deno,
  args: Deno.args,
  execPath: Deno.execPath(),
  compiled: false,
  stdin: lazyReader(() => streamReader(Deno.stdin.readable)),
  stdout: fdWriter(Deno.stdout),
  stderr: fdWriter(Deno.stderr),
  isTerminal: (fd) => [Deno.stdin, Deno.stdout, Deno.stderr][fd]!.isTerminal(),
  setRawMode(raw) {
    if (Deno.stdin.isTerminal()) Deno.stdin.setRaw(raw);
  },
  terminalSize() {
    try {
      const { rows, columns } = Deno.consoleSize();
      return { rows, cols: columns };
    } catch {
      return null;
    }
  },
  onSignal(signal, handler) {
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  },
  exit: (code) => Deno.exit(code),
  connect,
  listenUnix,
  httpClient,
  dlopen,
  spawn,
};
