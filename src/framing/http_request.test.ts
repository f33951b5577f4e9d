import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IpcatError } from "../errors.ts";
import { encodeRequestHead, headerValue, HttpRequestHeadParser } from "./http_request.ts";

const isProtocolError = (error: unknown) =>
  error instanceof IpcatError && error.code === "protocol";

const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe("HTTP request head parser", () => {
  const head =
    "POST /v1.43/containers/create?name=web HTTP/1.1\r\nHost: docker\r\nContent-Length: 2\r\nX-Caf\u00e9: \u00e9t\u00e9\r\n\r\n";
  const wire = latin1(`${head}{}GET`);

  it("gives the same head and rest at every split point, and re-encodes it byte for byte", () => {
    for (let split = 0; split <= wire.byteLength; split++) {
      const parser = new HttpRequestHeadParser();
      const [before, after] = [wire.subarray(0, split), wire.subarray(split)];
      const first = parser.push(before);
      const done = first ?? parser.push(after)!;
      assert.ok(done, `split at ${split}`);
      assert.equal(done.head.method, "POST");
      assert.equal(done.head.target, "/v1.43/containers/create?name=web");
      assert.equal(headerValue(done.head, "content-length"), "2");
      // Once the head is complete the parser is spent: later bytes are the caller's.
      const rest = first ? [...first.rest, ...after] : [...done.rest];
      assert.deepEqual(rest, [...latin1("{}GET")], `split at ${split}`);
      assert.deepEqual(encodeRequestHead(done.head), latin1(head));
    }
  });

  it("replaces fields: Connection: close instead of keep-alive", () => {
    const done = new HttpRequestHeadParser().push(
      latin1("GET /_ping HTTP/1.1\r\nconnection: keep-alive\r\nHost: d\r\n\r\n"),
    )!;
    const text = new TextDecoder().decode(encodeRequestHead(done.head, { Connection: "close" }));
    assert.equal(text, "GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n");
  });

  it("arbitrary bytes give a head, nothing yet, or only the protocol IpcatError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        new HttpRequestHeadParser().push(bytes);
      } catch (error) {
        assert.ok(isProtocolError(error), String(error));
      }
    }));
  });

  it("refuses a head that never ends within 64 KiB", () => {
    const parser = new HttpRequestHeadParser();
    parser.push(latin1("GET / HTTP/1.1\r\n"));
    assert.throws(() => parser.push(new Uint8Array(70_000).fill(65)), isProtocolError);
  });
});
