/**
 * The docker CLI's exit statuses, which users' scripts are written against: 125 for a
 * bad flag anywhere and for every failure of `run` itself; 1 for a failure of any other
 * command (a missing container, a daemon error, no daemon); 126 and 127 when a
 * container's command cannot be invoked or is not found; otherwise the container's own.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";

/** Statuses that already are what the docker CLI would exit with. */
const KEPT = new Set([
  "failed",
  "docker_cannot_invoke",
  "docker_command_not_found",
  "hangup",
  "interrupted",
  "terminated",
  // A reader that closed our stdout (`| head -1`): the quiet 141 a pipeline expects.
  "broken_pipe",
]);

/**
 * The error to report for `error` from `ipcat docker COMMAND`, with the CLI's status.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IpcatError } from "../errors.ts";
 * import { dockerExitError } from "./exit.ts";
 * const missing = new IpcatError("not_found", "Error response from daemon: No such container: x");
 * assert.equal((dockerExitError(missing, "rm") as IpcatError).exitCode, 1);
 * assert.equal((dockerExitError(missing, "run") as IpcatError).exitCode, 125);
 * assert.equal((dockerExitError(new IpcatError("usage", "bad flag"), "ps") as IpcatError).exitCode, 125);
 * ```
 */
export function dockerExitError(error: unknown, command: string): unknown {
  if (!(error instanceof IpcatError) || KEPT.has(error.code)) return error;
  const code = error.code === "usage" || command === "run" ? "docker" : "failed";
  if (error.code === code) return error;
  return new IpcatError(code, error.message, { hint: error.hint, cause: error });
}
