/**
 * `ipcat.exec` on a terminal (protocol 1.3): the size in the opening message, the resize
 * message (stream 4, client to server) and how the server applies it.
 *
 * @module
 */
import * as v from "valibot";
import { runtime, type TerminalSize } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";

/** The stream byte of a resize message: `4 | JSON {"rows": n, "cols": n}`. */
export const RESIZE_STREAM = 4;
/** The first protocol minor version whose `ipcat.exec` runs commands on a terminal. */
export const TTY_PROTOCOL_MINOR = 3;

/** The size the server has no better answer for: the one a terminal starts with (VT100's). */
export const DEFAULT_TERMINAL_SIZE: TerminalSize = { rows: 24, cols: 80 };

const Cells = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(0xffff));

/**
 * A terminal size on the wire: rows and columns, each 1 to 65535 (`struct winsize`'s u16).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as v from "valibot";
 * import { TerminalSizeSchema } from "./exec_terminal.ts";
 * assert.ok(v.safeParse(TerminalSizeSchema, { rows: 30, cols: 100 }).success);
 * assert.ok(!v.safeParse(TerminalSizeSchema, { rows: 0, cols: 100 }).success);
 * ```
 */
export const TerminalSizeSchema: v.GenericSchema<TerminalSize> = v.strictObject({
  rows: Cells,
  cols: Cells,
});

/**
 * The resize message a client sends when its terminal changes size.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resizeMessage, RESIZE_STREAM } from "./exec_terminal.ts";
 * assert.ok(resizeMessage({ rows: 40, cols: 120 })[0] === RESIZE_STREAM);
 * ```
 */
export function resizeMessage(size: TerminalSize): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify({ rows: size.rows, cols: size.cols }));
  const message = new Uint8Array(body.byteLength + 1);
  message[0] = RESIZE_STREAM;
  message.set(body, 1);
  return message;
}

/**
 * The size in a resize message's body, or `null` when it is not a valid size (the
 * server then ignores it: a wrong size must not end a session someone is typing in).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseResize, resizeMessage } from "./exec_terminal.ts";
 * assert.deepStrictEqual(parseResize(resizeMessage({ rows: 2, cols: 3 }).subarray(1)), { rows: 2, cols: 3 });
 * assert.ok(parseResize(new TextEncoder().encode("{")) === null);
 * ```
 */
export function parseResize(body: Uint8Array): TerminalSize | null {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return null;
  }
  const size = v.safeParse(TerminalSizeSchema, json);
  return size.success ? size.output : null;
}

/**
 * Throws the usage error for `--allow-tty` (or the library's `allowTty`) on a runtime that
 * cannot allocate a pseudo-terminal (Deno), so that a server refuses at start instead of
 * failing every client that asks for one.
 *
 * @example
 * ```ts ignore
 * import { requirePseudoTerminals } from "./exec_terminal.ts";
 * requirePseudoTerminals(); // throws under Deno
 * ```
 */
export function requirePseudoTerminals(): void {
  if (runtime.pseudoTerminals) return;
  throw new IpcatError(
    "usage",
    `--allow-tty: ${runtime.name} cannot allocate a pseudo-terminal, so clients could not get one`,
    { hint: "serve with the compiled binary or Bun, or drop --allow-tty" },
  );
}
