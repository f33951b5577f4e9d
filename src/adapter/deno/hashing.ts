/**
 * Hashing on `node:crypto`, which Deno provides natively.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** The SHA-256 of `text` (UTF-8), as lowercase hex. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
