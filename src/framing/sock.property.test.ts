// Property tests of the routed protocol's frame codec (fast-check): any sequence of valid
// frames, cut at any points, decodes to the same frames; arbitrary or mutated bytes give
// frames or the codec's own FrameError (an IpcatError), never another exception.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IpcatError } from "../errors.ts";
import { encodeFrame, type Frame, FrameDecoder, FrameError } from "./sock.ts";

const counter = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const u32 = fc.nat({ max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    kind: fc.constant("connect" as const),
    major: fc.nat({ max: 255 }),
    minor: fc.nat({ max: 255 }),
    features: fc.nat({ max: 0xffff }),
    maxPayload: u32,
    code: u32,
  }),
  fc.record({
    kind: fc.constant("msg" as const),
    tag: counter,
    seq: counter,
    serviceId: u64,
    data: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({
    kind: fc.constant("end" as const),
    tag: counter,
    keepAlive: fc.boolean(),
    code: u32,
    reason: fc.string({ maxLength: 40 }),
  }),
  fc.record({ kind: fc.constantFrom("ping" as const, "pong" as const), nonce: u64 }),
  fc.record({ kind: fc.constant("credit" as const), tag: counter, bytes: u32 }),
);

/** `bytes` cut at `points` (taken modulo its length). */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const point of [...at, bytes.byteLength]) {
    parts.push(bytes.slice(from, point));
    from = point;
  }
  return parts;
}

/** Every frame the decoder gives for `reads`, copied out, then `finish()`. */
function decodeAll(reads: Uint8Array[]): Frame[] {
  const decoder = new FrameDecoder(1 << 20);
  const frames: Frame[] = [];
  for (const read of reads) {
    decoder.push(read);
    for (let f = decoder.next(); f; f = decoder.next()) {
      frames.push(f.kind === "msg" ? { ...f, data: f.data.slice() } : { ...f });
    }
  }
  decoder.finish();
  return frames;
}

function isCodecError(error: unknown): boolean {
  return error instanceof FrameError && error instanceof IpcatError &&
    (error.code === "protocol" || error.code === "limit");
}

describe("sock frames (properties)", () => {
  it("frames cut at arbitrary points decode to the same frames", () => {
    fc.assert(fc.property(
      fc.array(frame, { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (frames, points) => {
        const wire = new Uint8Array(frames.flatMap((f) => [...encodeFrame(f)]));
        assert.deepEqual(decodeAll(cut(wire, points)), frames.map((f) => ({ ...f })));
      },
    ));
  });

  it("arbitrary bytes give frames or the codec's error, never another exception", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 6 }), (reads) => {
        try {
          decodeAll(reads);
        } catch (error) {
          assert.ok(isCodecError(error), `not the codec's error: ${error}`);
        }
      }),
    );
  });

  it("valid frames with bytes changed give frames or the codec's error", () => {
    fc.assert(fc.property(
      fc.array(frame, { minLength: 1, maxLength: 6 }),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      (frames, changes, points) => {
        const wire = new Uint8Array(frames.flatMap((f) => [...encodeFrame(f)]));
        for (const [at, value] of changes) wire[at % wire.byteLength] = value;
        try {
          decodeAll(cut(wire, points));
        } catch (error) {
          assert.ok(isCodecError(error), `not the codec's error: ${error}`);
        }
      },
    ));
  });
});
