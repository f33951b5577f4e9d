/**
 * The local terminal of a command that hands it to a remote one (`docker run -it`,
 * `ipcat sock run -t`): the docker CLI's rule for stdin, raw mode that is always undone,
 * and the terminal's size as it changes.
 *
 * @module
 */
import { runtime, type TerminalSize } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";

/**
 * The docker CLI's rule: a TTY session with stdin attached needs a terminal on stdin.
 *
 * @example
 * ```ts
 * import { checkTty } from "./terminal.ts";
 * checkTty(false, true); // fine: no stdin attached
 * ```
 */
export function checkTty(attachStdin: boolean, tty: boolean): void {
  if (tty && attachStdin && !runtime.isTerminal(0)) {
    // Exit status 1, not 125: the docker CLI's own status for this refusal.
    throw new IpcatError("failed", "the input device is not a TTY", {
      hint: "drop -t when stdin is a pipe or a file, or run from a terminal",
    });
  }
}

/**
 * Puts the terminal on stdin in raw mode (keys one by one, Ctrl-C a byte, no echo) and
 * returns what puts it back; calling that again does nothing. A no-op without a terminal.
 *
 * @example
 * ```ts ignore
 * import { enterRawMode } from "./terminal.ts";
 * const restore = enterRawMode();
 * try {
 *   console.error("keys arrive one by one now");
 * } finally {
 *   restore();
 * }
 * ```
 */
export function enterRawMode(): () => void {
  if (!runtime.isTerminal(0)) return () => {};
  runtime.setRawMode(true);
  let raw = true;
  return () => {
    if (raw) runtime.setRawMode(false);
    raw = false;
  };
}

/**
 * Calls `resized` with the terminal's new size on each SIGWINCH; returns what stops it.
 *
 * @example
 * ```ts ignore
 * import { onTerminalResize } from "./terminal.ts";
 * const stop = onTerminalResize((size) => console.error(size.rows, size.cols));
 * stop();
 * ```
 */
export function onTerminalResize(resized: (size: TerminalSize) => void): () => void {
  return runtime.onSignal("SIGWINCH", () => {
    const size = runtime.terminalSize();
    if (size) resized(size);
  });
}
