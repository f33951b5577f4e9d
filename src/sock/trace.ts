/**
 * `--trace`: each chunk of a raw relay dumped to stderr in hex and ASCII, as socat's `-x`
 * and `-v` do, with its direction (`>` sent to the peer, `<` received from it), size and
 * offset in that direction's stream.
 *
 * @module
 */
import type { ByteReader, ByteWriter } from "../adapter/mod.ts";
import { writeErr } from "../cli/io.ts";

/** Dumps a chunk that went one way. */
export type Tracer = (direction: ">" | "<", data: Uint8Array) => void;

/**
 * The hex and ASCII lines of `data` (16 bytes a line), offsets counted from `offset`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { hexDump } from "./trace.ts";
 * assert.equal(hexDump(new TextEncoder().encode("OK\n")), "  00000000  4f 4b 0a" + " ".repeat(39) + "  |OK.|\n");
 * ```
 */
export function hexDump(data: Uint8Array, offset = 0): string {
  let out = "";
  for (let start = 0; start < data.byteLength; start += 16) {
    const row = data.subarray(start, start + 16);
    const hex = Array.from(row, (byte) => byte.toString(16).padStart(2, "0")).join(" ");
    const ascii = Array.from(
      row,
      (byte) => byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".",
    )
      .join("");
    out += `  ${(offset + start).toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  |${ascii}|\n`;
  }
  return out;
}

/** A tracer whose dumps are written in the background; `flushed()` once all are out. */
export type BackgroundTracer = Tracer & { flushed(): Promise<void> };

/** A tracer writing to stderr, each chunk headed by `label`, direction, size and offset. */
export function stderrTracer(label: string): BackgroundTracer {
  const offsets = { ">": 0, "<": 0 };
  let pending = Promise.resolve();
  const trace: Tracer = (direction, data) => {
    const offset = offsets[direction];
    offsets[direction] += data.byteLength;
    const text = `${direction} ${label} ${data.byteLength} bytes at ${offset}\n${
      hexDump(data, offset)
    }`;
    // In order, whatever the writes' timing.
    pending = pending.then(() => writeErr(text)).catch(() => {});
  };
  // Awaited before exiting: the last chunks' dumps are not lost to the exit.
  return Object.assign(trace, { flushed: () => pending });
}

/** `reader`, with each chunk read traced as going `direction`. */
export function tracedReader(reader: ByteReader, trace: Tracer, direction: ">" | "<"): ByteReader {
  return {
    async read() {
      const chunk = await reader.read();
      if (chunk) trace(direction, chunk);
      return chunk;
    },
    cancel: () => reader.cancel(),
  };
}

/** `writer`, with each chunk written traced as going `direction`. */
export function tracedWriter(writer: ByteWriter, trace: Tracer, direction: ">" | "<"): ByteWriter {
  return {
    write(data) {
      trace(direction, data);
      return writer.write(data);
    },
    close: () => writer.close(),
  };
}
