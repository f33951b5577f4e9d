/**
 * What `scope inspect` gathers from one process: its configuration (request 2), its
 * transports (4) and its details (5), in one document, `{"cfg","interfaces","process"}`.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import { request } from "./client.ts";
import { namespacePid } from "./namespaces.ts";
import { type Flavor, requestNames, REQUESTS } from "./protocol.ts";

/** One process, as `scope inspect` describes it. */
export interface InspectDocument {
  cfg: unknown;
  interfaces: unknown;
  process: { pid: unknown; hostPid?: number; uuid: unknown; id: unknown; machine_id: unknown };
}

/**
 * Asks process `pid` the three questions, one request each; any answer other than 200
 * fails, naming the request.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import process from "node:process";
 * import { inspectProcess } from "./inspect.ts";
 * import { serveRequests } from "./server.ts";
 * const stop = new AbortController();
 * const serving = serveRequests({ signal: stop.signal });
 * const doc = await inspectProcess(process.pid, { flavor: "scope" });
 * assert.equal(doc.process.pid, process.pid);
 * stop.abort();
 * await serving;
 * ```
 */
export async function inspectProcess(
  pid: number,
  options: { flavor: Flavor; timeoutMs?: number; signal?: AbortSignal },
): Promise<InspectDocument> {
  const ask = async (req: number): Promise<Record<string, unknown>> => {
    const answer = await request({ req }, { pid, ...options });
    if (answer.status !== 200) {
      throw new IpcatError(
        "failed",
        `it answered ${requestNames(options.flavor)[req]} with status ${answer.status}`,
        { hint: "see the process's own log" },
      );
    }
    return answer.json as Record<string, unknown>;
  };
  const cfg = await ask(REQUESTS.getCfg);
  const transports = await ask(REQUESTS.getTransportStatus);
  const details = await ask(REQUESTS.getProcessDetails);
  const inner = namespacePid(pid);
  return {
    cfg: cfg.cfg,
    interfaces: transports.interfaces,
    process: {
      pid: details.pid,
      // As 'scope inspect' in a container: the PID this host knows it by, too.
      ...(inner !== pid ? { hostPid: pid } : {}),
      uuid: details.uuid,
      id: details.id,
      machine_id: details.machine_id,
    },
  };
}
