/**
 * Docker's "stdcopy" multiplexing of a non-TTY container's output: frames of an 8-byte
 * header `[stream, 0, 0, 0, size as u32 big-endian]` followed by `size` bytes.
 *
 * Pure functions over `Uint8Array`, shared by the CLI, the library, tests and benchmarks.
 * The demultiplexer is incremental: a header or a payload may be split across any number
 * of reads, and payload bytes are handed out as soon as they arrive (a 1 MiB frame is
 * never buffered whole).
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import { concatBytes } from "./bytes.ts";

/** Which stream a frame belongs to: 0 stdin (echoed, shown on stdout), 1 stdout, 2 stderr, 3 system error. */
export type StdcopyStream = 0 | 1 | 2 | 3;

/** The stream byte of stdin frames (a TTY-less echo; written to stdout like the CLI does). */
export const STDCOPY_STDIN = 0;
/** The stream byte of stdout frames. */
export const STDCOPY_STDOUT = 1;
/** The stream byte of stderr frames. */
export const STDCOPY_STDERR = 2;
/** The stream byte of a "system error" frame: the daemon ends the stream with that message. */
export const STDCOPY_SYSTEM_ERROR = 3;

/** Length of a frame header. */
export const STDCOPY_HEADER_SIZE = 8;

/** A piece of one frame's payload, in arrival order. */
export interface StdcopyChunk {
  stream: StdcopyStream;
  data: Uint8Array;
}

/**
 * Encodes one frame: header plus payload.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeStdcopyFrame } from "./stdcopy.ts";
 * const frame = encodeStdcopyFrame(2, new TextEncoder().encode("oops\n"));
 * assert.ok(frame[0] === 2 && frame[7] === 5 && frame.length === 13);
 * ```
 */
export function encodeStdcopyFrame(stream: StdcopyStream, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(STDCOPY_HEADER_SIZE + payload.byteLength);
  frame[0] = stream;
  new DataView(frame.buffer).setUint32(4, payload.byteLength);
  frame.set(payload, STDCOPY_HEADER_SIZE);
  return frame;
}

/**
 * Incremental stdcopy demultiplexer. Feed it reads with {@link StdcopyDemuxer.push}; call
 * {@link StdcopyDemuxer.end} at end of stream to learn whether a frame was cut short.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeStdcopyFrame, StdcopyDemuxer } from "./stdcopy.ts";
 * const wire = encodeStdcopyFrame(1, new TextEncoder().encode("hello"));
 * const demux = new StdcopyDemuxer();
 * const first = demux.push(wire.subarray(0, 3)); // half a header: nothing yet
 * const rest = demux.push(wire.subarray(3));
 * demux.end();
 * assert.ok(first.length === 0 && rest[0]!.stream === 1);
 * assert.ok(new TextDecoder().decode(rest[0]!.data) === "hello");
 * ```
 */
export class StdcopyDemuxer {
  readonly #header = new Uint8Array(STDCOPY_HEADER_SIZE);
  #headerFill = 0;
  #stream: StdcopyStream = 1;
  /** Payload bytes still due for the current frame; 0 means a header comes next. */
  #remaining = 0;

  /**
   * Consumes one read and returns the payload pieces it completed, in order. The pieces
   * are views into `chunk` (or into a small header buffer): copy them to keep them.
   */
  push(chunk: Uint8Array): StdcopyChunk[] {
    const out: StdcopyChunk[] = [];
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (this.#remaining === 0) {
        const take = Math.min(STDCOPY_HEADER_SIZE - this.#headerFill, chunk.byteLength - offset);
        this.#header.set(chunk.subarray(offset, offset + take), this.#headerFill);
        this.#headerFill += take;
        offset += take;
        if (this.#headerFill < STDCOPY_HEADER_SIZE) break;
        this.#headerFill = 0;
        const stream = this.#header[0]!;
        if (
          stream > STDCOPY_SYSTEM_ERROR || this.#header[1] !== 0 || this.#header[2] !== 0 ||
          this.#header[3] !== 0
        ) {
          throw new IpcatError(
            "protocol",
            `not a stdcopy frame header: ${
              Array.from(this.#header, (b) => b.toString(16).padStart(2, "0")).join(" ")
            }`,
          );
        }
        this.#stream = stream as StdcopyStream;
        this.#remaining = (this.#header[4]! << 24 >>> 0) + (this.#header[5]! << 16) +
          (this.#header[6]! << 8) + this.#header[7]!;
        continue;
      }
      const take = Math.min(this.#remaining, chunk.byteLength - offset);
      out.push({ stream: this.#stream, data: chunk.subarray(offset, offset + take) });
      this.#remaining -= take;
      offset += take;
    }
    return out;
  }

  /** True when the bytes so far end exactly at a frame boundary. */
  get atBoundary(): boolean {
    return this.#headerFill === 0 && this.#remaining === 0;
  }

  /** Declares end of stream; throws an {@link IpcatError} with code `protocol` if it cut a frame short. */
  end(): void {
    if (!this.atBoundary) {
      throw new IpcatError(
        "protocol",
        this.#remaining > 0
          ? `stream ended ${this.#remaining} bytes short of the end of a frame`
          : `stream ended inside a frame header (${this.#headerFill} of 8 bytes)`,
      );
    }
  }
}

/**
 * Demultiplexes a complete buffer at once, joining each stream's bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { demultiplexAll, encodeStdcopyFrame } from "./stdcopy.ts";
 * const enc = new TextEncoder();
 * const wire = new Uint8Array([...encodeStdcopyFrame(1, enc.encode("out")), ...encodeStdcopyFrame(2, enc.encode("err"))]);
 * const { stdout, stderr } = demultiplexAll(wire);
 * assert.ok(new TextDecoder().decode(stdout) === "out" && new TextDecoder().decode(stderr) === "err");
 * ```
 */
export function demultiplexAll(
  wire: Uint8Array,
): { stdout: Uint8Array; stderr: Uint8Array; systemError: Uint8Array } {
  const demux = new StdcopyDemuxer();
  const parts: Record<"stdout" | "stderr" | "systemError", Uint8Array[]> = {
    stdout: [],
    stderr: [],
    systemError: [],
  };
  for (const { stream, data } of demux.push(wire)) {
    parts[
      stream === STDCOPY_STDERR
        ? "stderr"
        : stream === STDCOPY_SYSTEM_ERROR
        ? "systemError"
        : "stdout"
    ].push(data);
  }
  demux.end();
  return {
    stdout: concatBytes(parts.stdout),
    stderr: concatBytes(parts.stderr),
    systemError: concatBytes(parts.systemError),
  };
}
