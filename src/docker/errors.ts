/**
 * The errors of `ipcat/docker`: an {@link IpcatError} that also says what kind of failure
 * it was and, for the daemon's own refusals, the HTTP status, so that a program (a GUI,
 * a script) decides on `kind` instead of matching message text.
 *
 * @module
 */
import { type ErrorCode, IpcatError } from "../errors.ts";

/** What went wrong, in words a program can switch on. */
export type DockerErrorKind =
  /** No such container, image, volume, network or exec process (HTTP 404). */
  | "not_found"
  /** The daemon refused because of the object's state: name in use, running, … (409). */
  | "conflict"
  /** The container is not running (exec, attach, resize, kill). */
  | "not_running"
  /** The container is paused. */
  | "paused"
  /** The container is restarting. */
  | "restarting"
  /** The daemon found the request invalid (400): bad signal, bad option. */
  | "bad_request"
  /** The client's and the daemon's API versions do not meet. */
  | "version_mismatch"
  /** No daemon: the socket is missing, refuses, or is forbidden. */
  | "daemon_unavailable"
  /** The daemon closed or reset the connection in the middle of an answer. */
  | "connection_dropped"
  /** The daemon's answer is not what the Engine API says (bad HTTP, JSON, stream). */
  | "protocol"
  /** The container's process could not be started (not found, not executable). */
  | "start_failed"
  /** Anything else the daemon reported (HTTP 500 and the like). */
  | "daemon";

/** Options of a {@link DockerError}. */
export interface DockerErrorOptions {
  kind: DockerErrorKind;
  /** The HTTP status of the daemon's answer, when the daemon answered. */
  status?: number;
  hint?: string;
  cause?: unknown;
}

/**
 * A failure talking to the Docker daemon.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DockerError } from "./errors.ts";
 * import { IpcatError } from "../errors.ts";
 * const error = new DockerError("not_found", "No such container: web", { kind: "not_found", status: 404 });
 * assert.ok(error instanceof IpcatError);
 * assert.equal(error.kind, "not_found");
 * assert.equal(error.status, 404);
 * ```
 */
export class DockerError extends IpcatError {
  readonly kind: DockerErrorKind;
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, options: DockerErrorOptions) {
    super(code, message, { hint: options.hint, cause: options.cause });
    this.kind = options.kind;
    this.status = options.status;
  }
}

/**
 * The kind of a daemon's error answer, from its status and message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kindOfAnswer } from "./errors.ts";
 * assert.equal(kindOfAnswer(404, "No such container: x"), "not_found");
 * assert.equal(kindOfAnswer(409, "Container abc is not running"), "not_running");
 * ```
 */
export function kindOfAnswer(status: number, message: string): DockerErrorKind {
  if (/client version .* is too (new|old)/i.test(message)) return "version_mismatch";
  if (/is not running/i.test(message)) return "not_running";
  if (/is paused/i.test(message)) return "paused";
  if (/is restarting/i.test(message)) return "restarting";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 400) return "bad_request";
  return "daemon";
}

/** The error for a stream that is not stdcopy where stdcopy was due. */
export function badStreamError(cause: unknown): DockerError {
  return new DockerError(
    "protocol",
    `bad output stream from the daemon: ${(cause as Error)?.message ?? cause}`,
    { kind: "protocol", hint: "the container's Tty setting may have changed; inspect it", cause },
  );
}
