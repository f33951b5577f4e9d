/**
 * `ipcat sock proxy LISTEN TARGET --trace`: relays routed-protocol connections unchanged
 * and prints one decoded line per frame (kind, channel, service, size, END code), with
 * the frame codec of `src/framing/sock.ts`.
 *
 * @module
 */
import type { Conn } from "../adapter/mod.ts";
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

/** Names a trace can show for a service id: the built-in ones. */
const KNOWN_SERVICES = new Map(
  ["ipcat.echo", "ipcat.exec", "ipcat.services"].map((name) => [serviceId(name), name]),
);

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
export function describeFrame(frame: Frame): string {
  switch (frame.kind) {
    case "connect":
      return `CONNECT ${frame.major}.${frame.minor} features ${frame.features} max-payload ${frame.maxPayload} ${
        statusName(frame.code)
      }`;
    case "msg": {
      const service = KNOWN_SERVICES.get(frame.serviceId) ?? formatServiceId(frame.serviceId);
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

/** Copies `from` into `to`, half-closing `to` at EOF; with `trace`, decodes every frame. */
async function pump(from: Conn, to: Conn, trace: ((line: string) => void) | null): Promise<void> {
  const decoder = trace ? new FrameDecoder(0xffffffff) : null;
  let decoding = true;
  try {
    for (let chunk = await from.read(); chunk !== null; chunk = await from.read()) {
      if (decoder && decoding) {
        decoder.push(chunk.slice());
        try {
          for (let frame = decoder.next(); frame; frame = decoder.next()) {
            trace!(describeFrame(frame));
          }
        } catch (error) {
          decoding = false; // still relayed, no longer decoded
          trace!(`not the ipcat protocol any more: ${(error as Error).message}`);
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
    "channel, service (built-in names, else the id), size and END code.",
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
        const trace = (direction: string) =>
          options.trace ? (line: string) => log(`connection ${id} ${direction} ${line}`) : null;
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
