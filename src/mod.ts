/**
 * ipcat as a library. Each family is also its own entry point:
 * `ipcat/docker`, `ipcat/mq` and `ipcat/sock`.
 *
 * @example
 * ```ts
 * import { IpcatError } from "./mod.ts";
 * try {
 *   throw new IpcatError("not_found", "no queue named /jobs", { hint: "create it first" });
 * } catch (e) {
 *   if (e instanceof IpcatError) console.error(e.code, e.hint);
 * }
 * ```
 *
 * @module
 */
export { type ErrorCode, EXIT_CODES, IpcatError, type IpcatErrorOptions } from "./errors.ts";
export { runtime } from "./adapter/mod.ts";
export type * from "./adapter/types.ts";
