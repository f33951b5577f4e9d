/**
 * Dialing and listening with errors a user can act on, and the life cycle of a unix
 * socket file: a stale file left by a killed server is reused, a live one never stolen,
 * and the file is removed again when the server stops.
 *
 * @module
 */
import { lstatSync, unlinkSync } from "node:fs";
import process from "node:process";
import { type Conn, type DialTarget, type Listener, runtime } from "../adapter/mod.ts";
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

/** What is at a unix socket path: a live listener, a stale file, nothing, or something else. */
export type SocketState = "live" | "stale" | "missing" | "not-a-socket";

/**
 * Probes `path` by connecting to it. Abstract names (`@name`) are never stale: the
 * kernel removes them with their last listener.
 */
export async function probeSocket(path: string): Promise<SocketState> {
  if (!path.startsWith("@")) {
    try {
      if (!lstatSync(path).isSocket()) return "not-a-socket";
    } catch {
      return "missing";
    }
  }
  try {
    const conn = await runtime.connect({ unix: path });
    conn.close();
    return "live";
  } catch (error) {
    const code = systemCode(error);
    if (code === "ECONNREFUSED") return path.startsWith("@") ? "missing" : "stale";
    if (code === "ENOENT") return "missing";
    throw dialError(error, { unix: path });
  }
}

/** A listener that owns its socket file and removes it when closed. */
export interface OwnedListener extends Listener {
  readonly path: string;
}

/** Options of {@link listenOwned}. */
export interface ListenOptions {
  /**
   * The socket file's permission bits (e.g. `0o600`). Applied race-free: the umask is
   * narrowed around bind(2) itself, so the file is never reachable with a wider mode
   * (no chmod after bind). Abstract names have no file and ignore it.
   */
  mode?: number;
}

/**
 * Listens on `path`, reusing a stale socket file (reported through `onNote`) and refusing
 * to steal a live one. `close()` removes the socket file it created.
 *
 * @example
 * ```ts
 * import { listenOwned } from "./dial.ts";
 * const listener = await listenOwned("/tmp/app.sock", (line) => console.error(line));
 * listener.close(); // the file is gone again
 * ```
 */
export async function listenOwned(
  path: string,
  onNote: (line: string) => void,
  options: ListenOptions = {},
): Promise<OwnedListener> {
  const state = await probeSocket(path);
  if (state === "live") {
    throw new IpcatError("exists", `another server is already listening on ${path}`, {
      hint: "stop it first, or choose another path",
    });
  }
  if (state === "not-a-socket") {
    throw new IpcatError("exists", `${path} exists and is not a socket`, {
      hint: "remove it or choose another path",
    });
  }
  if (state === "stale") {
    unlinkSync(path);
    onNote(`removed stale socket file ${path} (nothing was listening on it)`);
  }
  let listener: Listener;
  try {
    listener = await listenWithMode(path, options.mode);
  } catch (error) {
    const code = systemCode(error);
    if (code === "EADDRINUSE") {
      throw new IpcatError("exists", `${path} is in use`, {
        hint: "choose another path",
        cause: error,
      });
    }
    if (code === "EACCES" || code === "EPERM") {
      throw new IpcatError("permission", `permission denied creating socket ${path}`, {
        hint: "choose a directory you can write to",
        cause: error,
      });
    }
    if (code === "ENOENT") {
      throw new IpcatError(
        "not_found",
        `cannot create socket ${path}: its directory does not exist`,
        { hint: "create the directory first", cause: error },
      );
    }
    throw error;
  }
  let closed = false;
  return {
    path,
    accept: () => listener.accept(),
    close() {
      if (closed) return;
      closed = true;
      listener.close();
      if (!path.startsWith("@")) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
}

/**
 * Binds with the umask set so that the new socket file gets exactly `mode`. Both adapters
 * bind synchronously inside `listenUnix` (before its first await), so the narrowed umask
 * covers bind(2) and nothing else the process does.
 */
function listenWithMode(path: string, mode: number | undefined): Promise<Listener> {
  if (mode === undefined || path.startsWith("@")) return runtime.listenUnix(path);
  const previous = process.umask(~mode & 0o777);
  try {
    return runtime.listenUnix(path);
  } finally {
    process.umask(previous);
  }
}
