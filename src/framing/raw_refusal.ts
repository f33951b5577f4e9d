/**
 * The one message a raw (`serve --raw`) server sends on its own: the notice that it
 * refused a connection, so that the client can tell a refusal from a command that wrote
 * nothing. It opens with a NUL byte, which no line protocol's reply starts with:
 *
 * ```
 * notice = NUL "ipcat refused " cause ": " reason LF        cause = "busy" | "permission"
 * ```
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeRawRefusal, encodeRawRefusal } from "./raw_refusal.ts";
 * const bytes = encodeRawRefusal("busy", "already serving --max-clients 1");
 * assert.ok(decodeRawRefusal(bytes)?.cause === "busy");
 * assert.ok(decodeRawRefusal(new TextEncoder().encode("SUCCESS\n")) === null);
 * ```
 *
 * @module
 */

/** Why a raw server refused a connection. */
export type RawRefusalCause = "busy" | "permission";

/** A decoded refusal notice. */
export interface RawRefusal {
  cause: RawRefusalCause;
  reason: string;
}

const PREFIX = "\0ipcat refused ";
const PREFIX_BYTES = new TextEncoder().encode(PREFIX);
/** Notices are short: a reason longer than this is cut (the client reads no further). */
export const MAX_RAW_REFUSAL = 512;

/** Encodes a refusal notice. */
export function encodeRawRefusal(cause: RawRefusalCause, reason: string): Uint8Array {
  const bytes = new TextEncoder().encode(`${PREFIX}${cause}: ${reason.replace(/\n/g, " ")}\n`);
  return bytes.byteLength <= MAX_RAW_REFUSAL ? bytes : bytes.subarray(0, MAX_RAW_REFUSAL);
}

/**
 * Whether `start` (the first bytes a raw server sent) could still become a notice:
 * true while it is a prefix of the notice's fixed opening.
 */
export function mayBeRawRefusal(start: Uint8Array): boolean {
  const n = Math.min(start.byteLength, PREFIX_BYTES.byteLength);
  for (let i = 0; i < n; i++) if (start[i] !== PREFIX_BYTES[i]) return false;
  return true;
}

/**
 * The notice at the start of `bytes`, or `null` when `bytes` does not start with one
 * (ordinary output) or does not hold a whole one yet.
 */
export function decodeRawRefusal(bytes: Uint8Array): RawRefusal | null {
  if (bytes.byteLength <= PREFIX_BYTES.byteLength || !mayBeRawRefusal(bytes)) return null;
  const end = bytes.indexOf(0x0a);
  if (end < 0) return null;
  const text = new TextDecoder().decode(bytes.subarray(PREFIX_BYTES.byteLength, end));
  const colon = text.indexOf(": ");
  const cause = text.slice(0, colon);
  if (colon < 0 || (cause !== "busy" && cause !== "permission")) return null;
  return { cause, reason: text.slice(colon + 2) };
}
