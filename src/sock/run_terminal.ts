/**
 * The local side of `ipcat sock run -t`: what the opening message asks for, the check
 * that the server speaks protocol 1.3, and the local terminal in raw mode with its size
 * following SIGWINCH, undone on every way out.
 *
 * @module
 */
import { runtime, type TerminalSize } from "../adapter/mod.ts";
import { enterRawMode, onTerminalResize } from "../cli/terminal.ts";
import { IpcatError } from "../errors.ts";
import type { Channel } from "./channel.ts";
import type { SockClient } from "./client.ts";
import { DEFAULT_TERMINAL_SIZE, resizeMessage, TTY_PROTOCOL_MINOR } from "./exec_terminal.ts";

/** The terminal part of the opening message: the local terminal's size now. */
export function terminalRequest(): { tty: true; size: TerminalSize } {
  return { tty: true, size: runtime.terminalSize() ?? DEFAULT_TERMINAL_SIZE };
}

/** Throws (after closing `client`) when the server is older than terminals (1.3). */
export async function requireTerminalServer(client: SockClient, path: string): Promise<void> {
  const { major, minor } = client.server;
  if (minor >= TTY_PROTOCOL_MINOR) return;
  await client.close();
  throw new IpcatError(
    "tty_refused",
    `the server on ${path} speaks protocol ${major}.${minor}, which has no terminals (1.${TTY_PROTOCOL_MINOR} has)`,
    { hint: "update ipcat on the server and start it with --allow-tty, or run without -t" },
  );
}

/**
 * Puts the local terminal in raw mode and sends `channel` a resize message on each
 * SIGWINCH. Returns what undoes both; calling it again does nothing.
 */
export function attachTerminal(channel: Channel): () => void {
  const restore = enterRawMode();
  const stopResizing = onTerminalResize((size) => {
    if (!channel.writeEnded) void channel.send(resizeMessage(size)).catch(() => {});
  });
  return () => {
    stopResizing();
    restore();
  };
}
