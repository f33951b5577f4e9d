/**
 * Text output for commands, through the runtime adapter so that output is flushed
 * before exit on both runtimes.
 *
 * @module
 */
import { runtime } from "../adapter/mod.ts";
import { concatBytes } from "../framing/bytes.ts";

const encoder = new TextEncoder();

/**
 * Writes text to stdout as is.
 *
 * @example
 * ```ts
 * import { writeOut } from "./io.ts";
 * await writeOut("hello\n");
 * ```
 */
export function writeOut(text: string | Uint8Array): Promise<void> {
  return runtime.stdout.write(typeof text === "string" ? encoder.encode(text) : text);
}

/**
 * Writes text to stderr as is.
 *
 * @example
 * ```ts
 * import { writeErr } from "./io.ts";
 * await writeErr("note: reusing stale socket\n");
 * ```
 */
export function writeErr(text: string | Uint8Array): Promise<void> {
  return runtime.stderr.write(typeof text === "string" ? encoder.encode(text) : text);
}

/**
 * Writes one line to stderr, prefixed `ipcat: ` — for notes and logs, not for errors
 * (errors are thrown as `IpcatError` and printed by the dispatcher).
 *
 * @example
 * ```ts
 * import { note } from "./io.ts";
 * await note("removed stale socket /ipc/app.sock");
 * ```
 */
export function note(line: string): Promise<void> {
  return writeErr(`ipcat: ${line}\n`);
}

/**
 * Reads all of stdin into one buffer. With `signal`, stops with its reason once aborted
 * (checked between chunks), so Ctrl-C is not held up by a slow pipe.
 *
 * @example
 * ```ts
 * import { readStdin } from "./io.ts";
 * const input = await readStdin();
 * console.log(`${input.byteLength} bytes on stdin`);
 * ```
 */
export async function readStdin(signal?: AbortSignal): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let chunk = await runtime.stdin.read(); chunk !== null; chunk = await runtime.stdin.read()) {
    if (signal?.aborted) throw signal.reason;
    parts.push(chunk);
  }
  return concatBytes(parts);
}
