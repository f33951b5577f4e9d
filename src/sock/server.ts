/**
 * The server side of the routed protocol: a router from service ids to services, one
 * context per client, and the accept loop (seed 004's ServerRouter, ClientContext and
 * SocketServer).
 *
 * @module
 */
import type { Conn, Listener, PeerCertificate, PeerCredentials } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import {
  type ConnectFrame,
  DEFAULT_MAX_PAYLOAD,
  FEATURE_CHANNEL_CREDIT,
  formatServiceId,
  type FrameError,
  MAX_CONNECT_PAYLOAD,
  MIN_MAX_PAYLOAD,
  type MsgFrame,
  PROTOCOL_VERSION,
  serviceId,
  STATUS_CODES,
} from "../framing/sock.ts";
import { acceptLoop } from "./accept.ts";
import { Admission, type AdmissionLimits } from "./admission.ts";
import { Channel } from "./channel.ts";
import { Hooks, type ServerHooks } from "./hooks.ts";
import { FramedConn, readFirstFrame, refuseConnection } from "./framed.ts";
import { listenLocked } from "./ownership.ts";
import { Session } from "./session.ts";

/**
 * A service: called once per channel opened to it, with the channel (its opening message
 * in `channel.opening`). A service that throws or rejects ends the channel with `other`.
 */
export type Service = (channel: Channel, client: ClientContext) => void | Promise<void>;

/** How long a client has from accept to complete its CONNECT (`--handshake-timeout`). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;

/** Options of {@link serve} and {@link serveListener}. */
export interface ServeOptions {
  /** Services by name; a client reaches one by the CRC-64/WE of its name. */
  services: Record<string, Service>;
  /**
   * Connections at once, counted from accept (a client still in its handshake counts);
   * more are answered CONNECT `busy` and closed (default unlimited).
   */
  maxClients?: number;
  /** The largest payload accepted from clients (default 1 MiB). */
  maxPayload?: number;
  /** Channels one client may have open at once; more are answered END `busy` (default 1024). */
  maxChannels?: number;
  /**
   * The highest protocol minor version to speak: 3 (default), 2 and 1 negotiate per-channel
   * credit with clients that offer it; 0 serves as a version 1.0 server does.
   */
  protocolMinor?: 0 | 1 | 2 | 3;
  /** Where one-line reports go (protocol errors, refused clients). Default: nowhere. */
  log?: (line: string) => void;
  /**
   * Peer uids allowed besides the server's own and root. Checked with SO_PEERCRED where
   * the runtime exposes it (Bun); where it does not (Deno), no check is made unless this
   * is set, and then every peer is refused (nothing unverified gets in).
   */
  allowUids?: readonly number[];
  /** Peer gids allowed (see `AdmissionLimits.allowGids`). */
  allowGids?: readonly number[];
  /** TLS identities allowed (see `AdmissionLimits.allowIdentities`). */
  allowIdentities?: AdmissionLimits["allowIdentities"];
  /** Connections one uid may hold at once, handshake or not (default 256; 0: no cap; Bun only). */
  maxPerUid?: number;
  /** Milliseconds a connection has from accept to complete its CONNECT (default 5000). */
  handshakeTimeoutMs?: number;
  /** Called on client and channel events (observability; see {@link ServerHooks}). */
  hooks?: ServerHooks;
}

/** Options of {@link serve}: where to listen, and how. */
export interface ServePathOptions extends ServeOptions {
  /** The socket file's mode, applied race-free through the umask (default 0o600). */
  mode?: number;
  /** Called with the note when a stale socket file was reused. */
  onNote?: (line: string) => void;
}

/** One connected client, as services see it. */
export interface ClientContext {
  /** Counts from 1 in the order clients connected. */
  readonly id: number;
  /** The client's protocol version from its CONNECT. */
  readonly version: { major: number; minor: number };
  /**
   * The peer's uid, gid and pid (SO_PEERCRED, read at accept), for authorizing calls;
   * `null` where the runtime does not expose them (Deno) and on TCP or TLS.
   */
  readonly peer: PeerCredentials | null;
  /** The peer's verified TLS client certificate (mutual TLS); `null` otherwise. */
  readonly tls: PeerCertificate | null;
}

/** A running server. */
export interface SockServer {
  /** Clients connected now. */
  readonly clientCount: number;
  /** Stops accepting, drops every client (their channels complete with `disconnected`). */
  close(): Promise<void>;
  /** Settles when the accept loop has stopped. */
  readonly closed: Promise<void>;
}

/**
 * Serves the routed protocol on a unix socket path (or `@abstract` name). A stale socket
 * file is reused (reported through `onNote`), a live one is never stolen, and the file is
 * removed on `close()`.
 *
 * @example
 * ```ts ignore
 * import { serve } from "./server.ts";
 * const server = await serve("/tmp/app.sock", {
 *   services: { "app.hello": (ch) => { ch.send(`hello ${new TextDecoder().decode(ch.opening)}`); ch.end(); } },
 * });
 * await server.close();
 * ```
 */
export async function serve(path: string, options: ServePathOptions): Promise<SockServer> {
  const listener = await listenLocked(path, options.onNote ?? (() => {}), {
    mode: options.mode ?? 0o600,
  });
  return serveListener(listener, options);
}

/**
 * Serves the routed protocol on a listener the caller created.
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../adapter/mod.ts";
 * import { serveListener } from "./server.ts";
 * const server = serveListener(await runtime.listenUnix("@app"), { services: {} });
 * await server.close();
 * ```
 */
export function serveListener(listener: Listener, options: ServeOptions): SockServer {
  const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  if (maxPayload < MIN_MAX_PAYLOAD) {
    throw new IpcatError(
      "usage",
      `a max payload of ${maxPayload} bytes is below the protocol's minimum of ${MIN_MAX_PAYLOAD}`,
      { hint: `give at least ${MIN_MAX_PAYLOAD} bytes` },
    );
  }
  const maxChannels = options.maxChannels ?? 1024;
  const log = options.log ?? (() => {});
  const hooks = new Hooks(options.hooks ?? {}, log);
  const debug = process.env.IPCAT_DEBUG === "1";
  const routes = new Map<bigint, { name: string; service: Service }>();
  for (const [name, service] of Object.entries(options.services)) {
    routes.set(serviceId(name), { name, service });
  }
  const sessions = new Set<Session>();
  const admission = new Admission(options);
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;

  async function handle(conn: Conn, id: number): Promise<void> {
    // Before the handshake a client can make us hold one CONNECT frame, no more.
    const framed = new FramedConn(conn, MAX_CONNECT_PAYLOAD);
    const minor = options.protocolMinor ?? PROTOCOL_VERSION.minor;
    const offered = minor >= 1 ? FEATURE_CHANNEL_CREDIT : 0;
    const hello = {
      kind: "connect" as const,
      major: PROTOCOL_VERSION.major,
      minor,
      features: offered,
      maxPayload,
    };
    const refuse = (code: number) =>
      refuseConnection(framed, { ...hello, code }, handshakeTimeoutMs);
    const verdict = admission.admit(conn);
    if (!("release" in verdict)) {
      log(`client ${id}: refused: ${verdict.reason}`);
      if (verdict.urgent) {
        framed.send({ ...hello, code: STATUS_CODES[verdict.code] });
        framed.flush();
        conn.close();
      } else await refuse(STATUS_CODES[verdict.code]);
      return;
    }
    try {
      await serveAdmitted(framed, id, hello, refuse);
    } finally {
      verdict.release();
    }
  }

  async function serveAdmitted(
    framed: FramedConn,
    id: number,
    hello: Omit<ConnectFrame, "code">,
    refuse: (code: number) => Promise<void>,
  ): Promise<void> {
    const conn = framed.conn;
    let first;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), handshakeTimeoutMs);
    });
    try {
      first = await Promise.race([readFirstFrame(framed), deadline]);
    } catch (error) {
      log(`client ${id}: closed: ${(error as FrameError).message}`);
      conn.close();
      return;
    } finally {
      clearTimeout(timer);
    }
    if (first === "timeout") {
      log(
        `client ${id}: closed: no CONNECT within ${
          handshakeTimeoutMs / 1000
        } s (--handshake-timeout)`,
      );
      conn.close();
      return;
    }
    if (first === null) {
      conn.close();
      return;
    }
    if (first.kind !== "connect") {
      log(`client ${id}: closed: sent ${first.kind.toUpperCase()} before CONNECT`);
      conn.close();
      return;
    }
    if (first.major !== PROTOCOL_VERSION.major) {
      log(
        `client ${id}: refused: protocol version ${first.major}.${first.minor}, this server speaks ${PROTOCOL_VERSION.major}.${PROTOCOL_VERSION.minor}`,
      );
      await refuse(STATUS_CODES.unsupported_version);
      return;
    }
    if (first.maxPayload < MIN_MAX_PAYLOAD) {
      // Below the minimum not every frame fits (this refusal is sent all the same: the
      // client must learn why), and chunking could not make progress.
      log(
        `client ${id}: refused: it announced a max payload of ${first.maxPayload} bytes, below the minimum of ${MIN_MAX_PAYLOAD}`,
      );
      await refuse(STATUS_CODES.invalid_argument);
      return;
    }
    framed.peerMaxPayload = first.maxPayload;
    framed.decoder.maxPayload = hello.maxPayload;
    const context: ClientContext = {
      id,
      version: { major: first.major, minor: first.minor },
      peer: conn.peerCredentials?.() ?? null,
      tls: conn.peerCertificate?.() ?? null,
    };
    // Per-channel credit when both offer it; the answer tells the client which applies.
    const features = first.features & hello.features;
    let highestTag = 0;
    const session = new Session(framed, {
      unknownTag: (s, frame) => {
        // Tags are never reused: a channel opens only on a tag above every earlier one.
        if (frame.seq === 0 && frame.tag <= highestTag) {
          s.framed.send({
            kind: "end",
            tag: frame.tag,
            keepAlive: false,
            code: STATUS_CODES.invalid_argument,
            reason: `tag ${frame.tag} was already used on this connection`,
          });
          return;
        }
        if (frame.seq === 0) highestTag = frame.tag;
        route(s, frame, context);
      },
      ended(_s, error: FrameError | null) {
        if (error) log(`client ${id}: closed: ${error.message}`);
      },
    }, (features & FEATURE_CHANNEL_CREDIT) !== 0);
    framed.send({ ...hello, features, code: STATUS_CODES.ok });
    sessions.add(session);
    log(
      `client ${id}: connected (protocol ${first.major}.${first.minor}, ${sessions.size} client${
        sessions.size === 1 ? "" : "s"
      })`,
    );
    hooks.clientConnected(context);
    try {
      await session.run();
    } finally {
      const openChannels = session.channelsOpenAtClose;
      sessions.delete(session);
      hooks.clientDisconnected(context, openChannels);
      // The daemon's operators read this line to know a vanished client cost nothing.
      log(
        `client ${id}: disconnected; context freed${
          openChannels
            ? `, ${openChannels} open channel${
              openChannels === 1 ? "" : "s"
            } completed as disconnected`
            : ""
        }`,
      );
    }
  }

  function route(session: Session, frame: MsgFrame, client: ClientContext): void {
    const framed = session.framed;
    if (frame.seq !== 0) {
      framed.send({
        kind: "end",
        tag: frame.tag,
        keepAlive: false,
        code: STATUS_CODES.invalid_argument,
        reason: `no open channel ${frame.tag}`,
      });
      return;
    }
    if (session.channels.size >= maxChannels) {
      framed.send({
        kind: "end",
        tag: frame.tag,
        keepAlive: false,
        code: STATUS_CODES.busy,
        reason: `this client already has ${maxChannels} open channels`,
      });
      return;
    }
    const target = routes.get(frame.serviceId);
    if (!target) {
      framed.send({
        kind: "end",
        tag: frame.tag,
        keepAlive: false,
        code: STATUS_CODES.no_entry,
        reason: `no service with id ${formatServiceId(frame.serviceId)}`,
      });
      return;
    }
    const channel = new Channel(session, frame.tag, frame.serviceId, frame.data, 0, 1);
    session.add(channel);
    const service = target.name;
    hooks.channelOpened(client, service, channel);
    const fail = (error: unknown) => {
      const message = (error as Error)?.message ?? String(error);
      // The operator must learn of a failing service even when the client ignores END.
      log(`client ${client.id}: service ${service} failed on channel ${frame.tag}: ${message}`);
      if (debug && error instanceof Error && error.stack) log(error.stack);
      channel.end(STATUS_CODES.other, `service ${service} failed: ${message}`);
    };
    // A service that returned without taking a reader will never read: what the client
    // sends is discarded and credited back, so that it cannot wedge the connection.
    const returned = () => {
      if (!channel.hasReader) channel.discardIncoming();
    };
    try {
      const result = target.service(channel, client);
      if (result instanceof Promise) result.then(returned, fail);
      else returned();
    } catch (error) {
      fail(error);
    }
  }

  const closed = acceptLoop(listener, (conn, id) => {
    void handle(conn, id).catch((error) =>
      log(`client ${id}: ${(error as Error)?.message ?? error}`)
    );
  }, log);

  return {
    get clientCount() {
      return sessions.size;
    },
    async close() {
      listener.close();
      const closing = [...sessions].map((s) => s.close("the server is shutting down", true));
      await Promise.all([closed, ...closing]);
    },
    closed,
  };
}

/**
 * The error a client reports for a CONNECT answer with a non-zero code.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { refusalError } from "./server.ts";
 * assert.ok(refusalError(2, "/tmp/app.sock").code === "unavailable"); // busy
 * ```
 */
export function refusalError(code: number, path: string): IpcatError {
  if (code === STATUS_CODES.unsupported_version) {
    return new IpcatError(
      "protocol",
      `the server on ${path} speaks another major protocol version`,
      { hint: "use an ipcat of the server's version" },
    );
  }
  if (code === STATUS_CODES.busy) {
    return new IpcatError(
      "unavailable",
      `the server on ${path} is serving its maximum number of clients`,
      { hint: "try again later, or raise its --max-clients" },
    );
  }
  if (code === STATUS_CODES.invalid_argument) {
    return new IpcatError(
      "usage",
      `the server on ${path} refused this client's max payload (the protocol's minimum is ${MIN_MAX_PAYLOAD} bytes)`,
      { hint: `announce at least ${MIN_MAX_PAYLOAD} bytes` },
    );
  }
  if (code === STATUS_CODES.permission_denied) {
    return new IpcatError("permission", `the server on ${path} refused this user`, {
      hint: "ask for your uid to be allowed",
    });
  }
  return new IpcatError("protocol", `the server on ${path} refused the connection (code ${code})`);
}
