// Property tests of the incremental chunked-body decoder (fast-check): any body, chunked
// at any sizes and pushed in pieces cut anywhere, comes out whole; arbitrary bytes give
// data or the protocol IpcatError, never another exception.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IpcatError } from "../errors.ts";
import { ChunkedDecoder, decodeChunked } from "./http.ts";

const encoder = new TextEncoder();

function chunked(body: Uint8Array, sizes: number[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= body.byteLength) break;
    const piece = body.subarray(at, at + size);
    parts.push(
      encoder.encode(`${piece.byteLength.toString(16)}\r\n`),
      piece,
      encoder.encode("\r\n"),
    );
    at += piece.byteLength;
  }
  if (at < body.byteLength) {
    const piece = body.subarray(at);
    parts.push(
      encoder.encode(`${piece.byteLength.toString(16)};ext=1\r\n`),
      piece,
      encoder.encode("\r\n"),
    );
  }
  parts.push(encoder.encode("0\r\nTrailer: x\r\n\r\n"));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

describe("ChunkedDecoder", () => {
  it("decodes any chunking of any body, pushed in pieces cut anywhere", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 20 }),
        (body, sizes, cuts) => {
          const wire = chunked(body, sizes);
          const decoder = new ChunkedDecoder();
          const out: number[] = [];
          let at = 0;
          for (let i = 0; at < wire.byteLength; i++) {
            const step = cuts[i % cuts.length]!;
            for (const piece of decoder.push(wire.subarray(at, at + step))) out.push(...piece);
            at += step;
          }
          assert.ok(decoder.done);
          assert.deepEqual(new Uint8Array(out), body);
          assert.deepEqual(decodeChunked(wire), body);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("turns arbitrary bytes into data or the protocol error, nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        try {
          new ChunkedDecoder().push(bytes);
        } catch (error) {
          assert.ok(error instanceof IpcatError && error.code === "protocol", String(error));
        }
      }),
      { numRuns: 300 },
    );
  });
});
