/**
 * The wire format of the ipcat socket protocol, version 1 (`docs/sock-protocol.md`):
 * pure encoders, an incremental decoder and the CRC-64/WE service ids. No I/O here; the
 * CLI, the library, the tests and the benchmark all share these functions.
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
import { IpcatError } from "../errors.ts";

/** The four magic bytes that open every frame: `IPCT`. */
export const MAGIC: readonly number[] = [0x49, 0x50, 0x43, 0x54];
/** Bytes before the payload: magic and size. */
export const HEADER_SIZE = 8;
/** The default largest payload a peer accepts (1 MiB). */
export const DEFAULT_MAX_PAYLOAD = 1 << 20;
/**
 * The protocol version this code speaks (1.1: per-channel credit; 1.2: the END codes
 * `invalid` and `deadline_exceeded` of typed services; 1.3: `ipcat.exec` on a terminal,
 * its resize message and END `tty_not_allowed`; see the spec).
 */
export const PROTOCOL_VERSION = { major: 1, minor: 3 } as const;
/**
 * CONNECT feature bit: per-channel credit-based flow control (protocol 1.1). It is in
 * force when both sides' CONNECT carry it; otherwise version 1.0's connection-level
 * back-pressure applies.
 */
export const FEATURE_CHANNEL_CREDIT = 1;
/**
 * The receive window each side grants each channel at its opening under
 * {@link FEATURE_CHANNEL_CREDIT}: data bytes of MSGs after the opening one.
 */
export const INITIAL_WINDOW = 256 * 1024;

/** The byte that opens each payload. */
export const KIND_CODES = { connect: 1, msg: 2, end: 3, ping: 4, pong: 5, credit: 6 } as const;
/** A frame kind by name. */
export type FrameKind = keyof typeof KIND_CODES;

/** Bytes of each kind's fixed body, after the kind byte. */
const BODY_SIZE = { connect: 12, msg: 24, end: 13, ping: 8, pong: 8, credit: 12 } as const;
/** Bytes of a MSG payload before its data: kind, tag, seq, service id. */
export const MSG_OVERHEAD = 1 + BODY_SIZE.msg;
/** Bytes of an END payload before its reason: kind, tag, keep_alive, code. */
export const END_OVERHEAD = 1 + BODY_SIZE.end;
/**
 * The smallest `max_payload` a peer may announce in CONNECT (`docs/sock-protocol.md`):
 * room for every frame kind with a useful payload (an `ipcat.exec` exit status, an
 * `ipcat.services` listing, an END with a short reason). A CONNECT announcing less is
 * refused with code `invalid_argument`.
 */
export const MIN_MAX_PAYLOAD = 256;
/**
 * The largest CONNECT payload a server takes before the handshake: CONNECT's 13 bytes
 * and room for fields a later minor version may append. It bounds what a connection that
 * has not completed its handshake can make a server buffer.
 */
export const MAX_CONNECT_PAYLOAD = 64;

/** The status codes carried by CONNECT and END, as in the spec. */
export const STATUS_CODES = {
  ok: 0,
  other: 1,
  busy: 2,
  no_entry: 3,
  canceled: 4,
  timed_out: 5,
  shutdown: 6,
  out_of_memory: 7,
  disconnected: 8,
  not_connected: 9,
  already_exists: 10,
  invalid_argument: 11,
  operation_in_progress: 12,
  unsupported_version: 13,
  permission_denied: 14,
  too_large: 15,
  invalid: 16,
  deadline_exceeded: 17,
  tty_not_allowed: 18,
} as const;
/** A status by name. */
export type StatusName = keyof typeof STATUS_CODES;

const STATUS_NAMES = Object.fromEntries(
  Object.entries(STATUS_CODES).map(([name, code]) => [code, name]),
) as Record<number, StatusName>;

/**
 * The name of a status code, or `code N` for one this version does not know.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { statusName } from "./sock.ts";
 * assert.ok(statusName(3) === "no_entry");
 * assert.ok(statusName(99) === "code 99");
 * ```
 */
export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `code ${code}`;
}

/** Version handshake: the first frame each way. */
export interface ConnectFrame {
  kind: "connect";
  major: number;
  minor: number;
  features: number;
  maxPayload: number;
  code: number;
}

/** A message on a channel. `tag` and `seq` stay below 2^53 (see the spec). */
export interface MsgFrame {
  kind: "msg";
  tag: number;
  seq: number;
  serviceId: bigint;
  data: Uint8Array;
}

/** The end of a channel (final) or of one direction of it (`keepAlive`: half-close). */
export interface EndFrame {
  kind: "end";
  tag: number;
  keepAlive: boolean;
  code: number;
  reason: string;
}

/** A liveness probe, or its answer. */
export interface PingFrame {
  kind: "ping" | "pong";
  nonce: bigint;
}

/** More receive window for one channel (protocol 1.1, {@link FEATURE_CHANNEL_CREDIT}). */
export interface CreditFrame {
  kind: "credit";
  tag: number;
  /** Data bytes the sender of this frame may now receive on top of what it granted before. */
  bytes: number;
}

/** Any frame of protocol version 1. */
export type Frame = ConnectFrame | MsgFrame | EndFrame | PingFrame | CreditFrame;

/** Why a byte stream is not a valid frame sequence. */
export type FrameProblem =
  | "bad_magic"
  | "empty"
  | "too_large"
  | "unknown_kind"
  | "malformed"
  | "truncated";

/**
 * A byte stream that breaks the framing. The connection it came from cannot be trusted
 * any more and is closed; `problem` says why, for the log line.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { FrameDecoder, FrameError } from "./sock.ts";
 * const d = new FrameDecoder();
 * d.push(new TextEncoder().encode("START\n"));
 * try { d.next(); } catch (e) { assert.ok(e instanceof FrameError && e.problem === "bad_magic"); }
 * ```
 */
export class FrameError extends IpcatError {
  readonly problem: FrameProblem;
  constructor(problem: FrameProblem, message: string) {
    super(problem === "too_large" ? "limit" : "protocol", message, {
      hint: problem === "bad_magic"
        ? "the peer does not speak the ipcat protocol (for line protocols use 'serve --raw' and 'connect')"
        : "the peer is broken or not an ipcat peer",
    });
    this.problem = problem;
  }
}

const POW32 = 2 ** 32;
/** `tag` and `seq` are u64 on the wire; JavaScript numbers hold them exactly below 2^53. */
const MAX_COUNTER_HIGH = 2 ** 21;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

function putU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v;
  b[p + 1] = v >>> 8;
  b[p + 2] = v >>> 16;
  b[p + 3] = v >>> 24;
}

function counter(b: Uint8Array, p: number, what: string): number {
  const high = u32(b, p + 4);
  if (high >= MAX_COUNTER_HIGH) {
    throw new FrameError("malformed", `${what} is 2^53 or more, beyond what ipcat tracks`);
  }
  return high * POW32 + u32(b, p);
}

function putCounter(b: Uint8Array, p: number, v: number): void {
  putU32(b, p, v % POW32);
  putU32(b, p + 4, Math.floor(v / POW32));
}

// Service ids repeat on every MSG of a channel: the last one decoded and the last one
// encoded are kept, so that the per-message path makes no BigInt.
let decodedLow = -1;
let decodedHigh = -1;
let decodedId = 0n;
let encodedId = -1n;
let encodedLow = 0;
let encodedHigh = 0;

function u64(b: Uint8Array, p: number): bigint {
  const low = u32(b, p);
  const high = u32(b, p + 4);
  if (low !== decodedLow || high !== decodedHigh) {
    decodedLow = low;
    decodedHigh = high;
    decodedId = (BigInt(high) << 32n) | BigInt(low);
  }
  return decodedId;
}

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

/**
 * Decodes one complete payload (kind byte first). Throws {@link FrameError} for an
 * unknown kind or a body too short for its kind. MSG data is a view into `payload`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodePayload } from "./sock.ts";
 * const f = decodePayload(new Uint8Array([4, 1, 0, 0, 0, 0, 0, 0, 0]));
 * assert.ok(f.kind === "ping" && f.nonce === 1n);
 * ```
 */
export function decodePayload(payload: Uint8Array): Frame {
  return decodeAt(payload, 0, payload.byteLength);
}

/** Decodes the payload of `size` bytes at `o` in `b`, without a view of it (one less per frame). */
function decodeAt(b: Uint8Array, o: number, size: number): Frame {
  const kindCode = b[o];
  const kind = kindCode === 2
    ? "msg"
    : kindCode === 3
    ? "end"
    : kindCode === 1
    ? "connect"
    : kindCode === 4
    ? "ping"
    : kindCode === 5
    ? "pong"
    : kindCode === 6
    ? "credit"
    : undefined;
  if (kind === undefined) {
    throw new FrameError("unknown_kind", `unknown frame kind ${kindCode ?? "(none)"}`);
  }
  if (size < 1 + BODY_SIZE[kind]) {
    throw new FrameError(
      "malformed",
      `${kind.toUpperCase()} frame of ${size} bytes is shorter than its ${
        1 + BODY_SIZE[kind]
      }-byte minimum`,
    );
  }
  switch (kind) {
    case "msg":
      return {
        kind,
        tag: counter(b, o + 1, "tag"),
        seq: counter(b, o + 9, "seq"),
        serviceId: u64(b, o + 17),
        data: b.subarray(o + MSG_OVERHEAD, o + size),
      };
    case "end":
      return {
        kind,
        tag: counter(b, o + 1, "tag"),
        keepAlive: b[o + 9] !== 0,
        code: u32(b, o + 10),
        reason: size > END_OVERHEAD
          ? textDecoder.decode(b.subarray(o + END_OVERHEAD, o + size))
          : "",
      };
    case "credit":
      return { kind, tag: counter(b, o + 1, "tag"), bytes: u32(b, o + 9) };
    case "connect":
      return {
        kind,
        major: b[o + 1]!,
        minor: b[o + 2]!,
        features: b[o + 3]! | (b[o + 4]! << 8),
        maxPayload: u32(b, o + 5),
        code: u32(b, o + 9),
      };
    default:
      return { kind, nonce: u64(b, o + 1) };
  }
}

/**
 * The incremental frame decoder. Push chunks as they arrive, split anywhere; pull
 * frames with {@link FrameDecoder.next} until it returns `null`. A broken stream throws
 * {@link FrameError} as early as the bytes seen prove it (a bad magic byte is reported
 * on its own, without waiting for a whole header), and stays broken.
 *
 * Frames whole inside one pushed chunk are decoded in place (MSG data is a view into the
 * chunk); only a frame split across chunks is copied, once.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeFrame, FrameDecoder } from "./sock.ts";
 * const bytes = encodeFrame({ kind: "ping", nonce: 9n });
 * const d = new FrameDecoder();
 * for (const b of bytes) d.push(new Uint8Array([b]));
 * assert.ok(d.next()?.kind === "ping" && d.next() === null);
 * ```
 */
export class FrameDecoder {
  /** The largest payload accepted; a server raises it once the handshake is done. */
  maxPayload: number;
  #buf: Uint8Array = EMPTY;
  #pos = 0;
  #end = 0;
  /** True while `#buf` is our own accumulation buffer (so it may be appended to). */
  #owned = false;
  #failure: FrameError | null = null;

  constructor(maxPayload: number = DEFAULT_MAX_PAYLOAD) {
    this.maxPayload = maxPayload;
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#end - this.#pos;
  }

  /** Adds received bytes. The decoder keeps a reference to `chunk`: do not reuse it. */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (this.#pos === this.#end) {
      this.#buf = chunk;
      this.#pos = 0;
      this.#end = chunk.byteLength;
      this.#owned = false;
      return;
    }
    const pending = this.#end - this.#pos;
    const needed = pending + chunk.byteLength;
    if (this.#owned && this.#buf.byteLength - this.#end >= chunk.byteLength) {
      this.#buf.set(chunk, this.#end);
      this.#end += chunk.byteLength;
      return;
    }
    // Grow by doubling (each byte is copied a bounded number of times), but never past the
    // frame being assembled: a peer's size field alone must not make us allocate.
    const frameEnd = pending >= HEADER_SIZE
      ? HEADER_SIZE + u32(this.#buf, this.#pos + 4)
      : Infinity;
    const doubled = Math.max(256, 2 * (this.#owned ? this.#buf.byteLength : needed));
    const grown = new Uint8Array(Math.max(needed, Math.min(doubled, frameEnd)));
    grown.set(this.#buf.subarray(this.#pos, this.#end), 0);
    grown.set(chunk, pending);
    this.#buf = grown;
    this.#pos = 0;
    this.#end = needed;
    this.#owned = true;
  }

  /** The next complete frame, or `null` when more bytes are needed. */
  next(): Frame | null {
    if (this.#failure) throw this.#failure;
    const buf = this.#buf;
    const pos = this.#pos;
    const available = this.#end - pos;
    if (available === 0) return null;
    if (available < HEADER_SIZE) {
      this.#checkMagic(buf, pos, Math.min(available, 4));
      return null;
    }
    if (
      buf[pos] !== 0x49 || buf[pos + 1] !== 0x50 || buf[pos + 2] !== 0x43 || buf[pos + 3] !== 0x54
    ) {
      this.#checkMagic(buf, pos, 4);
    }
    const size = u32(buf, pos + 4);
    if (size === 0) throw this.#fail(new FrameError("empty", "frame with size 0"));
    if (size > this.maxPayload) {
      throw this.#fail(
        new FrameError(
          "too_large",
          `frame of ${size} bytes is over the ${this.maxPayload}-byte limit`,
        ),
      );
    }
    if (available === HEADER_SIZE) return null;
    const kind = buf[pos + HEADER_SIZE]!;
    if (kind < 1 || kind > 6) {
      throw this.#fail(new FrameError("unknown_kind", `unknown frame kind ${kind}`));
    }
    if (available < HEADER_SIZE + size) return null;
    const start = pos + HEADER_SIZE;
    let frame: Frame;
    try {
      frame = decodeAt(buf, start, size);
    } catch (error) {
      throw this.#fail(error as FrameError);
    }
    this.#pos = start + size;
    if (this.#pos === this.#end) {
      this.#buf = EMPTY;
      this.#pos = this.#end = 0;
      this.#owned = false;
    }
    return frame;
  }

  /**
   * Declares the end of the stream: throws `truncated` when it stopped inside a frame.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { FrameDecoder } from "./sock.ts";
   * const d = new FrameDecoder();
   * d.push(new Uint8Array([0x49, 0x50]));
   * try { d.finish(); } catch (e) { assert.ok((e as { problem?: string }).problem === "truncated"); }
   * ```
   */
  finish(): void {
    if (this.#failure) throw this.#failure;
    const left = this.#end - this.#pos;
    if (left > 0) {
      throw this.#fail(
        new FrameError("truncated", `stream ended inside a frame (${left} bytes of it received)`),
      );
    }
  }

  #checkMagic(buf: Uint8Array, pos: number, count: number): void {
    for (let i = 0; i < count; i++) {
      if (buf[pos + i] !== MAGIC[i]) {
        const seen = Array.from(
          buf.subarray(pos, pos + Math.min(this.#end - pos, 4)),
          (b) => b.toString(16).padStart(2, "0"),
        ).join(" ");
        throw this.#fail(
          new FrameError("bad_magic", `bad magic bytes ${seen} (expected 49 50 43 54, "IPCT")`),
        );
      }
    }
  }

  #fail(error: FrameError): FrameError {
    this.#failure = error;
    return error;
  }
}

export { crc64we, formatServiceId, serviceId } from "./service_id.ts";
