// The sock wire format: encoder, incremental decoder, CRC-64/WE, and a fuzz of the decoder.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  crc64we,
  decodePayload,
  DEFAULT_MAX_PAYLOAD,
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameError,
  HEADER_SIZE,
  serviceId,
  STATUS_CODES,
  statusName,
} from "./sock.ts";
import { concatBytes } from "./bytes.ts";
import { seededRandom } from "../../test/fixtures/random.ts";

const enc = new TextEncoder();

/** Every kind, with edge values. */
const SAMPLES: Frame[] = [
  {
    kind: "connect",
    major: 1,
    minor: 0,
    features: 0xbeef,
    maxPayload: DEFAULT_MAX_PAYLOAD,
    code: 0,
  },
  {
    kind: "connect",
    major: 255,
    minor: 255,
    features: 0,
    maxPayload: 0xffffffff,
    code: STATUS_CODES.unsupported_version,
  },
  { kind: "msg", tag: 1, seq: 0, serviceId: serviceId("ipcat.echo"), data: enc.encode("hello") },
  {
    kind: "msg",
    tag: 2 ** 53 - 1,
    seq: 2 ** 40 + 3,
    serviceId: 0xffffffffffffffffn,
    data: new Uint8Array(0),
  },
  { kind: "end", tag: 7, keepAlive: true, code: 0, reason: "" },
  {
    kind: "end",
    tag: 8,
    keepAlive: false,
    code: STATUS_CODES.no_entry,
    reason: "no service 0x00 — ünïcode",
  },
  { kind: "ping", nonce: 0x0123456789abcdefn },
  { kind: "pong", nonce: 0n },
];

function drain(d: FrameDecoder): Frame[] {
  const frames: Frame[] = [];
  for (let f = d.next(); f !== null; f = d.next()) frames.push(f);
  return frames;
}

function problemOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FrameError, `expected a FrameError, got ${e}`);
    return e.problem;
  }
  return "none";
}

describe("CRC-64/WE service ids", () => {
  it("has the catalogue check value for '123456789'", () => {
    assert.equal(crc64we(enc.encode("123456789")), 0x62ec59e3f1a4f00an);
    assert.equal(serviceId("123456789"), 0x62ec59e3f1a4f00an);
  });
  it("hashes the empty string to init ^ xorout = 0", () => {
    assert.equal(crc64we(new Uint8Array(0)), 0n);
  });
  it("gives the built-in services distinct ids", () => {
    const ids = new Set(["ipcat.exec", "ipcat.echo", "ipcat.services"].map(serviceId));
    assert.equal(ids.size, 3);
  });
});

describe("frame encoding", () => {
  it("starts with IPCT and a little-endian size", () => {
    const bytes = encodeFrame({ kind: "ping", nonce: 1n });
    assert.deepEqual([...bytes.subarray(0, 8)], [0x49, 0x50, 0x43, 0x54, 9, 0, 0, 0]);
    assert.deepEqual([...bytes.subarray(8)], [4, 1, 0, 0, 0, 0, 0, 0, 0]);
  });
  it("lays out MSG fields little-endian", () => {
    const bytes = encodeFrame({
      kind: "msg",
      tag: 0x0102,
      seq: 3,
      serviceId: 0x1122334455667788n,
      data: new Uint8Array([0xaa]),
    });
    assert.deepEqual([...bytes], [
      0x49,
      0x50,
      0x43,
      0x54,
      26,
      0,
      0,
      0,
      2,
      0x02,
      0x01,
      0,
      0,
      0,
      0,
      0,
      0,
      3,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0x88,
      0x77,
      0x66,
      0x55,
      0x44,
      0x33,
      0x22,
      0x11,
      0xaa,
    ]);
  });
  it("round-trips every kind", () => {
    for (const frame of SAMPLES) {
      const bytes = encodeFrame(frame);
      assert.deepEqual(decodePayload(bytes.subarray(HEADER_SIZE)), frame);
    }
  });
  it("names status codes", () => {
    assert.equal(statusName(0), "ok");
    assert.equal(statusName(15), "too_large");
    assert.equal(statusName(16), "invalid");
    assert.equal(statusName(17), "deadline_exceeded");
    assert.equal(statusName(18), "tty_not_allowed");
    assert.equal(statusName(19), "code 19");
  });
});

describe("incremental decoder", () => {
  const stream = concatBytes(SAMPLES.map(encodeFrame));

  it("decodes many frames from one chunk", () => {
    const d = new FrameDecoder(0xffffffff);
    d.push(stream);
    assert.deepEqual(drain(d), SAMPLES);
    d.finish();
  });

  it("decodes the stream split at every byte boundary", () => {
    for (let cut = 1; cut < stream.byteLength; cut++) {
      const d = new FrameDecoder(0xffffffff);
      const frames: Frame[] = [];
      d.push(stream.slice(0, cut));
      frames.push(...drain(d));
      d.push(stream.slice(cut));
      frames.push(...drain(d));
      assert.deepEqual(frames, SAMPLES, `cut at ${cut}`);
      d.finish();
    }
  });

  it("decodes the stream fed one byte at a time", () => {
    const d = new FrameDecoder(0xffffffff);
    const frames: Frame[] = [];
    for (const b of stream) {
      d.push(new Uint8Array([b]));
      frames.push(...drain(d));
    }
    assert.deepEqual(frames, SAMPLES);
  });

  it("reassembles a 1 MiB message from small chunks", () => {
    const data = new Uint8Array(DEFAULT_MAX_PAYLOAD - 25).map((_, i) => i * 31);
    const bytes = encodeFrame({ kind: "msg", tag: 1, seq: 0, serviceId: 5n, data });
    const d = new FrameDecoder();
    let frame: Frame | null = null;
    for (let i = 0; i < bytes.byteLength; i += 1000) {
      d.push(bytes.slice(i, i + 1000));
      frame ??= d.next();
    }
    assert.ok(frame?.kind === "msg");
    assert.deepEqual(frame.data, data);
  });

  it("rejects bad magic at the first wrong byte, before a whole header", () => {
    const d = new FrameDecoder();
    d.push(enc.encode("ST"));
    assert.equal(problemOf(() => d.next()), "bad_magic");
    assert.equal(problemOf(() => d.next()), "bad_magic", "stays broken");
  });

  it("rejects size 0, oversize, unknown kind and short bodies", () => {
    const header = (size: number) =>
      new Uint8Array([
        0x49,
        0x50,
        0x43,
        0x54,
        size & 255,
        (size >> 8) & 255,
        (size >> 16) & 255,
        size >>> 24,
      ]);
    const cases: Array<[Uint8Array, string]> = [
      [header(0), "empty"],
      [header(DEFAULT_MAX_PAYLOAD + 1), "too_large"],
      [concatBytes([header(1), new Uint8Array([9])]), "unknown_kind"],
      [concatBytes([header(1), new Uint8Array([0])]), "unknown_kind"],
      [concatBytes([header(3), new Uint8Array([2, 0, 0])]), "malformed"],
      [concatBytes([header(2), new Uint8Array([1, 1])]), "malformed"],
    ];
    for (const [bytes, problem] of cases) {
      const d = new FrameDecoder();
      d.push(bytes);
      assert.equal(problemOf(() => d.next()), problem, `bytes ${[...bytes]}`);
    }
  });

  it("reports the unknown kind as soon as it arrives, before the rest of the payload", () => {
    const d = new FrameDecoder();
    d.push(new Uint8Array([0x49, 0x50, 0x43, 0x54, 100, 0, 0, 0, 77]));
    assert.equal(problemOf(() => d.next()), "unknown_kind");
  });

  it("honours a smaller max payload", () => {
    const d = new FrameDecoder(16);
    d.push(encodeFrame({ kind: "msg", tag: 1, seq: 0, serviceId: 1n, data: new Uint8Array(100) }));
    assert.equal(problemOf(() => d.next()), "too_large");
  });

  it("reports a stream that ends inside a frame as truncated", () => {
    const d = new FrameDecoder();
    d.push(encodeFrame(SAMPLES[0]!).subarray(0, 10));
    assert.equal(d.next(), null);
    assert.equal(problemOf(() => d.finish()), "truncated");
  });

  it("rejects tags of 2^53 and more", () => {
    const bytes = encodeFrame({ kind: "end", tag: 1, keepAlive: false, code: 0, reason: "" });
    bytes[HEADER_SIZE + 1 + 6] = 0x20;
    const d = new FrameDecoder();
    d.push(bytes);
    assert.equal(problemOf(() => d.next()), "malformed");
  });
});

describe("decoder fuzz", () => {
  const VALID_PROBLEMS = new Set([
    "bad_magic",
    "empty",
    "too_large",
    "unknown_kind",
    "malformed",
    "truncated",
  ]);

  /** Feeds `bytes` in random chunks; returns the frames and the error, never hanging. */
  function feed(
    bytes: Uint8Array,
    random: () => number,
    maxPayload: number,
  ): { frames: Frame[]; problem: string | null } {
    const d = new FrameDecoder(maxPayload);
    const frames: Frame[] = [];
    let offset = 0;
    try {
      while (offset < bytes.byteLength) {
        const n = 1 + Math.floor(random() * Math.min(64, bytes.byteLength - offset));
        d.push(bytes.subarray(offset, offset + n));
        offset += n;
        // A frame takes at least 9 bytes, so more calls than bytes would mean a loop.
        for (let calls = 0;; calls++) {
          assert.ok(calls <= bytes.byteLength, "decoder returned frames without consuming bytes");
          const f = d.next();
          if (f === null) break;
          frames.push(f);
        }
      }
      d.finish();
      return { frames, problem: null };
    } catch (e) {
      if (!(e instanceof FrameError) || !VALID_PROBLEMS.has(e.problem)) throw e;
      return { frames, problem: e.problem };
    }
  }

  it("survives 20,000 random inputs with an error or valid frames", () => {
    const random = seededRandom(1);
    let errors = 0;
    for (let i = 0; i < 20_000; i++) {
      const length = Math.floor(random() * 200);
      const bytes = new Uint8Array(length).map(() => Math.floor(random() * 256));
      // Half the inputs start with the magic so that the decoder gets past it.
      if (i % 2 === 0 && length >= 4) bytes.set([0x49, 0x50, 0x43, 0x54]);
      const { frames, problem } = feed(bytes, random, 128);
      if (problem) errors++;
      for (const f of frames) {
        assert.deepEqual(decodePayload(encodeFrame(f).subarray(HEADER_SIZE)), f);
      }
    }
    assert.ok(errors > 0);
  });

  it("survives 30,000 mutated valid streams, and decodes the unmutated prefix exactly", () => {
    const random = seededRandom(2);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    let decodedFrames = 0;
    for (let i = 0; i < 30_000; i++) {
      const frames = Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(SAMPLES));
      const encoded = frames.map(encodeFrame);
      const valid = concatBytes(encoded);
      const mutated = Uint8Array.from(valid);
      const mutation = Math.floor(random() * 4);
      let at = Math.floor(random() * valid.byteLength);
      let bytes: Uint8Array = mutated;
      if (mutation === 0) mutated[at] = mutated[at]! ^ (1 << Math.floor(random() * 8));
      else if (mutation === 1) mutated[at] = Math.floor(random() * 256);
      else if (mutation === 2) bytes = mutated.subarray(0, at);
      else {
        bytes = concatBytes([
          mutated.subarray(0, at),
          new Uint8Array([Math.floor(random() * 256)]),
          mutated.subarray(at),
        ]);
        at = Math.max(0, at - 1);
      }
      const { frames: got } = feed(bytes, random, 0xffffffff);
      // Every frame that ends before the mutation point must come out exactly as sent.
      let end = 0;
      let intact = 0;
      for (const e of encoded) {
        end += e.byteLength;
        if (end <= at) intact++;
      }
      assert.ok(got.length >= intact, `case ${i}: lost intact frames`);
      assert.deepEqual(got.slice(0, intact), frames.slice(0, intact));
      decodedFrames += got.length;
    }
    assert.ok(decodedFrames > 30_000);
  });
});
