/**
 * The socket paths the `ipcat sock` commands accept: one rule for every command.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import { parseEndpoint } from "../transport/endpoint.ts";

/**
 * The socket path of a PATH argument (`unix://` prefixes allowed; TCP refused).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { socketPath } from "./paths.ts";
 * assert.ok(socketPath("unix:///ipc/app.sock") === "/ipc/app.sock");
 * ```
 */
export function socketPath(spec: string): string {
  const target = parseEndpoint(spec);
  if (!("unix" in target)) {
    throw new IpcatError("usage", `'${spec}' is not a unix socket`, {
      hint: "give a path such as /ipc/app.sock or @name",
    });
  }
  const path = target.unix;
  // sun_path holds 108 bytes: a path and its NUL, or an abstract name after its NUL.
  const bytes = new TextEncoder().encode(path.startsWith("@") ? path.slice(1) : path).byteLength;
  if (bytes > MAX_SOCKET_PATH) {
    throw new IpcatError(
      "usage",
      `the socket path ${path} is ${bytes} bytes long, over the kernel's limit of ${MAX_SOCKET_PATH} bytes (sun_path)`,
      { hint: "use a shorter path (a directory nearer the root, or @name)" },
    );
  }
  return path;
}

/** The longest socket path (or abstract name, without its `@`) the kernel takes. */
export const MAX_SOCKET_PATH = 107;
