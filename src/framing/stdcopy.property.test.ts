// Property tests of Docker's stdcopy demultiplexer (fast-check): frames split at any
// point come out per stream byte for byte, and arbitrary bytes give pieces or the
// protocol IpcatError, never another exception.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IpcatError } from "../errors.ts";
import { encodeStdcopyFrame, StdcopyDemuxer, type StdcopyStream } from "./stdcopy.ts";

function isProtocolError(error: unknown): boolean {
  return error instanceof IpcatError && error.code === "protocol";
}

const frame = fc.tuple(
  fc.constantFrom<StdcopyStream>(0, 1, 2, 3),
  fc.uint8Array({ maxLength: 500 }),
);

describe("stdcopy (properties)", () => {
  it("frames split at arbitrary points demultiplex to each stream's bytes", () => {
    fc.assert(fc.property(
      fc.array(frame, { maxLength: 10 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (frames, cutPoints) => {
        const wire = new Uint8Array(frames.flatMap(([s, p]) => [...encodeStdcopyFrame(s, p)]));
        const points = [...new Set(cutPoints.map((c) => c % (wire.byteLength + 1)))].sort((a, b) =>
          a - b
        );
        const demux = new StdcopyDemuxer();
        const got = new Map<number, number[]>();
        let from = 0;
        for (const point of [...points, wire.byteLength]) {
          for (const piece of demux.push(wire.subarray(from, point))) {
            got.set(piece.stream, [...(got.get(piece.stream) ?? []), ...piece.data]);
          }
          from = point;
        }
        demux.end();
        const want = new Map<number, number[]>();
        for (const [s, p] of frames) {
          if (p.byteLength) want.set(s, [...(want.get(s) ?? []), ...p]);
        }
        assert.deepEqual(got, want);
      },
    ));
  });

  it("arbitrary bytes give pieces or the protocol error", () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), (reads) => {
      const demux = new StdcopyDemuxer();
      try {
        for (const read of reads) demux.push(read);
        demux.end();
      } catch (error) {
        assert.ok(isProtocolError(error), `not the protocol error: ${error}`);
      }
    }));
  });
});
