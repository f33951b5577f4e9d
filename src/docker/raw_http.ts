/**
 * HTTP/1.1 on a raw connection to the daemon: the upgrade of attach and exec, and GETs
 * whose large bodies (archives, exports, saved images) stream as they arrive. The
 * runtime's fetch decodes the daemon's chunked bodies several times slower than the wire
 * delivers them over a unix socket (64 MiB: 1.6 s against curl's 0.2 s), so these
 * transfers go through this small client and `src/framing/http.ts`.
 *
 * @module
 */
import { runtime } from "../adapter/mod.ts";
import type { Conn } from "../adapter/mod.ts";
import { concatBytes } from "../framing/bytes.ts";
import {
  bodyFraming,
  ChunkedDecoder,
  decodeChunked,
  encodeHttpRequest,
  HttpHeadParser,
  type HttpResponseHead,
} from "../framing/http.ts";
import type { DockerApi } from "./api.ts";
import { DockerError } from "./errors.ts";
import { ErrorBody } from "./schemas.ts";
import * as v from "valibot";

/** The message of an error body: JSON `{"message"}` from REST, plain text from attach. */
export function messageOf(text: string): string {
  try {
    const parsed = v.safeParse(ErrorBody, JSON.parse(text));
    if (parsed.success) return parsed.output.message;
  } catch {
    // plain text, as the attach endpoint answers
  }
  return text.trim();
}

/** One request on a new connection: the head of an accepted answer, the connection, and what followed the head. */
export async function exchange(
  api: DockerApi,
  method: string,
  path: string,
  options: {
    json?: unknown;
    upgrade?: boolean;
    subject?: string;
    accept: (status: number) => boolean;
  },
): Promise<{ conn: Conn; head: HttpResponseHead; rest: Uint8Array }> {
  const version = await api.version();
  let conn: Conn;
  try {
    conn = await runtime.connect(api.endpoint.target);
  } catch (error) {
    throw await api.connectionError(error);
  }
  const headers: Record<string, string> = {
    Host: api.endpoint.hostHeader,
    "User-Agent": "ipcat",
    ...(options.upgrade ? { Connection: "Upgrade", Upgrade: "tcp" } : { Connection: "close" }),
  };
  let body: Uint8Array | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = new TextEncoder().encode(JSON.stringify(options.json));
  }
  conn.write(encodeHttpRequest(method, `/v${version}${path}`, headers, body));
  const parser = new HttpHeadParser();
  for (;;) {
    let chunk: Uint8Array | null;
    try {
      chunk = await conn.read();
    } catch (error) {
      conn.close();
      throw api.droppedError(error);
    }
    if (chunk === null) {
      conn.close();
      throw api.droppedError(undefined, "before answering");
    }
    let done;
    try {
      done = parser.push(chunk);
    } catch (error) {
      conn.close();
      throw new DockerError(
        "protocol",
        `${api.endpoint.display} did not answer in HTTP: ${(error as Error).message}`,
        { kind: "protocol", hint: "is DOCKER_HOST really a Docker daemon?" },
      );
    }
    if (!done) continue;
    const { head, rest } = done;
    if (options.accept(head.status)) return { conn, head, rest };
    throw await refusal(api, conn, head, rest, options.subject);
  }
}

/** Reads (up to 1 MiB of) an error answer's body and makes the daemon's error of it. */
async function refusal(
  api: DockerApi,
  conn: Conn,
  head: HttpResponseHead,
  rest: Uint8Array,
  subject: string | undefined,
): Promise<DockerError> {
  const framing = bodyFraming(head);
  const parts = [rest];
  let total = rest.byteLength;
  const complete = () =>
    framing.kind === "length"
      ? total >= framing.length
      : framing.kind === "chunked"
      ? decodeChunked(concatBytes(parts)) !== null
      : false;
  while (!complete() && total < 1 << 20) {
    const more = await conn.read().catch(() => null);
    if (more === null) break;
    parts.push(more);
    total += more.byteLength;
  }
  conn.close();
  let bytes = concatBytes(parts);
  if (framing.kind === "chunked") bytes = decodeChunked(bytes) ?? bytes;
  if (framing.kind === "length") bytes = bytes.subarray(0, framing.length);
  return api.daemonError(head.status, messageOf(new TextDecoder().decode(bytes)), subject);
}

/**
 * A GET whose body streams as it arrives: chunked, sized or up to the close. A body cut
 * short is a dropped connection; the client's close() ends it.
 */
export async function rawGet(
  api: DockerApi,
  path: string,
  subject?: string,
): Promise<{ head: HttpResponseHead; body: ReadableStream<Uint8Array> }> {
  const { conn, head, rest } = await exchange(api, "GET", path, {
    subject,
    accept: (status) => status >= 200 && status < 300,
  });
  const framing = bodyFraming(head);
  const chunked = framing.kind === "chunked" ? new ChunkedDecoder() : null;
  let left = framing.kind === "length" ? framing.length : Infinity;
  let pending: Uint8Array | null = rest.byteLength ? rest : null;
  const untrack = api.track(() => conn.close());
  const finish = () => {
    untrack();
    conn.close();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (chunked?.done || left === 0) {
          finish();
          controller.close();
          return;
        }
        let chunk = pending;
        pending = null;
        if (chunk === null) {
          try {
            chunk = await conn.read();
          } catch (error) {
            finish();
            if (api.closed) return controller.close();
            throw api.droppedError(error, "midway through the answer");
          }
        }
        if (chunk === null) {
          finish();
          if (framing.kind === "until-close" || api.closed) return controller.close();
          throw api.droppedError(undefined, "midway through the answer");
        }
        const pieces = chunked
          ? chunked.push(chunk)
          : [chunk.subarray(0, Math.min(chunk.byteLength, left))];
        if (!chunked) left -= pieces[0]!.byteLength;
        const size = pieces.reduce((n, p) => n + p.byteLength, 0);
        if (size === 0) continue;
        controller.enqueue(pieces.length === 1 ? pieces[0]! : concatBytes(pieces));
        return;
      }
    },
    cancel: finish,
  });
  return { head, body };
}
