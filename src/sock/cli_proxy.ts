/**
 * `ipcat sock proxy LISTEN TARGET --trace`: relays routed-protocol connections unchanged
 * and prints one decoded line per frame (kind, channel, service, size, END code), with
 * the frame codec of `src/framing/sock.ts`.
 *
 * @module
 */
import type { Conn, DialTarget } from "../adapter/mod.ts";
import { defineCommand } from "../cli/command.ts";
import { note } from "../cli/io.ts";
import { flag, mode } from "../cli/options.ts";
import { IpcatError } from "../errors.ts";
import {
  formatServiceId,
  type Frame,
  FrameDecoder,
  serviceId,
  statusName,
} from "../framing/sock.ts";
import { dial } from "../transport/dial.ts";
import { describeTarget } from "../transport/endpoint.ts";
import { acceptLoop } from "./accept.ts";
import { connect } from "./client.ts";
import { introspect } from "./typed/catalog.ts";
import {
  checkServerOptions,
  clientTarget,
  listenNetwork,
  networkServerOptions,
  sockEndpoint,
  tlsClientOptions,
} from "./network.ts";
import { listenLocked } from "./ownership.ts";
import { onStopSignals } from "./signals.ts";

/** The built-in services, which every server has: named before anything is learned. */
const BUILT_IN_SERVICES = new Map(
  ["ipcat.echo", "ipcat.exec", "ipcat.services"].map((name) => [serviceId(name), name]),
);

/** A built-in service's name, else the id in hex. */
function builtInName(id: bigint): string {
  return BUILT_IN_SERVICES.get(id) ?? formatServiceId(id);
}

/**
 * The names a trace shows for service ids: the built-in ones, then the target's own, asked
 * once of `ipcat.services` on a connection of the proxy's own. It asks only after the
 * target has answered a CONNECT, so that a `--raw` target (which would run its command
 * for any connection) is never dialed for it.
 */
export class ServiceNames {
  readonly #names = new Map(BUILT_IN_SERVICES);
  #asked = false;

  constructor(private readonly target: DialTarget, private readonly log: (line: string) => void) {}

  /** The name of `id`, else its hex form. */
  readonly nameOf = (id: bigint): string => this.#names.get(id) ?? formatServiceId(id);

  /** Asks the target for its services, once; a failure is logged and ids stay in hex. */
  learn(): void {
    if (this.#asked) return;
    this.#asked = true;
    void (async () => {
      const client = await connect(this.target, { handshakeTimeout: 5 });
      try {
        const { services } = await introspect(client, undefined, { timeoutMs: 5000 });
        for (const { name } of services) this.#names.set(serviceId(name), name);
      } finally {
        await client.close();
      }
    })().catch((error) =>
      this.log(`cannot list the target's services (${(error as Error).message}): ids in hex`)
    );
  }
}

/**
 * One line for a frame, as the trace prints it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { describeFrame } from "./cli_proxy.ts";
 * assert.equal(describeFrame({ kind: "end", tag: 3, keepAlive: false, code: 0, reason: "" }), "END channel 3 final ok");
 * ```
 */
export function describeFrame(
  frame: Frame,
  nameOf: (id: bigint) => string = builtInName,
): string {
  switch (frame.kind) {
    case "connect":
      return `CONNECT ${frame.major}.${frame.minor} features ${frame.features} max-payload ${frame.maxPayload} ${
        statusName(frame.code)
      }`;
    case "msg": {
      const service = nameOf(frame.serviceId);
      return `MSG channel ${frame.tag} seq ${frame.seq} service ${service} ${frame.data.byteLength} bytes`;
    }
    case "end":
      return `END channel ${frame.tag} ${frame.keepAlive ? "half-close" : "final"} ${
        statusName(frame.code)
      }${frame.reason ? ` (${frame.reason})` : ""}`;
    case "ping":
    case "pong":
      return `${frame.kind.toUpperCase()} nonce ${frame.nonce}`;
    case "credit":
      return `CREDIT channel ${frame.tag} +${frame.bytes} bytes`;
  }
}

/** What a traced relay direction needs: where lines go, and the service names. */
interface Tracing {
  line(text: string): void;
  names: ServiceNames;
  /** True for the target's side: its accepted CONNECT shows that it speaks the protocol. */
  fromTarget: boolean;
}

/** Copies `from` into `to`, half-closing `to` at EOF; with `trace`, decodes every frame. */
async function pump(from: Conn, to: Conn, trace: Tracing | null): Promise<void> {
  const decoder = trace ? new FrameDecoder(0xffffffff) : null;
  let decoding = true;
  try {
    for (let chunk = await from.read(); chunk !== null; chunk = await from.read()) {
      if (decoder && decoding) {
        decoder.push(chunk.slice());
        try {
          for (let frame = decoder.next(); frame; frame = decoder.next()) {
            trace!.line(describeFrame(frame, trace!.names.nameOf));
            if (trace!.fromTarget && frame.kind === "connect" && frame.code === 0) {
              trace!.names.learn();
            }
          }
        } catch (error) {
          decoding = false; // still relayed, no longer decoded
          trace!.line(`not the ipcat protocol any more: ${(error as Error).message}`);
        }
      }
      if (!to.write(chunk)) await to.drain();
    }
    await to.closeWrite();
  } catch {
    to.close(); // one side failed: the other learns it by the close
  }
}

/** `ipcat sock proxy`. */
export const proxy = defineCommand({
  name: "proxy",
  summary: "Relay connections from LISTEN to TARGET; --trace prints each routed frame",
  usage: "LISTEN TARGET",
  description: [
    "Each connection to LISTEN (a socket path, tcp:// or tls://) is relayed byte for byte to",
    "TARGET. With --trace, every frame of the routed protocol is decoded and printed on",
    "stderr as one line: the connection, the direction (> to TARGET, < from it), the kind,",
    "channel, service, size and END code. Service names come from the target's",
    "ipcat.services, asked once on a connection of the proxy's own after the target has",
    "answered a CONNECT (so a --raw target is never dialed for it); else ids show in hex.",
  ].join("\n"),
  options: {
    trace: flag("Print one decoded line per frame on stderr"),
    mode: mode("LISTEN's socket file mode, octal", { default: "0600" }),
    ...networkServerOptions,
    ...tlsClientOptions,
  },
  positionals: { min: 2, max: 2 },
  examples: [[
    "ipcat sock proxy --trace /tmp/debug.sock /ipc/app.sock",
    "Point a client at /tmp/debug.sock and watch its channels",
  ]],
  async run({ options, args }) {
    const listenAt = sockEndpoint(args[0]!);
    if ("host" in listenAt && listenAt.tls) {
      throw new IpcatError("usage", "proxy listens on a socket path or tcp:// only", {
        hint: "put the proxy in front on this host: ipcat sock proxy /tmp/debug.sock tls://…",
      });
    }
    checkServerOptions(listenAt, {
      ...options,
      "tls-cert": undefined,
      "tls-key": undefined,
      "tls-ca": undefined,
    });
    const target = clientTarget(args[1]!, options);
    const where = describeTarget(target);
    const log = (line: string) => void note(line);
    const listener = "unix" in listenAt
      ? await listenLocked(listenAt.unix, log, { mode: options.mode })
      : await listenNetwork(listenAt, options);
    const names = options.trace ? new ServiceNames(target, log) : null;
    const closed = acceptLoop(listener, (conn, id) => {
      void (async () => {
        let upstream: Conn;
        try {
          upstream = await dial(target);
        } catch (error) {
          log(`connection ${id}: ${(error as Error).message}`);
          conn.close();
          return;
        }
        const trace = (direction: ">" | "<"): Tracing | null =>
          names && {
            line: (text) => log(`connection ${id} ${direction} ${text}`),
            names,
            fromTarget: direction === "<",
          };
        await Promise.all([pump(conn, upstream, trace(">")), pump(upstream, conn, trace("<"))]);
        conn.close();
        upstream.close();
      })();
    }, log);
    log(
      `proxying ${describeTarget(listenAt)} to ${where}${options.trace ? ", tracing frames" : ""}`,
    );
    const stop = onStopSignals(async () => {
      listener.close();
      await closed;
    });
    await closed;
    return stop.stopped ? await stop.stopped : 0;
  },
});
