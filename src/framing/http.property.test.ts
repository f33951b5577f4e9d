// Property tests of the HTTP/1.1 head and chunked-body codecs (fast-check): heads split
// at any point parse the same, and arbitrary bytes produce a result, "not yet", or the
// protocol IpcatError, never another exception.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IpcatError } from "../errors.ts";
import { decodeChunked, HttpHeadParser } from "./http.ts";

const encoder = new TextEncoder();
const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
const fieldValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
const headers = fc.uniqueArray(fc.tuple(token, fieldValue), {
  maxLength: 8,
  selector: ([name]) => name.toLowerCase(),
});

function isProtocolError(error: unknown): boolean {
  return error instanceof IpcatError && error.code === "protocol";
}

/** `bytes` cut at each of `cuts` (fractions of its length), in order. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.byteLength)))].sort((a, b) =>
    a - b
  );
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.byteLength]) {
    parts.push(bytes.subarray(from, point));
    from = point;
  }
  return parts;
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });

/** Arbitrary bytes, or arbitrary bytes around the CRLF pairs that make the codecs decide. */
const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.array(
    fc.oneof(
      fc.uint8Array({ maxLength: 20 }),
      fc.constantFrom("\r\n", "\r\n\r\n", "HTTP/1.1 200 OK", "0", "ff", ":").map((t) =>
        encoder.encode(t)
      ),
    ),
    { maxLength: 12 },
  ).map((parts) => new Uint8Array(parts.flatMap((p) => [...p]))),
);

describe("HTTP codecs (properties)", () => {
  it("a response head split anywhere parses to the same head and rest", () => {
    fc.assert(fc.property(
      fc.integer({ min: 100, max: 599 }),
      headers,
      fc.uint8Array({ maxLength: 64 }),
      cuts,
      (status, fields, rest, at) => {
        const head = `HTTP/1.1 ${status} Reason\r\n${
          fields.map(([n, v]) => `${n}: ${v}\r\n`).join("")
        }\r\n`;
        const wire = new Uint8Array([...encoder.encode(head), ...rest]);
        const parser = new HttpHeadParser();
        let result = null;
        const after: Uint8Array[] = [];
        for (const part of split(wire, at)) {
          if (result) after.push(part);
          else result = parser.push(part);
        }
        assert.ok(result, "no head");
        assert.equal(result.head.status, status);
        for (const [name, value] of fields) {
          assert.equal(result.head.headers.get(name.toLowerCase()), value);
        }
        assert.deepEqual(
          new Uint8Array([...result.rest, ...after.flatMap((p) => [...p])]),
          rest,
        );
      },
    ));
  });

  it("arbitrary bytes give a head, not yet, or the protocol error", () => {
    fc.assert(
      fc.property(fc.array(garbage, { maxLength: 5 }), (reads) => {
        const parser = new HttpHeadParser();
        try {
          for (const read of reads) if (parser.push(read)) break;
        } catch (error) {
          assert.ok(isProtocolError(error), `not the protocol error: ${error}`);
        }
      }),
    );
  });

  it("a chunked body decodes to its chunks joined", () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 6 }),
      (chunks) => {
        const wire = chunks.flatMap((c) => [
          ...encoder.encode(`${c.byteLength.toString(16)}\r\n`),
          ...c,
          13,
          10,
        ]);
        const body = decodeChunked(new Uint8Array([...wire, ...encoder.encode("0\r\n\r\n")]));
        assert.deepEqual(body, new Uint8Array(chunks.flatMap((c) => [...c])));
        const cut = decodeChunked(new Uint8Array(wire));
        assert.equal(cut, null, "a body without its last chunk is not complete");
      },
    ));
  });

  it("arbitrary bytes as a chunked body give a body, not yet, or the protocol error", () => {
    fc.assert(fc.property(garbage, (bytes) => {
      try {
        decodeChunked(bytes);
      } catch (error) {
        assert.ok(isProtocolError(error), `not the protocol error: ${error}`);
      }
    }));
  });
});
