/**
 * The wire format of the ipcat socket protocol, version 1 (`docs/sock-protocol.md`):
 * pure encoders (here), an incremental decoder (`./sock_decoder.ts`), the protocol's
 * vocabulary (`./sock_frames.ts`) and the CRC-64/WE service ids, all exported from this
 * one module. No I/O; the CLI, the library, the tests and the benchmark share them.
 *
 * ```
 * frame   = "IPCT" | size: u32le | payload (size bytes)      1 <= size <= max_payload
 * payload = kind: u8 | body
 * ```
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeFrame, FrameDecoder, serviceId } from "./sock.ts";
 * const bytes = encodeFrame({ kind: "msg", tag: 1, seq: 0, serviceId: serviceId("ipcat.echo"), data: new Uint8Array([104, 105]) });
 * const decoder = new FrameDecoder();
 * decoder.push(bytes);
 * const frame = decoder.next();
 * assert.ok(frame?.kind === "msg" && frame.data.length === 2);
 * ```
 *
 * @module
 */
import {
  BODY_SIZE,
  END_OVERHEAD,
  type EndFrame,
  type Frame,
  HEADER_SIZE,
  KIND_CODES,
  MSG_OVERHEAD,
} from "./sock_frames.ts";
export * from "./sock_frames.ts";
export { decodePayload, FrameDecoder } from "./sock_decoder.ts";

const POW32 = 2 ** 32;

const textEncoder = new TextEncoder();

function putU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v;
  b[p + 1] = v >>> 8;
  b[p + 2] = v >>> 16;
  b[p + 3] = v >>> 24;
}

function putCounter(b: Uint8Array, p: number, v: number): void {
  putU32(b, p, v % POW32);
  putU32(b, p + 4, Math.floor(v / POW32));
}

// Service ids repeat on every MSG of a channel: the last one encoded is kept, so that
// the per-message path makes no BigInt.
let encodedId = -1n;
let encodedLow = 0;
let encodedHigh = 0;

function putU64(b: Uint8Array, p: number, v: bigint): void {
  if (v !== encodedId) {
    encodedId = v;
    encodedLow = Number(v & 0xffffffffn);
    encodedHigh = Number((v >> 32n) & 0xffffffffn);
  }
  putU32(b, p, encodedLow);
  putU32(b, p + 4, encodedHigh);
}

/** The reason of an END, encoded once. */
function reasonBytes(frame: EndFrame): Uint8Array {
  return frame.reason ? textEncoder.encode(frame.reason) : EMPTY;
}

const EMPTY = new Uint8Array(0);

/**
 * The payload size of `frame` (kind byte included, header excluded).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { payloadSize } from "./sock.ts";
 * assert.ok(payloadSize({ kind: "ping", nonce: 1n }) === 9);
 * ```
 */
export function payloadSize(frame: Frame): number {
  switch (frame.kind) {
    case "msg":
      return MSG_OVERHEAD + frame.data.byteLength;
    case "end":
      return END_OVERHEAD + (frame.reason ? textEncoder.encode(frame.reason).byteLength : 0);
    default:
      return 1 + BODY_SIZE[frame.kind];
  }
}

/**
 * Writes `frame` (header included) into `target` at `offset` and returns the bytes
 * written. `target` must have room for `HEADER_SIZE + payloadSize(frame)` bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { HEADER_SIZE, payloadSize, writeFrame } from "./sock.ts";
 * const frame = { kind: "pong", nonce: 7n } as const;
 * const buf = new Uint8Array(HEADER_SIZE + payloadSize(frame));
 * assert.ok(writeFrame(frame, buf, 0) === buf.length);
 * ```
 */
export function writeFrame(frame: Frame, target: Uint8Array, offset: number): number {
  const reason = frame.kind === "end" ? reasonBytes(frame) : EMPTY;
  const size = frame.kind === "msg"
    ? MSG_OVERHEAD + frame.data.byteLength
    : frame.kind === "end"
    ? END_OVERHEAD + reason.byteLength
    : 1 + BODY_SIZE[frame.kind];
  let p = offset;
  target[p] = 0x49;
  target[p + 1] = 0x50;
  target[p + 2] = 0x43;
  target[p + 3] = 0x54;
  putU32(target, p + 4, size);
  p += HEADER_SIZE;
  target[p++] = KIND_CODES[frame.kind];
  switch (frame.kind) {
    case "connect":
      target[p] = frame.major;
      target[p + 1] = frame.minor;
      target[p + 2] = frame.features;
      target[p + 3] = frame.features >>> 8;
      putU32(target, p + 4, frame.maxPayload);
      putU32(target, p + 8, frame.code);
      break;
    case "msg":
      putCounter(target, p, frame.tag);
      putCounter(target, p + 8, frame.seq);
      putU64(target, p + 16, frame.serviceId);
      target.set(frame.data, p + 24);
      break;
    case "end":
      putCounter(target, p, frame.tag);
      target[p + 8] = frame.keepAlive ? 1 : 0;
      putU32(target, p + 9, frame.code);
      target.set(reason, p + 13);
      break;
    case "credit":
      putCounter(target, p, frame.tag);
      putU32(target, p + 8, frame.bytes);
      break;
    default:
      putU64(target, p, frame.nonce);
  }
  return HEADER_SIZE + size;
}

/**
 * Encodes one frame, header included.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeFrame } from "./sock.ts";
 * const bytes = encodeFrame({ kind: "end", tag: 1, keepAlive: false, code: 0, reason: "" });
 * assert.ok(bytes.length === 8 + 14);
 * ```
 */
export function encodeFrame(frame: Frame): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payloadSize(frame));
  writeFrame(frame, out, 0);
  return out;
}

export { crc64we, formatServiceId, serviceId } from "./service_id.ts";
