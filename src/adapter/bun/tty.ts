/**
 * The terminal: whether a descriptor is one, raw mode, and its size.
 *
 * @module
 */
import type { TerminalSize } from "../types.ts";

/**
 * `node:tty` costs about 3.5 ms of start-up in a compiled binary (measured by the bench
 * runner), so it is loaded only when a command asks about a terminal.
 */
let ttyModule: typeof import("node:tty") | undefined;
function tty(): typeof import("node:tty") {
  return (ttyModule ??= require("node:tty") as typeof import("node:tty"));
}

/** True when descriptor `fd` is a terminal. */
export function isTerminal(fd: 0 | 1 | 2): boolean {
  return tty().isatty(fd);
}

/** Puts the terminal on standard input in raw mode, or back. */
export function setRawMode(raw: boolean): void {
  if (tty().isatty(0)) {
    (process.stdin as unknown as { setRawMode(r: boolean): void }).setRawMode(raw);
  }
}

/** Rows and columns of the terminal on stdout or stderr, or null when neither is one. */
export function terminalSize(): TerminalSize | null {
  for (
    const stream of [process.stdout, process.stderr] as unknown as Array<
      { isTTY?: boolean; rows?: number; columns?: number }
    >
  ) {
    if (stream.isTTY && stream.rows && stream.columns) {
      return { rows: stream.rows, cols: stream.columns };
    }
  }
  return null;
}
