/**
 * The Docker socket proxy behind `ipcat docker proxy`: each client connection carries
 * one request, which is read, judged by the policy (`./proxy_policy.ts`) and either
 * refused with a 403 the docker CLI shows, or passed to the daemon with
 * `Connection: close`, so that the daemon answers it alone and no second request can
 * ride along unjudged. Upgrades (attach, exec start) are bridged both ways once allowed.
 *
 * @module
 */
import type { Conn, DialTarget } from "../adapter/mod.ts";
import { runtime } from "../adapter/mod.ts";
import { HttpHeadParser } from "../framing/http.ts";
import {
  encodeRequestHead,
  headerValue,
  type HttpRequestHead,
  HttpRequestHeadParser,
} from "../framing/http_request.ts";
import { decide, type ProxyRequest, type ProxyRule, refusalMessage } from "./proxy_policy.ts";

/** What the proxy serves from, and where it logs. */
export interface ProxyOptions {
  rules: readonly ProxyRule[];
  /** The daemon. */
  upstream: DialTarget;
  /** One line per request. */
  log(line: string): void;
}

/** A listener as the proxy needs it. */
export interface ProxyListener {
  accept(): Promise<Conn | null>;
  close(): void;
}

/** A running proxy. */
export interface ProxyServer {
  /** Stops accepting and ends every connection in flight. */
  close(): Promise<void>;
  /** Resolves once the accept loop has ended. */
  readonly closed: Promise<void>;
}

/** Serves the proxy on `listener` until {@link ProxyServer.close}. */
export function serveProxy(listener: ProxyListener, options: ProxyOptions): ProxyServer {
  const open = new Set<Conn>();
  let stopping = false;
  const closed = (async () => {
    for (;;) {
      const client = await listener.accept().catch(() => null);
      if (client === null) break;
      open.add(client);
      void handle(client, options, open).finally(() => {
        client.close();
        open.delete(client);
      });
    }
  })();
  return {
    closed,
    close() {
      if (!stopping) {
        stopping = true;
        listener.close();
        for (const conn of open) conn.close();
      }
      return closed;
    },
  };
}

const encoder = new TextEncoder();

/** A complete response with a JSON `{"message"}` body, the daemon's own error shape. */
function errorResponse(status: number, reason: string, message: string): Uint8Array {
  const body = JSON.stringify({ message }) + "\n";
  return encoder.encode(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${encoder.encode(body).byteLength}\r\nConnection: close\r\n\r\n${body}`,
  );
}

async function handle(client: Conn, options: ProxyOptions, open: Set<Conn>): Promise<void> {
  const uid = client.peerCredentials?.()?.uid ?? null;
  const who = `uid=${uid ?? "?"}`;
  const parser = new HttpRequestHeadParser();
  let parsed;
  try {
    for (;;) {
      const chunk = await client.read();
      if (chunk === null) return;
      parsed = parser.push(chunk);
      if (parsed) break;
    }
  } catch (error) {
    options.log(`${who} bad request: ${(error as Error).message} -> 400`);
    await send(
      client,
      errorResponse(400, "Bad Request", `ipcat docker proxy: ${(error as Error).message}`),
    );
    return;
  }
  const { head: asSent, rest } = parsed;
  // Deno's fetch through a unix socket sends the absolute form (`GET http://docker/_ping`):
  // judged and passed on as the path alone.
  const absolute = /^https?:\/\/[^/?#]*(?<path>[/?].*)?$/i.exec(asSent.target);
  const head = absolute ? { ...asSent, target: absolute.groups?.path ?? "/" } : asSent;
  const upgrade = /upgrade/i.test(headerValue(head, "connection") ?? "") ||
    headerValue(head, "upgrade") !== undefined;
  const request: ProxyRequest = { method: head.method, target: head.target, uid, upgrade };
  const decision = decide(options.rules, request);
  const line = `${who} ${head.method} ${head.target}`;
  if (!decision.allowed) {
    options.log(`${line} -> 403 refused (${decision.because})`);
    // The client writes its body before it reads the answer: take the body first, so that
    // closing does not cut it off with a broken pipe instead of the refusal it must show.
    await discardBody(client, head, rest);
    await send(client, errorResponse(403, "Forbidden", refusalMessage(request, decision)));
    await untilClosed(client);
    return;
  }
  let upstream: Conn;
  try {
    upstream = await runtime.connect(options.upstream);
  } catch (error) {
    const message = `ipcat docker proxy: cannot reach the daemon: ${(error as Error).message}`;
    options.log(`${line} -> 502 (${(error as Error).message})`);
    await send(client, errorResponse(502, "Bad Gateway", message));
    return;
  }
  open.add(upstream);
  try {
    upstream.write(encodeRequestHead(head, upgrade ? {} : { Connection: "close" }));
    const toDaemon = forwardRequest(client, upstream, head, rest, upgrade);
    const toClient = forwardResponse(
      upstream,
      client,
      (status) => options.log(`${line} -> ${status} (${decision.because})`),
    );
    // The answer's end ends the exchange; the request side then stops at the close.
    void toDaemon.catch(() => {});
    await toClient;
  } finally {
    upstream.close();
    open.delete(upstream);
  }
}

/** The most of a refused request's body read before answering; a larger one is cut off. */
const MAX_DISCARDED = 16 * 1024 * 1024;

async function discardBody(client: Conn, head: HttpRequestHead, rest: Uint8Array): Promise<void> {
  let due = Math.min(Number(headerValue(head, "content-length") ?? 0) || 0, MAX_DISCARDED);
  due -= rest.byteLength;
  while (due > 0) {
    const chunk = await client.read().catch(() => null);
    if (chunk === null) return;
    due -= chunk.byteLength;
  }
}

/** Waits for the client to close after reading a final answer. */
async function untilClosed(client: Conn): Promise<void> {
  while ((await client.read().catch(() => null)) !== null) {
    // what a client sends after a refusal is not passed on
  }
}

async function send(conn: Conn, bytes: Uint8Array): Promise<void> {
  conn.write(bytes);
  await conn.closeWrite().catch(() => {});
}

/**
 * Client to daemon: the body after the head (all of it for an upgrade or a chunked body,
 * else Content-Length bytes), then reading on only to see the client go: what else it
 * sends is not passed on, being a request nobody judged.
 */
async function forwardRequest(
  client: Conn,
  upstream: Conn,
  head: HttpRequestHead,
  rest: Uint8Array,
  upgrade: boolean,
): Promise<void> {
  const raw = upgrade || /chunked/i.test(headerValue(head, "transfer-encoding") ?? "");
  let due = raw ? Infinity : Number(headerValue(head, "content-length") ?? 0) || 0;
  const pass = async (chunk: Uint8Array) => {
    if (due <= 0) return;
    const part = due === Infinity ? chunk : chunk.subarray(0, due);
    due -= part.byteLength;
    if (!upstream.write(part)) await upstream.drain();
  };
  await pass(rest);
  for (;;) {
    const chunk = await client.read().catch(() => null);
    if (chunk === null) break;
    await pass(chunk);
  }
  // The end of an upgraded stream's input (stdin) or of a chunked body; a plain request's
  // client going away ends the exchange.
  if (raw) await upstream.closeWrite().catch(() => {});
  else upstream.close();
}

/** Daemon to client, byte for byte; `onStatus` gets the answer's status for the log. */
async function forwardResponse(
  upstream: Conn,
  client: Conn,
  onStatus: (status: number | string) => void,
): Promise<void> {
  const parser = new HttpHeadParser();
  let logged = false;
  try {
    for (;;) {
      const chunk = await upstream.read();
      if (chunk === null) break;
      if (!logged) {
        try {
          const done = parser.push(chunk);
          if (done) {
            logged = true;
            onStatus(done.head.status);
          }
        } catch {
          logged = true;
          onStatus("unparsable answer");
        }
      }
      if (!client.write(chunk)) await client.drain();
    }
  } catch {
    // the daemon or the client went away: the exchange ends either way
  }
  if (!logged) onStatus("no answer");
  await client.closeWrite().catch(() => {});
}
