/**
 * The terminal: whether a descriptor is one, raw mode, its size, and the pseudo-terminals
 * children run on.
 *
 * @module
 */
import type { ByteReader, ByteWriter, ChildTerminal, TerminalSize } from "../types.ts";
import { ChunkQueue } from "../shared.ts";

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

/** `c_iflag` bit IXON (Linux): the terminal obeys XOFF/XON (Ctrl-S/Ctrl-Q) typed into it. */
const IXON = 0o2000;
const XOFF = "\x13";
const XON = "\x11";

/**
 * The streams of a child on a new pseudo-terminal: `options` for `Bun.spawn`'s
 * `terminal`, what is written to it, what it shows, and its control once spawned.
 *
 * Bun 1.4 reads a terminal as fast as the child writes (no pause: oven-sh/bun#41410), so
 * when unread output passes the queue's high-water mark the terminal is sent XOFF, which
 * stops the child's writes in the kernel as Ctrl-S does, and XON once drained. That
 * works while the terminal has IXON set (cooked programs: `cat`, `yes`, a shell's
 * commands); a program that turned IXON off (a full-screen one in raw mode) is not paused.
 */
export function terminalStreams(size: TerminalSize): {
  options: Bun.TerminalOptions;
  input: ByteWriter;
  output: ByteReader;
  control(terminal: Bun.Terminal): ChildTerminal;
} {
  let terminal: Bun.Terminal | null = null;
  let stoppedByUs = false;
  const output = new ChunkQueue(() => {
    if (terminal && !terminal.closed && (terminal.inputFlags & IXON) !== 0) {
      terminal.write(XOFF);
      stoppedByUs = true;
    }
  }, () => {
    if (stoppedByUs && terminal && !terminal.closed) terminal.write(XON);
    stoppedByUs = false;
  });
  return {
    options: {
      cols: size.cols,
      rows: size.rows,
      data: (_terminal, data) => output.push(data),
      exit: () => output.end(),
    },
    input: {
      write: (data) => {
        if (terminal && !terminal.closed) terminal.write(data);
        return Promise.resolve();
      },
      // A terminal's input has no end but what is typed into it (Ctrl-D): nothing to close.
      close: () => Promise.resolve(),
    },
    output: { read: () => output.read(), cancel: () => output.end() },
    control(spawned) {
      terminal = spawned;
      return {
        resize: (next) => {
          if (!spawned.closed) spawned.resize(next.cols, next.rows);
        },
        close: () => {
          spawned.close();
          output.end();
        },
      };
    },
  };
}
