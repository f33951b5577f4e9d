/**
 * HTTP/1.1 request heads, for a proxy that must read each request before passing it on:
 * an incremental parser that keeps the header lines as sent, and an encoder that writes
 * them back with some fields replaced.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import { MAX_HEAD_BYTES } from "./http.ts";

/** A parsed request line and its header fields, in order and as sent. */
export interface HttpRequestHead {
  method: string;
  /** The request target as sent, e.g. `/v1.43/containers/json?all=1`. */
  target: string;
  version: string;
  /** `[name, value]` in order; names as sent (compare them lower-cased). */
  fields: [string, string][];
}

/** A complete request head, and the bytes after it in the same reads (the body's start). */
export interface HttpRequestHeadResult {
  head: HttpRequestHead;
  rest: Uint8Array;
}

const latin1 = new TextDecoder("latin1");

/**
 * Incremental request head parser: push reads until it returns a result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpRequestHeadParser } from "./http_request.ts";
 * const parser = new HttpRequestHeadParser();
 * const wire = new TextEncoder().encode("GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\nrest");
 * assert.equal(parser.push(wire.subarray(0, 5)), null);
 * const done = parser.push(wire.subarray(5))!;
 * assert.equal(done.head.target, "/_ping");
 * assert.deepEqual(done.head.fields, [["Host", "docker"]]);
 * assert.equal(new TextDecoder().decode(done.rest), "rest");
 * ```
 */
export class HttpRequestHeadParser {
  #buffered = new Uint8Array(0);

  /** Adds one read; returns the head once complete. Throws a protocol error for garbage. */
  push(chunk: Uint8Array): HttpRequestHeadResult | null {
    const joined = new Uint8Array(this.#buffered.byteLength + chunk.byteLength);
    joined.set(this.#buffered);
    joined.set(chunk, this.#buffered.byteLength);
    const end = headEnd(joined, Math.max(0, this.#buffered.byteLength - 3));
    if (end < 0) {
      if (joined.byteLength > MAX_HEAD_BYTES) {
        throw new IpcatError(
          "protocol",
          `no end of the request head within ${MAX_HEAD_BYTES} bytes`,
        );
      }
      this.#buffered = joined;
      return null;
    }
    this.#buffered = new Uint8Array(0);
    return {
      head: parseRequestHead(latin1.decode(joined.subarray(0, end))),
      rest: joined.subarray(end + 4),
    };
  }
}

function headEnd(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 3 < bytes.byteLength; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

function parseRequestHead(text: string): HttpRequestHead {
  const [requestLine = "", ...lines] = text.split("\r\n");
  const match = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(requestLine);
  if (!match) {
    throw new IpcatError(
      "protocol",
      `not an HTTP/1.x request line: ${JSON.stringify(requestLine.slice(0, 80))}`,
    );
  }
  const fields: [string, string][] = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) {
      throw new IpcatError(
        "protocol",
        `malformed request header line: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return { method: match[1]!, target: match[2]!, version: match[3]!, fields };
}

/** The value of a header field (repeated ones joined with `, `), or undefined. */
export function headerValue(head: HttpRequestHead, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const values = head.fields.filter(([n]) => n.toLowerCase() === wanted).map(([, v]) => v);
  return values.length ? values.join(", ") : undefined;
}

/**
 * Encodes `head` with the fields in `replace` set (a field of that name is dropped and
 * the new value appended).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeRequestHead } from "./http_request.ts";
 * const head = { method: "GET", target: "/_ping", version: "HTTP/1.1", fields: [["Connection", "keep-alive"], ["Host", "d"]] as [string, string][] };
 * assert.equal(new TextDecoder().decode(encodeRequestHead(head, { Connection: "close" })), "GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n");
 * ```
 */
export function encodeRequestHead(
  head: HttpRequestHead,
  replace: Record<string, string> = {},
): Uint8Array {
  const replaced = new Set(Object.keys(replace).map((name) => name.toLowerCase()));
  let text = `${head.method} ${head.target} ${head.version}\r\n`;
  for (const [name, value] of head.fields) {
    if (!replaced.has(name.toLowerCase())) text += `${name}: ${value}\r\n`;
  }
  for (const [name, value] of Object.entries(replace)) text += `${name}: ${value}\r\n`;
  // Back to the bytes as sent: the head was read as Latin-1, one byte per character.
  return Uint8Array.from(`${text}\r\n`, (c) => c.charCodeAt(0));
}
