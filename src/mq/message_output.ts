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
 * `"encoding":"base64"`, so that every byte survives.
 *
 * @example
 * ```ts
 * import { messageJson } from "./raw_cli.ts";
 * console.assert(messageJson(new Uint8Array([0xff]), 1) === '{"priority":1,"data":"/w==","encoding":"base64"}');
 * ```
 */
export function messageJson(data: Uint8Array, priority: number): string {
  try {
    return JSON.stringify({ priority, data: utf8.decode(data) });
  } catch {
    return JSON.stringify({
      priority,
      data: Buffer.from(data).toString("base64"),
      encoding: "base64",
    });
  }
}
