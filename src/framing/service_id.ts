/**
 * Service ids of the ipcat socket protocol: the CRC-64/WE of a service's UTF-8 name
 * (`docs/sock-protocol.md`), and how logs and END reasons write them.
 *
 * @module
 */

const textEncoder = new TextEncoder();

const CRC64_WE_POLY = 0x42f0e1eba9ea3693n;
const MASK64 = 0xffffffffffffffffn;
const CRC64_TABLE: bigint[] = Array.from({ length: 256 }, (_, byte) => {
  let crc = BigInt(byte) << 56n;
  for (let bit = 0; bit < 8; bit++) {
    crc = crc & (1n << 63n) ? ((crc << 1n) ^ CRC64_WE_POLY) & MASK64 : (crc << 1n) & MASK64;
  }
  return crc;
});

/**
 * CRC-64/WE (poly 0x42F0E1EBA9EA3693, init and xorout all ones, not reflected).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { crc64we } from "./service_id.ts";
 * assert.ok(crc64we(new TextEncoder().encode("123456789")) === 0x62ec59e3f1a4f00an);
 * ```
 */
export function crc64we(bytes: Uint8Array): bigint {
  let crc = MASK64;
  for (const byte of bytes) crc = CRC64_TABLE[Number(crc >> 56n) ^ byte]! ^ ((crc << 8n) & MASK64);
  return crc ^ MASK64;
}

const serviceIds = new Map<string, bigint>();

/**
 * The service id of a service name: CRC-64/WE of its UTF-8 bytes (cached).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { serviceId } from "./service_id.ts";
 * assert.ok(serviceId("123456789") === 0x62ec59e3f1a4f00an);
 * ```
 */
export function serviceId(name: string): bigint {
  let id = serviceIds.get(name);
  if (id === undefined) {
    id = crc64we(textEncoder.encode(name));
    serviceIds.set(name, id);
  }
  return id;
}

/**
 * A service id as the logs and END reasons show it: `0x` and 16 hex digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatServiceId } from "./service_id.ts";
 * assert.ok(formatServiceId(255n) === "0x00000000000000ff");
 * ```
 */
export function formatServiceId(id: bigint): string {
  return `0x${id.toString(16).padStart(16, "0")}`;
}
