/**
 * The client side of the routed protocol (seed 004's ClientRouter and SocketClient):
 * connect with version negotiation, then open channels to services by name.
 *
 * @module
 */
import { type Conn, type DialTarget, runtime } from "../adapter/mod.ts";
import { describeTarget } from "../transport/endpoint.ts";
import { IpcatError } from "../errors.ts";
import {
  DEFAULT_MAX_PAYLOAD,
  FEATURE_CHANNEL_CREDIT,
  MIN_MAX_PAYLOAD,
  PROTOCOL_VERSION,
  serviceId,
  STATUS_CODES,
} from "../framing/sock.ts";
import { dialError, systemCode } from "../transport/dial.ts";
import { refusalError } from "./server.ts";
import { Channel } from "./channel.ts";
import { FramedConn, readFirstFrame } from "./framed.ts";
import { answers, notASocketError, pathState } from "./ownership.ts";
import { Session } from "./session.ts";
import { call, type CallOptions, stream, type TypedCall } from "./typed/call.ts";
import type { InputOf, OutputOf, ServiceDefinition, ServiceSchemas } from "./typed/definition.ts";

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** The largest payload this client accepts (default 1 MiB). */
  maxPayload?: number;
  /** Seconds to wait for the socket to appear and accept (default 0: try once). */
  wait?: number;
  /** The major version to announce (tests use it to provoke `unsupported_version`). */
  major?: number;
  /**
   * Seconds to wait for the server's CONNECT answer (default 10). A peer that never
   * answers is most likely no ipcat server (a `serve --raw` socket, say).
   */
  handshakeTimeout?: number;
  /**
   * Seconds of silence from the server after which the client sends PING; when another
   * such period passes without any answer, the connection is closed and open channels
   * complete with `disconnected`. Default: no timeout.
   */
  idleTimeout?: number;
  /** Aborts the connect (dial and handshake): it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A connected client. */
export interface SockClient {
  /** The server's protocol version and payload limit from its CONNECT. */
  readonly server: { major: number; minor: number; maxPayload: number };
  /** True when per-channel flow control (protocol 1.1) was negotiated. */
  readonly channelCredit: boolean;
  /**
   * Opens a channel to `service`, sending `data` as the opening message. An abort of
   * `signal` ends the channel with a final END `canceled` (an aborted one: nothing is sent).
   */
  open(service: string, data?: Uint8Array | string, options?: { signal?: AbortSignal }): Channel;
  /** A typed unary call (`docs/sdk.md`): validated input, validated result. */
  call<S extends ServiceSchemas>(
    definition: ServiceDefinition<S>,
    input: InputOf<S, "open">,
    options?: CallOptions,
  ): Promise<OutputOf<S, "result">>;
  /** A typed stream: typed messages both ways, then the result. */
  stream<S extends ServiceSchemas>(
    definition: ServiceDefinition<S>,
    input: InputOf<S, "open">,
    options?: CallOptions,
  ): TypedCall<S>;
  /** Sends PING and resolves on its PONG. */
  ping(): Promise<void>;
  /**
   * Closes the connection after sending what is queued (an END just before, say); open
   * channels complete with `disconnected`. Resolves once the connection is closed.
   */
  close(): Promise<void>;
  /** Settles once the connection is over (closed by either side). */
  readonly closed: Promise<void>;
}

const encoder = new TextEncoder();

/**
 * Waits until a server is live on the unix socket `path` (symlinks followed), for up to
 * `seconds`. Resolves `true` when it is, `false` on timeout; a regular file or directory
 * at the path is an error at once. An ipcat server is known live by its lock, without a
 * connection (which would run a `--raw` server's command); only a socket without a lock
 * file (another program's server) is probed by connecting.
 *
 * @example
 * ```ts ignore
 * import { waitForSocket } from "./client.ts";
 * if (!(await waitForSocket("/tmp/app.sock", 5))) console.error("no server");
 * ```
 */
export async function waitForSocket(path: string, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const state = pathState(path);
    if (state === "not-a-socket") throw notASocketError(path);
    if (state === "live" || (state === "unknown" && (await answers(path)))) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((r) => setTimeout(r, Math.min(50, left)));
  }
}

/**
 * Runs `attempt` (a connect to `endpoint`: a unix socket path, or a TCP/TLS target) until
 * it succeeds, retrying for up to `wait` seconds while the socket is missing or refusing
 * (a server still starting).
 * Failures become the user-facing dial errors, saying how long we waited.
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../adapter/mod.ts";
 * import { retryWhileStarting } from "./client.ts";
 * const conn = await retryWhileStarting("/tmp/app.sock", 5, () => runtime.connect({ unix: "/tmp/app.sock" }));
 * conn.close();
 * ```
 */
export async function retryWhileStarting<T>(
  endpoint: string | DialTarget,
  wait: number,
  attempt: () => T | Promise<T>,
): Promise<T> {
  const target = typeof endpoint === "string" ? { unix: endpoint } : endpoint;
  const deadline = Date.now() + wait * 1000;
  for (;;) {
    if ("unix" in target && pathState(target.unix) === "not-a-socket") {
      throw notASocketError(target.unix);
    }
    try {
      return await attempt();
    } catch (error) {
      const code = systemCode(error);
      const retry = code === "ENOENT" || code === "ECONNREFUSED";
      if (!retry || Date.now() >= deadline) {
        const failure = dialError(error, target);
        throw retry && wait > 0
          ? new IpcatError(failure.code, `${failure.message}, after waiting ${wait} s`, {
            hint: failure.hint,
            cause: error,
          })
          : failure;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Connects to `endpoint` (a unix socket path, or a TCP/TLS target), retrying for up to
 * `wait` seconds while the socket is missing or refusing (a server still starting).
 *
 * @example
 * ```ts ignore
 * import { dialWithWait } from "./client.ts";
 * const conn = await dialWithWait("/tmp/app.sock", 5);
 * conn.close();
 * ```
 */
export function dialWithWait(endpoint: string | DialTarget, wait = 0): Promise<Conn> {
  const target = typeof endpoint === "string" ? { unix: endpoint } : endpoint;
  return retryWhileStarting(target, wait, () => runtime.connect(target));
}

/**
 * Connects to a routed ipcat server and negotiates the version.
 *
 * @example
 * ```ts ignore
 * import { connect } from "./client.ts";
 * const client = await connect("/tmp/app.sock", { wait: 5 });
 * const channel = client.open("ipcat.services");
 * for await (const reply of channel) console.log(new TextDecoder().decode(reply));
 * client.close();
 * ```
 */
export async function connect(
  endpoint: string | DialTarget,
  options: ConnectOptions = {},
): Promise<SockClient> {
  const path = typeof endpoint === "string" ? endpoint : describeTarget(endpoint);
  const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  if (maxPayload < MIN_MAX_PAYLOAD) {
    throw new IpcatError(
      "usage",
      `a max payload of ${maxPayload} bytes is below the protocol's minimum of ${MIN_MAX_PAYLOAD}`,
      { hint: `give at least ${MIN_MAX_PAYLOAD} bytes` },
    );
  }
  const signal = options.signal;
  signal?.throwIfAborted();
  const conn = await dialWithWait(endpoint, options.wait ?? 0);
  if (signal?.aborted) {
    conn.close();
    throw signal.reason;
  }
  const framed = new FramedConn(conn, maxPayload);
  framed.send({
    kind: "connect",
    major: options.major ?? PROTOCOL_VERSION.major,
    minor: PROTOCOL_VERSION.minor,
    features: FEATURE_CHANNEL_CREDIT,
    maxPayload,
    code: 0,
  });
  framed.flush();
  let answer;
  const handshakeSeconds = options.handshakeTimeout ?? 10;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      conn.close();
      reject(
        new IpcatError(
          "timeout",
          `no answer to the protocol handshake from ${path} within ${handshakeSeconds} s`,
          {
            hint:
              "is it a 'serve --raw' socket or another program? use 'ipcat sock connect' for those",
          },
        ),
      );
    }, handshakeSeconds * 1000);
    signal?.addEventListener("abort", abortHandshake, { once: true });
  });
  function abortHandshake() {
    conn.close(); // the read below then fails; the race has already rejected with the reason
  }
  const aborted = new Promise<never>((_, reject) => {
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {}); // only the race below reports it
  try {
    answer = await Promise.race([readFirstFrame(framed), timeout, aborted]);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof IpcatError && error.code === "timeout") throw error;
    conn.close();
    if (error instanceof IpcatError) {
      throw new IpcatError(
        "protocol",
        `${path} does not answer as an ipcat server: ${error.message}`,
        {
          hint: "is it a 'serve --raw' socket? use 'ipcat sock connect' for those",
        },
      );
    }
    throw new IpcatError(
      "unavailable",
      `the connection to ${path} failed during the handshake: ${
        (error as Error)?.message ?? error
      }`,
    );
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", abortHandshake);
  }
  if (answer === null) {
    conn.close();
    throw new IpcatError(
      "unavailable",
      `the server on ${path} closed the connection during the handshake`,
      {
        hint: "check the server's log",
      },
    );
  }
  if (answer.kind !== "connect") {
    conn.close();
    throw new IpcatError(
      "protocol",
      `the server on ${path} sent ${answer.kind.toUpperCase()} before CONNECT`,
    );
  }
  if (answer.code !== 0) {
    conn.close();
    throw refusalError(answer.code, path);
  }
  if (answer.major !== (options.major ?? PROTOCOL_VERSION.major)) {
    conn.close();
    throw refusalError(13, path);
  }
  if (answer.maxPayload < MIN_MAX_PAYLOAD) {
    conn.close();
    throw new IpcatError(
      "protocol",
      `the server on ${path} announced a max payload of ${answer.maxPayload} bytes, below the protocol's minimum of ${MIN_MAX_PAYLOAD}`,
    );
  }
  framed.peerMaxPayload = answer.maxPayload;
  // A 1.0 server answers without the feature bit: its connection-level back-pressure applies.
  const channelCredit = (answer.features & FEATURE_CHANNEL_CREDIT) !== 0;
  const session = new Session(framed, { unknownTag() {} }, channelCredit);
  const closed = session.run();
  let nextTag = 1;
  let nextNonce = 1n;
  if (options.idleTimeout) watchIdle(session, options.idleTimeout, () => nextNonce++, closed);
  const client: SockClient = {
    server: { major: answer.major, minor: answer.minor, maxPayload: answer.maxPayload },
    channelCredit,
    open(service, data = new Uint8Array(0), openOptions) {
      const signal = openOptions?.signal;
      signal?.throwIfAborted();
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      const id = serviceId(service);
      const tag = nextTag++;
      framed.send({ kind: "msg", tag, seq: 0, serviceId: id, data: bytes });
      const channel = new Channel(session, tag, id, new Uint8Array(0), 1, 0);
      session.add(channel);
      if (signal) {
        const cancel = () => channel.end(STATUS_CODES.canceled, "canceled by the client");
        signal.addEventListener("abort", cancel, { once: true });
        void channel.done.then(() => signal.removeEventListener("abort", cancel));
      }
      return channel;
    },
    call: (definition, input, callOptions) => call(client, definition, input, callOptions),
    stream: (definition, input, callOptions) => stream(client, definition, input, callOptions),
    ping: () => session.ping(nextNonce++),
    close: () => session.close("the client closed the connection", true),
    closed,
  };
  return client;
}

/** Pings a silent server, and drops the connection when it stays silent (idle timeout). */
function watchIdle(
  session: Session,
  seconds: number,
  nonce: () => bigint,
  closed: Promise<void>,
): void {
  const limit = seconds * 1000;
  let pingedAt: number | null = null;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - session.lastReceived < limit) {
      pingedAt = null;
    } else if (pingedAt === null) {
      pingedAt = now;
      session.ping(nonce()).catch(() => {}); // the close below reports the silence
    } else if (now - pingedAt >= limit) {
      session.close(`the server did not answer for ${seconds} s (idle timeout)`);
    }
  }, Math.max(10, limit / 4));
  void closed.finally(() => clearInterval(timer));
}
