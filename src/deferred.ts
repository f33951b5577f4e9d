/**
 * A promise with its resolve and reject in hand, for the places (connections, channels,
 * sessions) where what settles it happens elsewhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { deferred } from "./deferred.ts";
 * const done = deferred<number>();
 * setTimeout(() => done.resolve(42), 0);
 * assert.equal(await done.promise, 42);
 * ```
 *
 * @module
 */

/** A new promise and the functions that settle it (once: later calls do nothing). */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
