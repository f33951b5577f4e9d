/**
 * The one accept loop of the routed and the raw server. Out of descriptors or memory
 * (EMFILE, ENFILE, ENOBUFS, ENOMEM) it backs off, 5 ms doubling to 1 s, instead of
 * retrying at once (which spins a core), and serves again as soon as accept succeeds.
 *
 * Bun accepts inside its own event loop and reports no accept errors to JavaScript; there
 * the loop never sees EMFILE because the server keeps descriptors in reserve (see
 * `Admission`: connections beyond the open-file limit's headroom are closed at once).
 *
 * @module
 */
import type { Conn, Listener } from "../adapter/mod.ts";
import { systemCode } from "../transport/dial.ts";

/** Accept errors that mean "no resources now": wait, then try again. */
const RESOURCE_ERRORS = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]);
const FIRST_BACKOFF_MS = 5;
const MAX_BACKOFF_MS = 1000;

/**
 * Accepts until the listener closes, handing each connection to `handle` (numbered from
 * 1). Resolves once the listener is closed.
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../adapter/mod.ts";
 * import { acceptLoop } from "./accept.ts";
 * const listener = await runtime.listenUnix("@accept-example");
 * const done = acceptLoop(listener, (conn) => conn.close(), console.error);
 * listener.close();
 * await done;
 * ```
 */
export async function acceptLoop(
  listener: Listener,
  handle: (conn: Conn, id: number) => void,
  log: (line: string) => void,
): Promise<void> {
  let nextId = 1;
  let backoff = 0;
  for (;;) {
    let conn: Conn | null;
    try {
      conn = await listener.accept();
    } catch (error) {
      const code = systemCode(error);
      if (code === undefined || !RESOURCE_ERRORS.has(code)) {
        log(`accept failed: ${(error as Error)?.message ?? error}`);
      } else if (backoff === 0) {
        log(
          `accept failed: ${code}; retrying, ${FIRST_BACKOFF_MS} ms doubling to 1 s, until it works`,
        );
      }
      backoff = backoff === 0 ? FIRST_BACKOFF_MS : Math.min(2 * backoff, MAX_BACKOFF_MS);
      await new Promise((resolve) => setTimeout(resolve, backoff));
      continue;
    }
    if (conn === null) return;
    if (backoff !== 0) log("accepting again");
    backoff = 0;
    handle(conn, nextId++);
  }
}
