/**
 * C strings for libc calls.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { cString } from "./cstring.ts";
 * assert.deepEqual([...cString("/q")], [0x2f, 0x71, 0]);
 * ```
 *
 * @module
 */

const encoder = new TextEncoder();

/** A NUL-terminated UTF-8 copy of `text`, for C string arguments. */
export function cString(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.byteLength + 1);
  out.set(bytes);
  return out;
}
