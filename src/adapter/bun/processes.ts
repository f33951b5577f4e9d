/**
 * Child processes, signals and exit on Bun.
 *
 * @module
 */
import type {
  ByteReader,
  Child,
  ExitStatus,
  SignalName,
  SpawnOptions,
  StdioFd,
  StdioMode,
} from "../types.ts";
import { streamReader } from "../shared.ts";
import { fileSinkWriter, flushStdio } from "./stdio.ts";
import { terminalStreams } from "./tty.ts";

function bunStdio(mode: StdioMode | StdioFd | undefined): "pipe" | "inherit" | "ignore" | number {
  if (typeof mode === "object") return mode.fd;
  return mode === "pipe" ? "pipe" : mode === "null" ? "ignore" : "inherit";
}

export function spawn(argv: readonly string[], options: SpawnOptions = {}): Child {
  // On a terminal Bun starts the child in a session of its own with the terminal as its
  // controlling one (checked: `tty`, `stty size`, Ctrl-C as SIGINT), so no `detached`.
  const pty = options.terminal ? terminalStreams(options.terminal) : null;
  const proc = Bun.spawn([...argv], {
    env: options.env,
    cwd: options.cwd,
    ...(pty ? { terminal: pty.options } : {
      stdin: bunStdio(options.stdin),
      stdout: bunStdio(options.stdout),
      stderr: bunStdio(options.stderr),
      detached: options.newSession === true,
    }),
  });
  const stdin = options.stdin === "pipe" && !pty
    ? fileSinkWriter(proc.stdin as Bun.FileSink)
    : null;
  const pipeReader = (s: unknown): ByteReader | null =>
    s instanceof ReadableStream ? streamReader(s as ReadableStream<Uint8Array>) : null;
  return {
    pid: proc.pid,
    stdin: pty ? pty.input : stdin,
    stdout: pty ? pty.output : pipeReader(proc.stdout),
    stderr: pty ? null : pipeReader(proc.stderr),
    terminal: pty ? pty.control(proc.terminal!) : null,
    exited: proc.exited.then((): ExitStatus => {
      const signal = proc.signalCode == null ? null : String(proc.signalCode);
      return { code: signal ? null : proc.exitCode, signal };
    }),
    kill: (signal: SignalName = "SIGTERM") => proc.kill(signal),
    signalGroup(signal: SignalName): boolean {
      try {
        process.kill(-proc.pid, signal);
        return true;
      } catch {
        return false; // ESRCH: the group is empty
      }
    },
  };
}

/** Calls `handler` on each `signal`; returns the function that stops it. */
export function onSignal(signal: SignalName, handler: () => void): () => void {
  process.on(signal, handler);
  return () => process.off(signal, handler);
}

/** Exits with `code` once the standard streams are flushed. */
export function exit(code: number): never {
  flushStdio();
  process.exit(code);
}
