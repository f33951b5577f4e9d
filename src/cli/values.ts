/**
 * The value types that options of every family share: durations, octal modes, byte
 * sizes and counts. Each is a valibot schema from the text on the command line to the
 * value, so the same mistake gets the same one-line message in every command.
 *
 * Docker options do not use these: they keep the docker CLI's own forms.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as v from "valibot";
 * import { Bytes, Count, Duration, Mode } from "./values.ts";
 * assert.equal(v.parse(Duration, "250ms"), 250);
 * assert.equal(v.parse(Duration, "1.5s"), 1500);
 * assert.equal(v.parse(Duration, "2m"), 120_000);
 * assert.equal(v.parse(Duration, "3"), 3000);
 * assert.equal(v.parse(Mode, "600"), 0o600);
 * assert.equal(v.parse(Mode, "0600"), 0o600);
 * assert.equal(v.parse(Bytes, "64KiB"), 65536);
 * assert.equal(v.parse(Bytes, "1M"), 1 << 20);
 * assert.equal(v.parse(Count, "12"), 12);
 * assert.equal(v.safeParse(Duration, "soon").success, false);
 * ```
 *
 * @module
 */
import * as v from "valibot";

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/;

/** The message every duration option gives for a value it cannot read. */
export const DURATION_MESSAGE =
  "expected a duration such as 250ms, 1.5s, 2m or 1h; a bare number means seconds";

/**
 * Parses a duration (`250ms`, `1.5s`, `2m`, `1h`; a bare number means seconds) into
 * milliseconds, or returns undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseDuration } from "./values.ts";
 * assert.equal(parseDuration("0.25"), 250);
 * assert.equal(parseDuration("1m30s"), undefined);
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? "s"]!);
}

/** A duration option's value, in milliseconds. */
export const Duration: v.GenericSchema<string, number> = v.pipe(
  v.string(),
  v.check((text) => parseDuration(text) !== undefined, DURATION_MESSAGE),
  v.transform((text) => parseDuration(text)!),
);

/** The message every mode option gives for a value it cannot read. */
export const MODE_MESSAGE = "expected an octal file mode such as 600 or 0600";

/** A file mode in octal (`600`, `0600`, `1777`), as chmod takes it. */
export const Mode: v.GenericSchema<string, number> = v.pipe(
  v.string(),
  v.regex(/^0?[0-7]{3}$|^[0-7]{4}$/, MODE_MESSAGE),
  v.transform((text) => parseInt(text, 8)),
);

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};
const BYTES = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** The message every size option gives for a value it cannot read. */
export const BYTES_MESSAGE =
  "expected a size such as 4096, 64KiB or 1M (K, M, G and KiB… are powers of 1024; KB, MB, GB of 1000)";

/** Parses a byte size (`4096`, `64KiB`, `1M`, `2GB`) into bytes, or returns undefined. */
export function parseBytes(text: string): number | undefined {
  const match = BYTES.exec(text.trim());
  const unit = match ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) return undefined;
  const bytes = Number(match[1]) * unit;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A byte size option's value, in bytes. */
export const Bytes: v.GenericSchema<string, number> = v.pipe(
  v.string(),
  v.check((text) => parseBytes(text) !== undefined, BYTES_MESSAGE),
  v.transform((text) => parseBytes(text)!),
);

/** The message every count option gives for a value it cannot read. */
export const COUNT_MESSAGE = "expected a whole number such as 0, 1 or 10";

/** A whole number of things, 0 or more. */
export const Count: v.GenericSchema<string, number> = v.pipe(
  v.string(),
  v.regex(/^\d+$/, COUNT_MESSAGE),
  v.transform(Number),
  v.safeInteger(COUNT_MESSAGE),
);

/** A whole number from `min` to `max`, with a message that names the range. */
export function countBetween(min: number, max: number): v.GenericSchema<string, number> {
  const message = `expected a whole number from ${min} to ${max}`;
  return v.pipe(
    v.string(),
    v.regex(/^\d+$/, message),
    v.transform(Number),
    v.minValue(min, message),
    v.maxValue(max, message),
  );
}
