/**
 * Raw mode: no protocol, bytes as they are. `serveRaw` makes each connection the
 * stdin/stdout of a fresh run of a command (socat's `UNIX-LISTEN:…,fork SYSTEM:…`) and
 * `relay` pipes two byte streams both ways (socat's `- UNIX-CONNECT:…`). Unlike socat,
 * neither cuts the reply off after the other side's EOF.
 *
 * @module
 */
import { type ByteReader, type ByteWriter, type Conn, type Listener } from "../adapter/mod.ts";
import { DEFAULT_KILL_AFTER_MS, Jobs } from "./jobs.ts";
import { decodeRawRefusal, encodeRawRefusal, type RawRefusal } from "../framing/raw_refusal.ts";
import { acceptLoop } from "./accept.ts";
import { Admission, type AdmissionLimits, type Refusal } from "./admission.ts";
import { tracedReader, tracedWriter, type Tracer } from "./trace.ts";

/** Options of {@link serveRaw}. */
export interface RawServeOptions {
  /** Connections served at once; more are closed at once, with a log line. */
  maxClients?: number;
  /** Where one-line reports go (each connection's exit status). */
  log?: (line: string) => void;
  /** Peer uids allowed besides the server's own and root (see `ServeOptions.allowUids`). */
  allowUids?: readonly number[];
  /** Peer gids allowed (see `AdmissionLimits.allowGids`). */
  allowGids?: readonly number[];
  /** Dumps each connection's traffic (`--trace`): a tracer per connection id. */
  trace?: (id: number) => Tracer;
  /** TLS identities allowed (see `AdmissionLimits.allowIdentities`). */
  allowIdentities?: AdmissionLimits["allowIdentities"];
  /** Connections one uid may hold at once (default 256; 0: no cap; Bun only). */
  maxPerUid?: number;
  /**
   * With `maxClients`: connections beyond it wait, unread, until a run ends (socat's
   * `max-children`), instead of being refused.
   */
  queue?: boolean;
  /** The commands' environment (default: the server's own). */
  env?: Readonly<Record<string, string>>;
  /** Where runs are tracked (default: this server's own, SIGKILL grace 5 s). */
  jobs?: Jobs;
}

/** A running raw server. */
export interface RawServer {
  /** Stops accepting and ends running commands' process groups; resolves once they are gone. */
  close(): Promise<void>;
  /** Settles once the accept loop has stopped. */
  readonly closed: Promise<void>;
}

/**
 * Serves `argv` on `listener`: each connection is the stdin and stdout of a fresh run.
 * The command's stderr is the server's. The connection is closed only once the command
 * has exited and everything it wrote was sent.
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../adapter/mod.ts";
 * import { serveRaw } from "./raw.ts";
 * const server = serveRaw(await runtime.listenUnix("@raw-example"), ["cat"], { log: console.error });
 * await server.close();
 * ```
 */
export function serveRaw(
  listener: Listener,
  argv: readonly string[],
  options: RawServeOptions = {},
): RawServer {
  const log = options.log ?? (() => {});
  const jobs = options.jobs ?? new Jobs(DEFAULT_KILL_AFTER_MS, log);
  const env = options.env ? { ...options.env } : undefined;

  // With --queue the admission does not cap runs: the queue below does.
  const queued = options.queue === true && options.maxClients !== undefined;
  let running = 0;
  const waiting: Array<() => void> = [];

  async function handle(conn: Conn, id: number): Promise<void> {
    if (queued) {
      if (running >= options.maxClients!) await new Promise<void>((r) => waiting.push(r));
      running++;
    }
    try {
      await run(conn, id);
    } finally {
      if (queued) {
        running--;
        waiting.shift()?.();
      }
    }
  }

  async function run(conn: Conn, id: number): Promise<void> {
    // Where the runtime allows it, the socket itself becomes the command's stdin and
    // stdout (as inetd does): no relay, no copy. Otherwise we relay through pipes.
    // Traced, the bytes must pass through us: no hand-off.
    const fd = options.trace ? null : conn.handOff?.() ?? null;
    const label = `connection ${id}: ${argv[0]}`;
    let job;
    try {
      job = fd === null
        ? jobs.spawn(argv, { env, stdin: "pipe", stdout: "pipe", stderr: "inherit" }, label)
        : jobs.spawn(argv, { env, stdin: { fd }, stdout: { fd }, stderr: "inherit" }, label);
    } catch (error) {
      log(`connection ${id}: cannot run ${argv[0]}: ${(error as Error)?.message ?? error}`);
      conn.close();
      return;
    }
    const child = job.child;
    const trace = options.trace?.(id);
    if (fd === null) {
      void copyIntoWriter(conn, trace ? tracedWriter(child.stdin!, trace, "<") : child.stdin!);
    }
    const output = fd === null
      ? copyIntoConn(trace ? tracedReader(child.stdout!, trace, ">") : child.stdout!, conn)
      : undefined;
    const status = await child.exited;
    log(
      `${label} exited with ${status.signal ? `signal ${status.signal}` : `status ${status.code}`}`,
    );
    // What the command left running in its group (holding the socket, say) is ended, so
    // that the client sees the connection close.
    await job.endLeftovers();
    await output;
    conn.close();
  }

  const admission = new Admission({
    ...options,
    maxClients: queued ? undefined : options.maxClients,
  });
  const closed = acceptLoop(listener, (conn, id) => {
    const verdict = admission.admit(conn);
    if (!("release" in verdict)) {
      log(`connection ${id}: refused: ${verdict.reason}`);
      void refuseRaw(conn, verdict);
      return;
    }
    void handle(conn, id).catch((error) =>
      log(`connection ${id}: ${(error as Error)?.message ?? error}`)
    ).finally(verdict.release);
  }, log);

  return {
    async close() {
      listener.close();
      await jobs.endAll("the server is shutting down");
      await closed;
    },
    closed,
  };
}

/** How long a refused client gets to read the notice before its connection is closed. */
const REFUSAL_LINGER_MS = 1000;

/**
 * Tells a refused client why (a notice it can tell from any command's output, see
 * `framing/raw_refusal.ts`), then closes; its bytes are read and dropped meanwhile so
 * that the notice is not lost to a reset. Near the descriptor limit it closes at once.
 */
async function refuseRaw(conn: Conn, refusal: Refusal): Promise<void> {
  conn.write(
    encodeRawRefusal(refusal.code === "busy" ? "busy" : "permission", refusal.reason),
  );
  if (refusal.urgent) {
    conn.close(); // Bun has written the notice already; Deno may lose it here
    return;
  }
  const timer = setTimeout(() => conn.close(), REFUSAL_LINGER_MS);
  try {
    await conn.closeWrite();
    while (await conn.read() !== null);
  } catch {
    // gone already
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}

/** Copies a connection's incoming bytes to a writer, closing the writer at EOF. */
async function copyIntoWriter(conn: Conn, writer: ByteWriter): Promise<void> {
  try {
    for (let chunk = await conn.read(); chunk !== null; chunk = await conn.read()) {
      await writer.write(chunk);
    }
  } catch {
    // the peer vanished or the command stopped reading: either way its input is over
  }
  await writer.close().catch(() => {});
}

/** Copies a reader into a connection with back-pressure, then half-closes the connection. */
async function copyIntoConn(reader: ByteReader, conn: Conn): Promise<void> {
  let open = true;
  for (let chunk = await reader.read(); chunk !== null; chunk = await reader.read()) {
    if (!open) continue;
    try {
      if (!conn.write(chunk)) await conn.drain();
    } catch {
      open = false; // the client is gone; keep reading so that the command is not blocked
    }
  }
  if (open) await conn.closeWrite().catch(() => {});
}

/**
 * Pipes `input` into `conn` and `conn` into `output` until the connection's peer closes
 * its side; `input` reaching EOF half-closes the connection (the peer reads EOF and
 * may still answer). Resolves once everything the peer sent was written to `output`,
 * with `null`, or with the refusal notice of a raw server that refused us.
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../adapter/mod.ts";
 * import { relay } from "./raw.ts";
 * const conn = await runtime.connect({ unix: "/tmp/app.sock" });
 * await relay(conn, runtime.stdin, runtime.stdout);
 * ```
 */
export async function relay(
  conn: Conn,
  input: ByteReader,
  output: ByteWriter,
): Promise<RawRefusal | null> {
  void (async () => {
    try {
      for (let chunk = await input.read(); chunk !== null; chunk = await input.read()) {
        if (!conn.write(chunk)) await conn.drain();
      }
      await conn.closeWrite();
    } catch {
      // the server closed first: what it sent is still read below
    }
  })();
  let first = true;
  for (let chunk = await conn.read(); chunk !== null; chunk = await conn.read()) {
    if (first) {
      first = false;
      const refusal = decodeRawRefusal(chunk);
      if (refusal) {
        conn.close();
        return refusal;
      }
    }
    await output.write(chunk);
  }
  conn.close();
  return null;
}
