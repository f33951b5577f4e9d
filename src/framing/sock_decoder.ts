/**
 * The reading half of the ipcat socket protocol's codec: a payload decoded in place, and
 * the incremental {@link FrameDecoder} for a byte stream. `./sock.ts` re-exports both.
 *
 * @module
 */
import {
  BODY_SIZE,
  DEFAULT_MAX_PAYLOAD,
  END_OVERHEAD,
  type Frame,
  FrameError,
  HEADER_SIZE,
  MAGIC,
  MSG_OVERHEAD,
} from "./sock_frames.ts";

const POW32 = 2 ** 32;
/** `tag` and `seq` are u64 on the wire; JavaScript numbers hold them exactly below 2^53. */
const MAX_COUNTER_HIGH = 2 ** 21;
const textDecoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

function counter(b: Uint8Array, p: number, what: string): number {
  const high = u32(b, p + 4);
  if (high >= MAX_COUNTER_HIGH) {
    throw new FrameError("malformed", `${what} is 2^53 or more, beyond what ipcat tracks`);
  }
  return high * POW32 + u32(b, p);
}

// Service ids repeat on every MSG of a channel: the last one decoded is kept, so that
// the per-message path makes no BigInt.
let decodedLow = -1;
let decodedHigh = -1;
let decodedId = 0n;

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
