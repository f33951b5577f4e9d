/**
 * Hashing on Bun's native hasher, which costs nothing to load (`node:crypto` costs a
 * docker command about 2 ms at start, for one hash of a context name).
 *
 * @module
 */

/** The SHA-256 of `text` (UTF-8), as lowercase hex. */
export function sha256Hex(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}
