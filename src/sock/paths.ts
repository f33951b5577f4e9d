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
 * import { socketPath } from "./paths.ts";
 * console.assert(socketPath("unix:///ipc/app.sock") === "/ipc/app.sock");
 * ```
 */
export function socketPath(spec: string): string {
  const target = parseEndpoint(spec);
  if (!("unix" in target)) {
    throw new IpcatError("usage", `'${spec}' is not a unix socket`, {
      hint: "give a path such as /ipc/app.sock or @name",
    });
  }
  return target.unix;
}
