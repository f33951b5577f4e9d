/**
 * How the long-running `ipcat sock` commands stop on a signal: cleanup first (socket
 * file, children, a final END), then exit 128+N, for SIGINT, SIGTERM and SIGHUP alike (a
 * closing terminal or ssh session sends SIGHUP).
 *
 * @module
 */
import { runtime } from "../adapter/mod.ts";

/** The stop signals and the shell-style status each one exits with. */
const STOP_SIGNALS = [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const;

/**
 * Runs `cleanup` on the first SIGINT, SIGTERM or SIGHUP, then exits with 128+N. While
 * it runs, `stopped` holds a promise of that status, for a caller whose main loop ends
 * first (the cleanup closed what it waited on) and must not exit on its own.
 *
 * @example
 * ```ts ignore
 * import { onStopSignals } from "./signals.ts";
 * const stop = onStopSignals(async () => console.error("cleaning up"));
 * if (stop.stopped) await stop.stopped;
 * ```
 */
export function onStopSignals(cleanup: () => Promise<void>): { stopped: Promise<number> | null } {
  const state: { stopped: Promise<number> | null } = { stopped: null };
  for (const [signal, status] of STOP_SIGNALS) {
    runtime.onSignal(signal, () => {
      if (state.stopped) return;
      state.stopped = cleanup().catch(() => {}).then(() => runtime.exit(status));
    });
  }
  return state;
}
