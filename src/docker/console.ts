/**
 * A hijacked session wired to this process's terminal: raw mode (always restored), TTY
 * resizes at start and on SIGWINCH, stdin forwarding with detach keys, and signals
 * forwarded to the container (`--sig-proxy`), with a TTY or without, as the docker CLI does.
 *
 * @module
 */
import { runtime, type SignalName } from "../adapter/mod.ts";
import { enterRawMode, onTerminalResize } from "../cli/terminal.ts";
import type { Docker } from "./mod.ts";
import type { HijackedSession } from "./session.ts";

/** How a console session is wired. */
export interface ConsoleOptions {
  /** Forward local stdin. */
  stdin: boolean;
  /** Detach key bytes (watched only with a TTY). */
  detachKeys: Uint8Array;
  /** The container to send signals to when there is no TTY; `null`: no proxying. */
  sigProxyTo: string | null;
  /** What to resize when there is a TTY. */
  resize: { id: string; kind: "containers" | "exec" } | null;
  /**
   * Resize to a different size first, then the real one: a process attached to again at
   * the same size gets no SIGWINCH and would not redraw its prompt (the CLI's `attach` trick).
   */
  forceRedraw?: boolean;
  /** What the session waits for after its output ends, signals still forwarded (the exit). */
  until?: Promise<unknown>;
  /** Called once everything is wired, before output is copied (e.g. to start the container). */
  beforeOutput?: () => Promise<void>;
}

const PROXIED_SIGNALS: readonly SignalName[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGUSR1",
  "SIGUSR2",
];
const SIGNAL_EXIT: Partial<Record<SignalName, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Runs `session` on this process's stdio until the container's output ends (or the
 * user detaches). Returns how it ended; raw mode and signal handlers are undone on
 * every path out.
 *
 * @example
 * ```ts ignore
 * import { Docker } from "./mod.ts";
 * import { runConsole } from "./console.ts";
 * const docker = await Docker.fromEnv();
 * const session = await docker.attachSession("web", { stdin: true, tty: true });
 * await runConsole(docker, session, { stdin: true, detachKeys: new Uint8Array([16, 17]), sigProxyTo: null, resize: { id: "web", kind: "containers" } });
 * ```
 */
export async function runConsole(
  docker: Docker,
  session: HijackedSession,
  options: ConsoleOptions,
): Promise<"ended" | "detached"> {
  const cleanups: Array<() => void> = [];
  const raw = session.tty && options.stdin && runtime.isTerminal(0);
  try {
    const restoreTerminal = raw ? enterRawMode() : () => {};
    cleanups.push(restoreTerminal);
    if (options.sigProxyTo) {
      // As the docker CLI: signals go to the container, TTY or not, and the session goes on
      // until the container's output ends (SIGTERM to `run -it --rm` stops and removes it).
      const id = options.sigProxyTo;
      for (const signal of PROXIED_SIGNALS) {
        cleanups.push(runtime.onSignal(signal, () => void docker.kill(id, signal).catch(() => {})));
      }
    } else if (session.tty) {
      // Nothing to forward to (exec): outside signals end the session, terminal cooked first.
      for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        cleanups.push(runtime.onSignal(signal, () => {
          restoreTerminal();
          session.close();
          runtime.exit(SIGNAL_EXIT[signal]!);
        }));
      }
    }
    const resize = options.resize;
    const size = runtime.terminalSize();
    if (session.tty && resize && size) {
      cleanups.push(onTerminalResize((current) => {
        void docker.resize(resize.id, current, resize.kind).catch(() => {});
      }));
    }

    let detached = false;
    if (options.stdin) {
      session.copyInput(runtime.stdin, session.tty ? options.detachKeys : new Uint8Array(0)).then(
        (end) => {
          if (end === "detached") {
            detached = true;
            session.close();
          }
        },
        () => {
          // The daemon stopped reading stdin (the process exited): output still ends on its own.
        },
      );
    }
    await options.beforeOutput?.();
    if (session.tty && resize && size) {
      void initialResize(docker, resize, size, options.forceRedraw ?? false);
    }
    await session.copyOutput({
      stdout: (d) => runtime.stdout.write(d),
      stderr: (d) => runtime.stderr.write(d),
    });
    session.close();
    if (detached) return "detached";
    // As the CLI: the output can end before the container does (stdin at EOF closes the
    // attach of a container without StdinOnce); signals go on being forwarded until it exits.
    await options.until?.catch(() => {});
    return "ended";
  } finally {
    for (const undo of cleanups.reverse()) undo();
    if (options.stdin) runtime.stdin.cancel();
  }
}

/**
 * Sizes the remote TTY right after start (after a nudge, with `forceRedraw`), retrying a few times as the docker CLI does:
 * an exec process may not exist yet when its stream is already up.
 */
async function initialResize(
  docker: Docker,
  target: NonNullable<ConsoleOptions["resize"]>,
  size: { rows: number; cols: number },
  forceRedraw: boolean,
): Promise<void> {
  if (forceRedraw) {
    const nudged = { rows: size.rows + 1, cols: size.cols + 1 };
    await docker.resize(target.id, nudged, target.kind).catch(() => {});
  }
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      await docker.resize(target.id, size, target.kind);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}
