/**
 * The contract every runtime adapter fulfils.
 *
 * ipcat runs on Bun and on Deno. Everything that differs between the two lives behind
 * this interface, in `src/adapter/bun/` and `src/adapter/deno/`; nothing else in the
 * tree touches `Bun.*`, `Deno.*` or `bun:ffi`. Protocol code only ever sees a
 * {@link Runtime}, a {@link Conn}, a {@link Listener}, a {@link Child} and an {@link FfiLibrary}.
 *
 * @module
 */

/** Where to connect: a unix socket path (a leading `@` is the abstract namespace) or TCP. */
export type DialTarget =
  | { unix: string }
  | { host: string; port: number; tls?: TlsFiles };

/** PEM contents for a TLS client (as `DOCKER_CERT_PATH` holds them). */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  /** Verify the server certificate (default true). */
  verify?: boolean;
  /** The name the server's certificate must carry, when it is not the host dialled. */
  serverName?: string;
}

/** Where and how to listen on TCP: plain, or TLS with the server's PEM files. */
export interface TcpListenOptions {
  host: string;
  port: number;
  tls?: {
    cert: string;
    key: string;
    /** CAs that client certificates must chain to: given, a client certificate is required. */
    ca?: string;
  };
}

/** The identity in a TLS peer's verified certificate (mutual TLS). */
export interface PeerCertificate {
  /** The subject's common name, if any. */
  cn: string | null;
  /** The subject alternative names, as `DNS:name`, `IP Address:addr`, `email:…`. */
  san: string[];
}

/**
 * A connected byte stream, in the manner of Go's `net.Conn`.
 *
 * Reads pull chunks; writes are queued and never lost. `write` returns `false` when the
 * queue is over its high-water mark, and the caller should then `await drain()` before
 * writing more: that is the back-pressure contract.
 */
export interface Conn {
  /** The next chunk received, or `null` once the peer has closed its write side. */
  read(): Promise<Uint8Array | null>;
  /** Queues bytes in order. `false` means: await {@link Conn.drain} before writing more. */
  write(data: Uint8Array): boolean;
  /** Resolves once the write queue is below its high-water mark (rejects if the connection failed). */
  drain(): Promise<void>;
  /** Sends everything queued, then shuts down the write side (the peer reads EOF). */
  closeWrite(): Promise<void>;
  /** Closes both directions at once; queued bytes may be dropped. Idempotent. */
  close(): void;
  /** Resolves when the connection is fully closed, by either side. */
  readonly closed: Promise<void>;
  /**
   * The peer's credentials (SO_PEERCRED) of a unix connection. Defined only by adapters
   * whose runtime exposes the socket's descriptor (Bun); `null` when the call fails,
   * `undefined` for a TCP or TLS connection (which has no such credentials).
   */
  peerCredentials?(): PeerCredentials | null | undefined;
  /**
   * The verified client certificate of an accepted TLS connection whose listener asked for
   * one ({@link TcpListenOptions} `tls.ca`); `null` for any other connection.
   */
  peerCertificate?(): PeerCertificate | null;
  /**
   * Gives up this accepted connection's descriptor so that a child can use it as its
   * stdin/stdout (see {@link StdioFd}); afterwards only `close()` may be called. Returns
   * `null` when that is impossible: bytes were already read from it, or it is not an
   * accepted plain (unix or TCP) connection: TLS bytes are ciphertext. Defined only where
   * {@link Runtime.socketDescriptors} is true.
   */
  handOff?(): number | null;
}

/** The credentials of a unix socket's peer, as SO_PEERCRED reports them. */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** A listening socket that hands out connections, in the manner of Go's `net.Listener`. */
export interface Listener {
  /** The next accepted connection, or `null` once the listener is closed. */
  accept(): Promise<Conn | null>;
  /**
   * Stops listening. Both Bun and Deno (2.9) also remove the socket file by the name it
   * was bound to, whatever is there now; owners of a path that must not lose a newer
   * server's file bind elsewhere and rename (see `listenLocked` in `src/sock/ownership.ts`).
   */
  close(): void;
}

/** A writable byte sink such as stdout, stderr or a child's stdin. */
export interface ByteWriter {
  /** Writes all bytes; resolves once they are handed to the kernel or its buffer. */
  write(data: Uint8Array): Promise<void>;
  /** Closes the sink (the reader sees EOF). */
  close(): Promise<void>;
}

/** A readable byte source such as stdin or a child's stdout. */
export interface ByteReader {
  /** The next chunk, or `null` at EOF. */
  read(): Promise<Uint8Array | null>;
  /** Stops reading and releases the source. */
  cancel(): void;
}

/** How one standard stream of a child is wired. */
export type StdioMode = "pipe" | "inherit" | "null";

/** A descriptor from {@link Conn.handOff} to use as a child's stdin or stdout (Bun only). */
export interface StdioFd {
  fd: number;
}

/** Options for {@link Runtime.spawn}. */
export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  stdin?: StdioMode | StdioFd;
  stdout?: StdioMode | StdioFd;
  stderr?: StdioMode;
  /**
   * Start the child in a new session (setsid(2)): it leads its own process group, which
   * {@link Child.signalGroup} signals as a whole, descendants included.
   */
  newSession?: boolean;
  /**
   * Run the child on a new pseudo-terminal of this size instead of `stdin`/`stdout`/
   * `stderr`: all three are the terminal, which is the controlling terminal of the new
   * session the child leads (so Ctrl-C typed into it is SIGINT to its foreground group).
   * The child's {@link Child.stdin} then writes to the terminal, {@link Child.stdout} reads
   * everything it shows (one stream), and {@link Child.terminal} resizes and closes it.
   * Only where {@link Runtime.pseudoTerminals} is true.
   */
  terminal?: TerminalSize;
}

/** How a child ended: its exit code, or the signal that killed it. */
export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

/** A running child process. Streams are `null` unless their mode is `"pipe"`. */
export interface Child {
  readonly pid: number;
  readonly stdin: ByteWriter | null;
  readonly stdout: ByteReader | null;
  readonly stderr: ByteReader | null;
  readonly exited: Promise<ExitStatus>;
  kill(signal?: SignalName): void;
  /**
   * Sends `signal` to the child's whole process group (a child started with
   * {@link SpawnOptions.newSession}), even after the child itself exited. Returns `false`
   * when no process of the group is left to signal.
   */
  signalGroup(signal: SignalName): boolean;
  /** The pseudo-terminal of a child spawned with {@link SpawnOptions.terminal}, else `null`. */
  readonly terminal: ChildTerminal | null;
}

/** The pseudo-terminal a child runs on. */
export interface ChildTerminal {
  /** Sets the size the child sees (`stty size`); the kernel sends its group SIGWINCH. */
  resize(size: TerminalSize): void;
  /** Closes the terminal: its reader ends, and the kernel hangs up what still uses it. */
  close(): void;
}

/** The signals ipcat listens for or sends. */
export type SignalName =
  | "SIGINT"
  | "SIGTERM"
  | "SIGHUP"
  | "SIGWINCH"
  | "SIGKILL"
  | "SIGQUIT"
  | "SIGUSR1"
  | "SIGUSR2";

/**
 * The C types an FFI symbol may take or return. `buffer` is a `Uint8Array` passed by
 * pointer; `i64` results arrive as `number` (values beyond 2^53 are not used by ipcat).
 */
export type FfiType = "i32" | "u32" | "i64" | "u64" | "buffer" | "void";

/** One C function to bind. */
export interface FfiSymbol {
  args: readonly FfiType[];
  returns: FfiType;
  /**
   * Call it on another thread and resolve with its result, so that a call which blocks
   * (a timed wait) leaves the event loop free: Deno's `nonblocking` FFI, a worker thread
   * under Bun. Buffers are written back before the promise resolves. The call's `errno` is
   * that other thread's and cannot be read here: learn a failure's cause by repeating the
   * call synchronously in a form that does not wait.
   */
  nonblocking?: boolean;
}

/** The JavaScript value passed for an FFI argument. */
export type FfiValue = number | bigint | Uint8Array;

/** A bound function: synchronous, or a promise for a `nonblocking` one. */
export type FfiFunction<S extends FfiSymbol> = S extends { nonblocking: true }
  ? (...args: FfiValue[]) => Promise<number>
  : (...args: FfiValue[]) => number;

/** A loaded shared library with its bound functions and the calling thread's `errno`. */
export interface FfiLibrary<S extends Record<string, FfiSymbol>> {
  readonly symbols: { [K in keyof S]: FfiFunction<S[K]> };
  /** `errno` of the calling thread; read it right after a failing call. */
  errno(): number;
  close(): void;
}

/** An HTTP request function bound to one Docker-style endpoint (unix socket or TCP/TLS). */
export type HttpFetch = (url: string, init?: RequestInit) => Promise<Response>;

/** Terminal dimensions in character cells. */
export interface TerminalSize {
  rows: number;
  cols: number;
}

/** Everything ipcat needs from the runtime it runs on. */
export interface Runtime {
  /** `"bun"` or `"deno"`. */
  readonly name: "bun" | "deno";
  /** The runtime's own version, e.g. `1.4.5`. */
  readonly version: string;
  /** The command-line arguments after the program (and script) name. */
  readonly args: readonly string[];
  /** The path of the running executable (the compiled binary, or the runtime). */
  readonly execPath: string;
  /** True when running as a compiled single binary. */
  readonly compiled: boolean;
  /**
   * True when accepted unix connections expose their descriptor: {@link Conn.peerCredentials}
   * and {@link Conn.handOff} are then defined. Bun: yes. Deno: no (its connections hide it).
   */
  readonly socketDescriptors?: boolean;
  /**
   * True when {@link SpawnOptions.terminal} works: the runtime can start a child on a new
   * pseudo-terminal. Bun: yes (`Bun.spawn`'s `terminal`). Deno: no (Deno 2.9 has no pty).
   */
  readonly pseudoTerminals: boolean;

  readonly stdin: ByteReader;
  readonly stdout: ByteWriter;
  readonly stderr: ByteWriter;
  /** Whether file descriptor 0, 1 or 2 is a terminal. */
  isTerminal(fd: 0 | 1 | 2): boolean;
  /** Puts the stdin terminal into raw mode or back; a no-op when stdin is no terminal. */
  setRawMode(raw: boolean): void;
  /** The size of the terminal on stdout (or stdin), or `null` when there is none. */
  terminalSize(): TerminalSize | null;

  /** Calls `handler` on each delivery of `signal`; returns a function that removes it. */
  onSignal(signal: SignalName, handler: () => void): () => void;
  /** Ends the process with `code` once stdout and stderr are flushed. */
  exit(code: number): never;

  /** Connects a stream socket. Rejects with the system error (`code` such as `ENOENT`). */
  connect(target: DialTarget): Promise<Conn>;
  /** Listens on a unix socket path (or `@abstract` name). The path must not exist. */
  listenUnix(path: string): Promise<Listener>;
  /**
   * Listens on TCP, or TLS with `tls`. Rejects with the system error (`EADDRINUSE`, …),
   * or with code `EUNSUPPORTED` where the runtime cannot do what is asked (client
   * certificates under Deno).
   */
  listenTcp(options: TcpListenOptions): Promise<Listener>;
  /**
   * Serves an inherited listening socket (systemd socket activation), unix or TCP as the
   * caller found with getsockname(2). Defined only where the runtime can adopt a
   * descriptor (Bun); Deno cannot.
   */
  listenFd?(fd: number, transport: "unix" | "tcp"): Promise<Listener>;
  /** An HTTP client for one endpoint: a unix socket path, or a TCP base with TLS files. */
  httpClient(target: DialTarget): HttpFetch;

  /** Loads a shared library (e.g. `libc.so.6`) and binds the given symbols. */
  dlopen<S extends Record<string, FfiSymbol>>(path: string, symbols: S): FfiLibrary<S>;

  /** Starts a child process with `argv[0]` looked up in `PATH`. */
  spawn(argv: readonly string[], options?: SpawnOptions): Child;

  /** The SHA-256 of `text` (UTF-8), as lowercase hex. */
  sha256Hex(text: string): string;
}
