/**
 * "Did you mean …?" for mistyped commands and options.
 *
 * @module
 */

/**
 * The edit distance between two strings (insertions, deletions, substitutions and
 * swaps of neighbours each count one).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { editDistance } from "./suggest.ts";
 * assert.ok(editDistance("sned", "send") === 1);
 * ```
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from(
    { length: rows },
    (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[rows - 1]![cols - 1]!;
}

/**
 * The closest of `candidates` to `input`, or `undefined` when none is close enough to
 * be a plausible typo (a prefix counts as close).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { closest } from "./suggest.ts";
 * assert.ok(closest("recieve", ["send", "recv", "receive"]) === "receive");
 * assert.ok(closest("zzz", ["send", "recv"]) === undefined);
 * ```
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(input) && input.length >= 2
      ? 0.5
      : editDistance(input, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(input.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** `(did you mean X?)`-style hint text, or a fallback when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[], fallback: string): string {
  const match = closest(input, candidates);
  return match === undefined ? fallback : `did you mean '${match}'?`;
}
