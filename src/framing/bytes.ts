/**
 * Byte-array helpers shared by the framing code.
 *
 * @module
 */

/**
 * Joins byte arrays into one (returns the only one untouched when there is just one).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { concatBytes } from "./bytes.ts";
 * assert.ok(concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]).length === 3);
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
