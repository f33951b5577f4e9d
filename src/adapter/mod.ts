/**
 * The runtime ipcat is running on, chosen once at start-up.
 *
 * Bun and Deno are recognised by their globals; any other runtime (Node, say) is refused
 * with one line that names the two that work. The other runtime's adapter is never
 * loaded, so Deno never sees `bun:ffi`.
 *
 * @example
 * ```ts
 * import { runtime } from "./mod.ts";
 * import assert from "node:assert";
 * assert.ok(runtime.name === "bun" || runtime.name === "deno");
 * ```
 *
 * @module
 */
import type { Runtime } from "./types.ts";

export type * from "./types.ts";

/** The adapter of the current runtime. */
export const runtime: Runtime = "Bun" in globalThis
  ? (await import("./bun/mod.ts")).runtime
  : "Deno" in globalThis
  ? (await import("./deno/mod.ts")).runtime
  : unsupportedRuntime();

function unsupportedRuntime(): never {
  const version = (globalThis as { process?: { version?: string } }).process?.version;
  throw new Error(
    `ipcat runs on Bun or Deno, not on ${version ? `Node ${version}` : "this runtime"}: ` +
      "use the ipcat binary, 'bun src/main.ts' or 'deno run -A src/main.ts'",
  );
}
