/**
 * One error type for everything ipcat reports to a user.
 *
 * Every failure a user can cause or fix is an {@link IpcatError} with a stable
 * `code`, a one-line `message` naming the problem and a `hint` naming the way out.
 * The exit code of each `code` is decided here, in {@link EXIT_CODES}, and nowhere else.
 *
 * @module
 */

/**
 * The exit status of every error code. Distinct codes let scripts tell failures apart.
 * The docker family uses the docker CLI's own statuses (125, 126, 127) so that scripts
 * written against `docker` keep working.
 */
export const EXIT_CODES = {
  /** A command that ran and reports a plain failure (for example `sock wait` timing out). */
  failed: 1,
  /** Bad command line: unknown command or option, missing or malformed value. */
  usage: 2,
  /** The named queue, socket, file, container or image does not exist. */
  not_found: 3,
  /** The thing to create already exists or is in use (stale queue, live socket). */
  exists: 4,
  /** The kernel or the peer refused for lack of permission. */
  permission: 5,
  /** A deadline passed before the peer answered. */
  timeout: 6,
  /** The peer broke the protocol (bad frame, inconsistent field). */
  protocol: 7,
  /** No peer: nothing listens, the connection dropped, the daemon is down. */
  unavailable: 8,
  /** A size or count is over a limit (message size, kernel limits, open files). */
  limit: 9,
  /** Non-blocking mode and the operation would have to wait (queue full or empty). */
  would_block: 10,
  /** No data either way for `--idle-timeout` (socat's `-T`). */
  idle_timeout: 11,
  /** The whole exchange took longer than `--timeout`. */
  total_timeout: 12,
  /** The server does not run commands on a terminal (`sock run -t` without `serve --allow-tty`). */
  tty_refused: 13,
  /** A bug in ipcat: please report it. */
  internal: 70,
  /** The Docker daemon or the docker client side failed (as the docker CLI's 125). */
  docker: 125,
  /** The container command cannot be invoked (as the docker CLI's 126). */
  docker_cannot_invoke: 126,
  /** The container command was not found (as the docker CLI's 127). */
  docker_command_not_found: 127,
  /** A local command (`serve -- CMD`, `connect -- CMD`) exists but cannot run (as a shell's 126). */
  cannot_invoke: 126,
  /** A local command (`serve -- CMD`, `connect -- CMD`) was not found (as a shell's 127). */
  command_not_found: 127,
  /** Hang-up: SIGHUP (128 + 1), a terminal or ssh session closing. */
  hangup: 129,
  /**
   * Standard output was closed by its reader (`… | head -1`): ends quietly with SIGPIPE's
   * status (128 + 13), as a pipeline expects.
   */
  broken_pipe: 141,
  /** Stopped by SIGINT (128 + 2), as shells report it. */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15). */
  terminated: 143,
} as const;

/** The stable name of an error kind; scripts and tests may match on it. */
export type ErrorCode = keyof typeof EXIT_CODES;

/** Options of an {@link IpcatError}. */
export interface IpcatErrorOptions {
  /** What the user can do about it, in one short sentence. */
  hint?: string;
  /** The lower-level error that caused this one (kept for `IPCAT_DEBUG=1`). */
  cause?: unknown;
}

/**
 * An error meant for the user: one line, a stable code, a hint.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { IpcatError } from "./errors.ts";
 * const err = new IpcatError("not_found", "no queue named /jobs", {
 *   hint: "create it with 'ipcat mq create /jobs'",
 * });
 * assert.ok(err.exitCode === 3);
 * ```
 */
export class IpcatError extends Error {
  override readonly name = "IpcatError";
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: IpcatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }

  /** The process exit status for this error. */
  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/**
 * The exit status for any thrown value: an {@link IpcatError}'s own, else `internal`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { exitCodeOf, IpcatError } from "./errors.ts";
 * assert.ok(exitCodeOf(new IpcatError("usage", "bad")) === 2);
 * assert.ok(exitCodeOf(new TypeError("bug")) === 70);
 * ```
 */
export function exitCodeOf(error: unknown): number {
  return error instanceof IpcatError ? error.exitCode : EXIT_CODES.internal;
}

/**
 * The one line printed for an error: `ipcat: message (hint)`.
 * Unexpected errors say they are bugs and how to see the stack.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatError, IpcatError } from "./errors.ts";
 * const line = formatError(new IpcatError("usage", "unknown option --fo", { hint: "did you mean --foo?" }));
 * assert.ok(line === "ipcat: unknown option --fo (did you mean --foo?)");
 * ```
 */
export function formatError(error: unknown): string {
  if (error instanceof IpcatError) {
    return error.hint ? `ipcat: ${error.message} (${error.hint})` : `ipcat: ${error.message}`;
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `ipcat: internal error: ${
    text.split("\n")[0]
  } (this is a bug; run with IPCAT_DEBUG=1 for the stack and report it)`;
}
