/**
 * Ctrl-C and SIGTERM as an `AbortSignal`, so that the waiting loops of the mq family stop
 * at their next slice and clean up (queues unlinked, received messages printed).
 *
 * @module
 */
import { runtime } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";

/**
 * An abort signal fired by SIGINT or SIGTERM (its reason an `interrupted` or `terminated`
 * {@link IpcatError}), and the function that stops listening.
 *
 * @example
 * ```ts
 * import { abortOnSignals } from "./signals.ts";
 * const { signal, dispose } = abortOnSignals();
 * console.assert(!signal.aborted);
 * dispose();
 * ```
 */
export function abortOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const offInt = runtime.onSignal(
    "SIGINT",
    () => controller.abort(new IpcatError("interrupted", "interrupted")),
  );
  const offTerm = runtime.onSignal(
    "SIGTERM",
    () => controller.abort(new IpcatError("terminated", "terminated")),
  );
  return {
    signal: controller.signal,
    dispose: () => {
      offInt();
      offTerm();
    },
  };
}

/**
 * The exit status for an abort reason: 130 for SIGINT, 143 for SIGTERM.
 *
 * @example
 * ```ts
 * import { IpcatError } from "../errors.ts";
 * import { abortStatus } from "./signals.ts";
 * console.assert(abortStatus(AbortSignal.abort(new IpcatError("terminated", "terminated"))) === 143);
 * ```
 */
export function abortStatus(signal: AbortSignal): number {
  return signal.reason instanceof IpcatError ? signal.reason.exitCode : 130;
}
