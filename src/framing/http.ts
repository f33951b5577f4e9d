/**
 * The little HTTP/1.1 a hijacked connection needs: encode a request head, parse a
 * response head incrementally, and know how much body follows it.
 *
 * Docker's attach and exec endpoints answer `101 UPGRADED` (or `200 OK` with a raw
 * stream) and then turn the connection into a two-way byte stream. Fetch cannot carry
 * that on every runtime, so ipcat writes the request itself. Bytes that arrive in the
 * same read as the end of the head already belong to the stream: the parser hands them
 * back untouched.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import { concatBytes } from "./bytes.ts";

/** A parsed response status line and header fields. */
export interface HttpResponseHead {
  /** `HTTP/1.1` or `HTTP/1.0`. */
  version: string;
  status: number;
  reason: string;
  /** Header fields by lower-cased name; repeated fields are joined with `, `. */
  headers: Map<string, string>;
}

/** The result of a complete head: the head, and the bytes after it in the same reads. */
export interface HttpHeadResult {
  head: HttpResponseHead;
  rest: Uint8Array;
}

/** A head larger than this is refused: no daemon sends one, a stream of garbage might. */
export const MAX_HEAD_BYTES = 64 * 1024;

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/**
 * Encodes a request head (and an optional small body) for a raw connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeHttpRequest } from "./http.ts";
 * const bytes = encodeHttpRequest("POST", "/v1.41/containers/abc/attach?stream=1", {
 *   Host: "docker", Connection: "Upgrade", Upgrade: "tcp",
 * });
 * assert.ok(new TextDecoder().decode(bytes).endsWith("Upgrade: tcp\r\n\r\n"));
 * ```
 */
export function encodeHttpRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Uint8Array,
): Uint8Array {
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      throw new IpcatError("protocol", `header ${JSON.stringify(name)} contains a line break`);
    }
    head += `${name}: ${value}\r\n`;
  }
  if (body) head += `Content-Length: ${body.byteLength}\r\n`;
  head += "\r\n";
  const headBytes = encoder.encode(head);
  if (!body || body.byteLength === 0) return headBytes;
  const out = new Uint8Array(headBytes.byteLength + body.byteLength);
  out.set(headBytes);
  out.set(body, headBytes.byteLength);
  return out;
}

/**
 * Incremental response head parser. Push reads until it returns a result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpHeadParser } from "./http.ts";
 * const parser = new HttpHeadParser();
 * const wire = new TextEncoder().encode("HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\n\x01\x00");
 * assert.ok(parser.push(wire.subarray(0, 10)) === null);
 * const done = parser.push(wire.subarray(10))!;
 * assert.ok(done.head.status === 101 && done.head.headers.get("upgrade") === "tcp");
 * assert.ok(done.rest.length === 2);
 * ```
 */
export class HttpHeadParser {
  #buffered = new Uint8Array(0);

  /** Adds one read; returns the head once complete (then the parser is spent). */
  push(chunk: Uint8Array): HttpHeadResult | null {
    const searchFrom = Math.max(0, this.#buffered.byteLength - 3);
    const joined = new Uint8Array(this.#buffered.byteLength + chunk.byteLength);
    joined.set(this.#buffered);
    joined.set(chunk, this.#buffered.byteLength);
    const end = findHeadEnd(joined, searchFrom);
    if (end < 0) {
      if (joined.byteLength > MAX_HEAD_BYTES) {
        throw new IpcatError(
          "protocol",
          `no end of the response head within ${MAX_HEAD_BYTES} bytes`,
        );
      }
      this.#buffered = joined;
      return null;
    }
    this.#buffered = new Uint8Array(0);
    return {
      head: parseHead(latin1.decode(joined.subarray(0, end))),
      rest: joined.subarray(end + 4),
    };
  }

  /** Bytes received so far without a complete head (for error messages). */
  get pending(): Uint8Array {
    return this.#buffered;
  }
}

function findHeadEnd(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 3 < bytes.byteLength; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

function parseHead(text: string): HttpResponseHead {
  const lines = text.split("\r\n");
  const status = /^(HTTP\/1\.[01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!status) {
    throw new IpcatError(
      "protocol",
      `not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`,
    );
  }
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new IpcatError(
        "protocol",
        `malformed header line: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prior = headers.get(name);
    headers.set(name, prior === undefined ? value : `${prior}, ${value}`);
  }
  return { version: status[1]!, status: Number(status[2]), reason: status[3] ?? "", headers };
}

/** How the body after a head is delimited. */
export type HttpBodyFraming = { kind: "length"; length: number } | { kind: "chunked" } | {
  kind: "until-close";
};

/**
 * How the body of a (non-upgrade) response is delimited, per RFC 9112 section 6.3.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bodyFraming } from "./http.ts";
 * const head = { version: "HTTP/1.1", status: 404, reason: "Not Found", headers: new Map([["content-length", "22"]]) };
 * assert.ok(JSON.stringify(bodyFraming(head)) === '{"kind":"length","length":22}');
 * ```
 */
export function bodyFraming(head: HttpResponseHead): HttpBodyFraming {
  if (head.status === 204 || head.status === 304 || (head.status >= 100 && head.status < 200)) {
    return { kind: "length", length: 0 };
  }
  if (/(^|,)\s*chunked\s*$/i.test(head.headers.get("transfer-encoding") ?? "")) {
    return { kind: "chunked" };
  }
  const length = head.headers.get("content-length");
  if (length !== undefined && /^\d+$/.test(length)) {
    return { kind: "length", length: Number(length) };
  }
  return { kind: "until-close" };
}

/**
 * Decodes a complete chunked body; returns `null` while the terminating chunk is missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeChunked } from "./http.ts";
 * const body = decodeChunked(new TextEncoder().encode("5\r\nhello\r\n0\r\n\r\n"));
 * assert.ok(new TextDecoder().decode(body!) === "hello");
 * ```
 */
export function decodeChunked(bytes: Uint8Array): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (;;) {
    let lineEnd = -1;
    for (let i = offset; i + 1 < bytes.byteLength; i++) {
      if (bytes[i] === 13 && bytes[i + 1] === 10) {
        lineEnd = i;
        break;
      }
    }
    if (lineEnd < 0) return null;
    const sizeText = latin1.decode(bytes.subarray(offset, lineEnd)).split(";")[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) {
      throw new IpcatError("protocol", `bad chunk size ${JSON.stringify(sizeText)}`);
    }
    const size = parseInt(sizeText, 16);
    const start = lineEnd + 2;
    if (size === 0) break;
    if (start + size + 2 > bytes.byteLength) return null;
    parts.push(bytes.subarray(start, start + size));
    offset = start + size + 2;
  }
  return concatBytes(parts);
}

/**
 * Decodes a chunked body pushed in pieces of any size, handing out the data as it
 * arrives (a 256 MiB archive is never held whole).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChunkedDecoder } from "./http.ts";
 * const decoder = new ChunkedDecoder();
 * const bytes = new TextEncoder().encode("5\r\nhello\r\n0\r\n\r\n");
 * const parts = [...decoder.push(bytes.subarray(0, 4)), ...decoder.push(bytes.subarray(4))];
 * assert.equal(parts.map((p) => new TextDecoder().decode(p)).join(""), "hello");
 * assert.ok(decoder.done);
 * ```
 */
export class ChunkedDecoder {
  #line = "";
  #remaining = 0;
  /** What comes next: a size line, chunk data, the CRLF after it, or trailer lines. */
  #state: "size" | "data" | "crlf" | "trailer" | "done" = "size";

  /** True once the terminating chunk and its trailers have passed. */
  get done(): boolean {
    return this.#state === "done";
  }

  /** The body bytes in `chunk`. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.byteLength && this.#state !== "done") {
      if (this.#state === "data") {
        const take = Math.min(this.#remaining, chunk.byteLength - at);
        out.push(chunk.subarray(at, at + take));
        this.#remaining -= take;
        at += take;
        if (this.#remaining === 0) this.#state = "crlf";
        continue;
      }
      const newline = chunk.indexOf(10, at);
      const end = newline < 0 ? chunk.byteLength : newline + 1;
      this.#line += latin1.decode(chunk.subarray(at, end));
      at = end;
      if (newline < 0) {
        if (this.#line.length > 4096) throw new IpcatError("protocol", "chunk size line too long");
        continue;
      }
      const line = this.#line.replace(/\r?\n$/, "");
      this.#line = "";
      if (this.#state === "crlf") {
        if (line !== "") throw new IpcatError("protocol", "no CRLF after a chunk's data");
        this.#state = "size";
      } else if (this.#state === "trailer") {
        if (line === "") this.#state = "done";
      } else {
        const sizeText = line.split(";")[0]!.trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) {
          throw new IpcatError("protocol", `bad chunk size ${JSON.stringify(sizeText)}`);
        }
        this.#remaining = parseInt(sizeText, 16);
        this.#state = this.#remaining === 0 ? "trailer" : "data";
      }
    }
    return out;
  }
}
