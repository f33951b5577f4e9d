/**
 * Deno's unix listeners.
 *
 * @module
 */
import type { Listener } from "../types.ts";
import { kernelSocketPath } from "../shared.ts";
import { DenoConnAdapter } from "./connections.ts";
import { Deno, withSystemCode } from "./deno_api.ts";

// deno-lint-ignore require-await -- async, so that a synchronous throw (EADDRINUSE) rejects
export async function listenUnix(path: string): Promise<Listener> {
  let listener: ReturnType<typeof Deno.listen>;
  try {
    listener = Deno.listen({ transport: "unix", path: kernelSocketPath(path) });
  } catch (error) {
    throw withSystemCode(error);
  }
  let closed = false;
  return {
    async accept() {
      if (closed) return null;
      try {
        return new DenoConnAdapter(await listener.accept());
      } catch (error) {
        if (closed) return null;
        throw withSystemCode(error);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        listener.close();
      } catch {
        // already closed
      }
    },
  };
}
