/**
 * The runtime ipcat is running on, chosen once at start-up.
 *
 * Bun is recognised by its global; anything else is taken to be Deno. The other
 * runtime's adapter is never loaded, so Deno never sees `bun:ffi`.
 *
 * @example
 * ```ts
 * import { runtime } from "./mod.ts";
 * console.log(runtime.name, runtime.version);
 * ```
 *
 * @module
 */
import type { Runtime } from "./types.ts";

export type * from "./types.ts";

/** The adapter of the current runtime. */
export const runtime: Runtime = "Bun" in globalThis
  ? (await import("./bun/mod.ts")).runtime
  : (await import("./deno/mod.ts")).runtime;
