/**
 * How `ipcat mq recv` prints messages: collected in one buffer for throughput, as JSON
 * lines that keep every byte, or as a hex and ASCII dump.
 *
 * @module
 */
import { writeOut } from "../cli/io.ts";

export class OutputBuffer {
  #buffer = new Uint8Array(1 << 17);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#buffer.byteLength) return;
    const bigger = new Uint8Array(Math.max(this.#buffer.byteLength * 2, this.#length + extra));
    bigger.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = bigger;
  }

  add(bytes: Uint8Array): void {
    this.#reserve(bytes.byteLength);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.byteLength;
  }

  addByte(byte: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = byte;
  }

  async flush(): Promise<void> {
    if (this.#length === 0) return;
    const out = this.#buffer.slice(0, this.#length);
    this.#length = 0;
    await writeOut(out);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * One message as a JSON line: text as is, anything that is not UTF-8 in base64 with
 * `"encoding":"base64"`, so that every byte survives; `received` is when it was taken
 * from the queue (ISO 8601, UTC, milliseconds).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { messageJson } from "./message_output.ts";
 * assert.equal(
 *   messageJson(new Uint8Array([0xff]), 1, 0),
 *   '{"priority":1,"data":"/w==","encoding":"base64","received":"1970-01-01T00:00:00.000Z"}',
 * );
 * ```
 */
export function messageJson(data: Uint8Array, priority: number, receivedAt: number): string {
  const received = new Date(receivedAt).toISOString();
  try {
    return JSON.stringify({ priority, data: utf8.decode(data), received });
  } catch {
    return JSON.stringify({
      priority,
      data: Buffer.from(data).toString("base64"),
      encoding: "base64",
      received,
    });
  }
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const printable = (byte: number) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".");

/**
 * `data` as `hexdump -C` shows it: offset, 16 bytes in hex in two groups of 8, the same
 * bytes as ASCII (`.` for the rest), a `*` for repeats of the line before, and the length
 * last. Nothing at all for no bytes, as hexdump.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { hexDump } from "./message_output.ts";
 * assert.equal(hexDump(new TextEncoder().encode("abc")), "00000000  61 62 63" + " ".repeat(42) + "|abc|\n00000003\n");
 * ```
 */
export function hexDump(data: Uint8Array): string {
  if (data.byteLength === 0) return "";
  let out = "";
  let previous: string | null = null;
  let squeezed = false;
  for (let offset = 0; offset < data.byteLength; offset += 16) {
    const line = data.subarray(offset, offset + 16);
    const key = line.byteLength === 16 ? line.join(",") : null;
    if (key !== null && key === previous) {
      if (!squeezed) out += "*\n";
      squeezed = true;
      continue;
    }
    previous = key;
    squeezed = false;
    let bytes = "";
    for (let i = 0; i < 16; i++) {
      bytes += i < line.byteLength ? `${hex(line[i]!, 2)} ` : "   ";
      if (i === 7) bytes += " ";
    }
    out += `${hex(offset, 8)}  ${bytes} |${Array.from(line, printable).join("")}|\n`;
  }
  return out + `${hex(data.byteLength, 8)}\n`;
}
