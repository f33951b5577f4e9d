import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { concatBytes } from "./bytes.ts";
import { bodyFraming, decodeChunked, encodeHttpRequest, HttpHeadParser } from "./http.ts";
import { IpcatError } from "../errors.ts";

const isProtocolError = (error: unknown) =>
  error instanceof IpcatError && error.code === "protocol";

const enc = new TextEncoder();
const dec = new TextDecoder();

const join = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

describe("HTTP response head parser", () => {
  // What dockerd 20.10 sends for an upgraded attach, followed by the first stdcopy frame.
  const head =
    "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
  const stream = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 3, 0x00, 0xff, 0x0d, 0x0a, 0x0d, 0x0a]);
  const wire = join(enc.encode(head), stream);

  it("finds the head at every split and keeps the bytes after it for the stream", () => {
    for (let cut = 0; cut <= wire.byteLength; cut++) {
      const parser = new HttpHeadParser();
      const first = parser.push(wire.subarray(0, cut));
      const result = first ?? parser.push(wire.subarray(cut));
      assert.ok(result, `no head at cut ${cut}`);
      assert.equal(result.head.status, 101);
      assert.equal(result.head.reason, "UPGRADED");
      assert.equal(result.head.headers.get("upgrade"), "tcp");
      assert.equal(result.head.headers.get("content-type"), "application/vnd.docker.raw-stream");
      const rest = first ? join(first.rest, wire.subarray(cut)) : result.rest;
      assert.deepEqual(rest, stream, `cut at ${cut}`);
    }
  });

  it("parses one byte at a time", () => {
    const parser = new HttpHeadParser();
    let result = null;
    let index = 0;
    for (; index < wire.byteLength && !result; index++) {
      result = parser.push(wire.subarray(index, index + 1));
    }
    assert.ok(result);
    assert.equal(index, head.length);
    assert.equal(result.rest.byteLength, 0);
  });

  it("reads a plain-text attach error (404) and its body framing", () => {
    const parser = new HttpHeadParser();
    const result = parser.push(
      enc.encode(
        "HTTP/1.1 404 Not Found\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nNo such container: x\r\n",
      ),
    )!;
    assert.equal(result.head.status, 404);
    assert.deepEqual(bodyFraming(result.head), { kind: "until-close" });
    assert.equal(dec.decode(result.rest), "No such container: x\r\n");
  });

  it("joins repeated headers and lower-cases names", () => {
    const result = new HttpHeadParser().push(
      enc.encode("HTTP/1.0 200 OK\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 5\r\n\r\n"),
    )!;
    assert.equal(result.head.version, "HTTP/1.0");
    assert.equal(result.head.headers.get("x-a"), "1, 2");
    assert.deepEqual(bodyFraming(result.head), { kind: "length", length: 5 });
  });

  it("rejects what is not HTTP, and heads that never end", () => {
    assert.throws(
      () => new HttpHeadParser().push(enc.encode("SSH-2.0-OpenSSH\r\n\r\n")),
      isProtocolError,
    );
    const parser = new HttpHeadParser();
    assert.throws(() => {
      for (let i = 0; i < 100; i++) parser.push(new Uint8Array(1024).fill(65));
    }, /no end of the response head/);
  });

  it("recognises chunked bodies and decodes them", () => {
    const result = new HttpHeadParser().push(
      enc.encode("HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"),
    )!;
    assert.deepEqual(bodyFraming(result.head), { kind: "chunked" });
    const body = enc.encode('18\r\n{"message":"client versi\r\n4;x=y\r\non"}\r\n0\r\n\r\n');
    assert.equal(dec.decode(decodeChunked(body)!), '{"message":"client version"}');
    assert.equal(decodeChunked(body.subarray(0, body.byteLength - 5)), null);
  });
});

describe("HTTP request encoder", () => {
  it("writes an upgrade request with no body", () => {
    const bytes = encodeHttpRequest("POST", "/v1.41/containers/c/attach?stream=1&stdin=1", {
      Host: "docker",
      Connection: "Upgrade",
      Upgrade: "tcp",
    });
    assert.equal(
      dec.decode(bytes),
      "POST /v1.41/containers/c/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
    );
  });

  it("adds Content-Length for a body and refuses header injection", () => {
    const bytes = encodeHttpRequest(
      "POST",
      "/exec/1/start",
      { "Content-Type": "application/json" },
      enc.encode("{}"),
    );
    assert.match(dec.decode(bytes), /Content-Length: 2\r\n\r\n\{\}$/);
    assert.throws(() => encodeHttpRequest("GET", "/", { X: "a\r\nEvil: 1" }), isProtocolError);
  });
});
