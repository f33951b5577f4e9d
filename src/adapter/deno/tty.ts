/**
 * The terminal: whether a descriptor is one, raw mode, and its size.
 *
 * @module
 */
import type { TerminalSize } from "../types.ts";
import { Deno } from "./deno_api.ts";

/** True when descriptor `fd` is a terminal. */
export function isTerminal(fd: 0 | 1 | 2): boolean {
  return [Deno.stdin, Deno.stdout, Deno.stderr][fd]!.isTerminal();
}

/** Puts the terminal on standard input in raw mode, or back. */
export function setRawMode(raw: boolean): void {
  if (Deno.stdin.isTerminal()) Deno.stdin.setRaw(raw);
}

/** Rows and columns of the terminal, or null when there is none. */
export function terminalSize(): TerminalSize | null {
  try {
    const { rows, columns } = Deno.consoleSize();
    return { rows, cols: columns };
  } catch {
    return null;
  }
}
