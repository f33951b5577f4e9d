import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededBytes } from "../../test/fixtures/random.ts";
import { concatBytes } from "./bytes.ts";
import {
  demultiplexAll,
  encodeStdcopyFrame,
  StdcopyDemuxer,
  type StdcopyStream,
} from "./stdcopy.ts";
import { IpcatError } from "../errors.ts";

const isProtocolError = (error: unknown) =>
  error instanceof IpcatError && error.code === "protocol";

function collect(demux: StdcopyDemuxer, pieces: Uint8Array[]): Record<number, Uint8Array> {
  const got: Record<number, Uint8Array[]> = { 0: [], 1: [], 2: [], 3: [] };
  for (const piece of pieces) {
    for (const { stream, data } of demux.push(piece)) got[stream]!.push(data.slice());
  }
  demux.end();
  return Object.fromEntries(Object.entries(got).map(([k, v]) => [k, concatBytes(v)]));
}

describe("stdcopy demultiplexer", () => {
  const frames: Array<[StdcopyStream, Uint8Array]> = [
    [1, seededBytes(300, 1)],
    [2, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 5])],
    [1, new Uint8Array(0)],
    [2, seededBytes(17, 2)],
    [0, seededBytes(9, 3)],
    [1, seededBytes(1, 4)],
  ];
  const wire = concatBytes(frames.map(([s, d]) => encodeStdcopyFrame(s, d)));
  const expect = (stream: number) =>
    concatBytes(frames.filter(([s]) => s === stream).map(([, d]) => d));

  it("encodes the header as [stream,0,0,0,size u32 big-endian]", () => {
    const frame = encodeStdcopyFrame(2, new Uint8Array(0x01020304 & 0xffff));
    assert.deepEqual([...frame.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0x03, 0x04]);
    const big = encodeStdcopyFrame(1, new Uint8Array(70000));
    assert.deepEqual([...big.subarray(0, 8)], [1, 0, 0, 0, 0, 1, 0x11, 0x70]);
  });

  it("splits the stream correctly when the input is cut at every byte boundary", () => {
    for (let cut = 0; cut <= wire.byteLength; cut++) {
      const got = collect(new StdcopyDemuxer(), [wire.subarray(0, cut), wire.subarray(cut)]);
      for (const stream of [0, 1, 2]) {
        assert.deepEqual(got[stream], expect(stream), `cut at ${cut}, stream ${stream}`);
      }
    }
  });

  it("splits correctly when cut at every pair of boundaries", () => {
    for (let a = 0; a <= wire.byteLength; a += 3) {
      for (let b = a; b <= wire.byteLength; b += 7) {
        const got = collect(new StdcopyDemuxer(), [
          wire.subarray(0, a),
          wire.subarray(a, b),
          wire.subarray(b),
        ]);
        assert.deepEqual(got[1], expect(1));
        assert.deepEqual(got[2], expect(2));
      }
    }
  });

  it("handles one byte per read", () => {
    const got = collect(new StdcopyDemuxer(), Array.from(wire, (b) => new Uint8Array([b])));
    assert.deepEqual(got[1], expect(1));
    assert.deepEqual(got[2], expect(2));
    assert.deepEqual(got[0], expect(0));
  });

  it("hands out a large frame's payload as it arrives, without buffering it whole", () => {
    const payload = seededBytes(1 << 20, 9);
    const frame = encodeStdcopyFrame(1, payload);
    const demux = new StdcopyDemuxer();
    const first = demux.push(frame.subarray(0, 8 + 1000));
    assert.equal(first.length, 1);
    assert.equal(first[0]!.data.byteLength, 1000);
    assert.equal(demux.atBoundary, false);
    const rest = demux.push(frame.subarray(8 + 1000));
    demux.end();
    assert.deepEqual(concatBytes([first[0]!.data, ...rest.map((c) => c.data)]), payload);
  });

  it("reports the system-error stream (3)", () => {
    const msg = new TextEncoder().encode("daemon failed");
    const { systemError, stdout } = demultiplexAll(
      concatBytes([encodeStdcopyFrame(1, seededBytes(5, 5)), encodeStdcopyFrame(3, msg)]),
    );
    assert.deepEqual(systemError, msg);
    assert.equal(stdout.byteLength, 5);
  });

  it("rejects a stream cut inside a header or a payload", () => {
    const frame = encodeStdcopyFrame(1, seededBytes(10, 6));
    for (const cut of [3, 12]) {
      const demux = new StdcopyDemuxer();
      demux.push(frame.subarray(0, cut));
      assert.throws(() => demux.end(), isProtocolError);
    }
  });

  it("rejects bytes that are not a frame header (e.g. a TTY stream)", () => {
    assert.throws(
      () => new StdcopyDemuxer().push(new TextEncoder().encode("hello world\n")),
      /not a stdcopy frame header: 68 65 6c/,
    );
  });
});
