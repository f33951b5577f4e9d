/**
 * `ipcat mq serve --handler CMD`: each request answered by a command run for it.
 *
 * @module
 */
import { existsSync } from "node:fs";
import process from "node:process";
import * as v from "valibot";
import { type ByteReader, runtime } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import { ResponsePayloadSchema } from "./protocol.ts";
import type { RequestHandler } from "./server.ts";
import { SIGTERM } from "../libc/mod.ts";
import { libc } from "./libc.ts";

/** util-linux's setsid, where there is one: the command then leads its own process group. */
const SESSION = ["/usr/bin/setsid", "/bin/setsid"].filter((path) => existsSync(path)).slice(0, 1);

/**
 * A handler that runs `command` (through `sh -c`) for each request: the request JSON on
 * its stdin (and its number in `IPCAT_MQ_REQ`), the response JSON expected on its stdout.
 * When the server stops (its signal aborts), the command's whole process group gets SIGTERM.
 * A failing command, or output that is not a JSON object with a numeric `status`, answers
 * `{"status":500}`.
 *
 * @example
 * ```ts
 * import { commandHandler } from "./command_handler.ts";
 * const handler = commandHandler(`echo '{"status":200}'`);
 * console.log(await handler({ req: 2 }, {}));
 * ```
 */
export function commandHandler(command: string): RequestHandler {
  return async (request, { signal }) => {
    const env = { ...(process.env as Record<string, string>), IPCAT_MQ_REQ: String(request.req) };
    // A session of its own (setsid), so that stopping the server ends the command and
    // everything it started, not only the shell.
    const child = runtime.spawn([...SESSION, "sh", "-c", command], {
      env,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const stop = () => {
      if (SESSION.length) libc().symbols.kill(-child.pid, SIGTERM);
      else child.kill("SIGTERM");
    };
    signal?.addEventListener("abort", stop, { once: true });
    void child.exited.then(() => signal?.removeEventListener("abort", stop));
    const feeding = child.stdin!.write(new TextEncoder().encode(JSON.stringify(request))).then(() =>
      child.stdin!.close()
    ).catch(() => {});
    const [stdout, stderr, status] = await Promise.all([
      readText(child.stdout!),
      readText(child.stderr!),
      child.exited,
      feeding,
    ]);
    if (status.code !== 0) {
      const why = status.signal ? `was killed by ${status.signal}` : `exited with ${status.code}`;
      throw new IpcatError(
        "failed",
        `handler ${why}${stderr.trim() ? `: ${stderr.trim().split("\n")[0]}` : ""}`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(stdout);
    } catch {
      throw new IpcatError(
        "failed",
        `handler printed no JSON: ${JSON.stringify(stdout.slice(0, 80))}`,
      );
    }
    const checked = v.safeParse(ResponsePayloadSchema, parsed);
    if (!checked.success) {
      throw new IpcatError(
        "failed",
        `handler printed JSON that is not a response object with a numeric status: ${
          JSON.stringify(stdout.slice(0, 80))
        }`,
      );
    }
    // The handler's own key order is kept: clients may read the payload as text.
    return JSON.stringify(parsed);
  };
}

async function readText(reader: ByteReader): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for (let chunk = await reader.read(); chunk !== null; chunk = await reader.read()) {
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
