/**
 * Child processes, signals and exit on Deno.
 *
 * @module
 */
import type { ByteWriter, Child, SignalName, SpawnOptions, StdioFd, StdioMode } from "../types.ts";
import { streamReader } from "../shared.ts";
import { Deno } from "./deno_api.ts";

function denoStdio(mode: StdioMode | StdioFd | undefined): "piped" | "inherit" | "null" {
  if (typeof mode === "object") throw new Error("Deno cannot give a child a socket descriptor");
  return mode === "pipe" ? "piped" : mode === "null" ? "null" : "inherit";
}

function writableWriter(stream: WritableStream<Uint8Array>): ByteWriter {
  const writer = stream.getWriter();
  return {
    write: (data) => writer.write(data),
    close: () => writer.close(),
  };
}

export function spawn(argv: readonly string[], options: SpawnOptions = {}): Child {
  if (options.terminal) {
    // Callers check `pseudoTerminals` first; this is the backstop.
    throw Object.assign(new Error("Deno cannot start a process on a pseudo-terminal"), {
      code: "EUNSUPPORTED",
    });
  }
  const [command, ...args] = argv;
  const child = new Deno.Command(command!, {
    args,
    env: options.env,
    clearEnv: options.env !== undefined,
    cwd: options.cwd,
    stdin: denoStdio(options.stdin),
    stdout: denoStdio(options.stdout),
    stderr: denoStdio(options.stderr),
    detached: options.newSession === true,
  }).spawn();
  return {
    pid: child.pid,
    stdin: options.stdin === "pipe" ? writableWriter(child.stdin) : null,
    stdout: options.stdout === "pipe" ? streamReader(child.stdout) : null,
    stderr: options.stderr === "pipe" ? streamReader(child.stderr) : null,
    exited: child.status.then((s) => ({
      code: s.signal ? null : s.code,
      signal: s.signal ?? null,
    })),
    kill: (signal = "SIGTERM") => {
      try {
        child.kill(signal);
      } catch {
        // already exited
      }
    },
    terminal: null,
    signalGroup(signal: SignalName): boolean {
      try {
        Deno.kill(-child.pid, signal);
        return true;
      } catch {
        return false; // ESRCH: the group is empty
      }
    },
  };
}

/** Calls `handler` on each `signal`; returns the function that stops it. */
export function onSignal(signal: SignalName, handler: () => void): () => void {
  Deno.addSignalListener(signal, handler);
  return () => Deno.removeSignalListener(signal, handler);
}

/** Exits with `code`. */
export function exit(code: number): never {
  return Deno.exit(code);
}
