/**
 * Dialing with errors a user can act on. (Who owns a socket file, and its life cycle, is
 * `src/sock/ownership.ts`'s: the sock servers and `docker proxy` listen through it.)
 *
 * @module
 */
import { type Conn, type DialTarget, runtime } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import { describeTarget } from "./endpoint.ts";

/**
 * The system error code of a thrown value (`ENOENT`, `ECONNREFUSED`, …), if any. Both
 * adapters give their errors a `code`, as Node does.
 */
export function systemCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Connects to `target`, turning system errors into one-line {@link IpcatError}s that name
 * the endpoint and say whether it is missing, refusing or forbidden.
 *
 * @example
 * ```ts ignore
 * import { dial } from "./dial.ts";
 * const conn = await dial({ unix: "/tmp/app.sock" });
 * conn.close();
 * ```
 */
export async function dial(target: DialTarget, what = "socket"): Promise<Conn> {
  try {
    return await runtime.connect(target);
  } catch (error) {
    throw dialError(error, target, what);
  }
}

/** The user-facing error for a failed connect to `target`. */
export function dialError(error: unknown, target: DialTarget, what = "socket"): IpcatError {
  const where = describeTarget(target);
  switch (systemCode(error)) {
    case "ENOENT":
      return new IpcatError("not_found", `no ${what} at ${where}: the socket file does not exist`, {
        hint: "start the server first, or check the path",
        cause: error,
      });
    case "ECONNREFUSED":
      return new IpcatError(
        "unavailable",
        `nothing is listening on ${what} ${where} (connection refused)`,
        {
          hint: "unix" in target
            ? "the server is not running, or it died and left its socket file behind"
            : "the server is not running, or listens on another address or port",
          cause: error,
        },
      );
    case "EACCES":
    case "EPERM":
      return new IpcatError("permission", `permission denied on ${what} ${where}`, {
        hint: "run as a user allowed to use it (check its owner and mode)",
        cause: error,
      });
    case "EPROTOTYPE":
      return new IpcatError("usage", `${where} is a socket of another type`, {
        hint:
          "a SOCK_SEQPACKET server needs 'ipcat sock connect --seqpacket', a stream server none",
        cause: error,
      });
    case "ENOTSOCK":
      return new IpcatError("usage", `${where} is not a socket`, {
        hint: "give the path of a unix socket",
        cause: error,
      });
    default:
      return new IpcatError(
        "unavailable",
        `cannot connect to ${what} ${where}: ${(error as Error)?.message ?? error}`,
        {
          hint: "check that the server is running and reachable",
          cause: error,
        },
      );
  }
}
