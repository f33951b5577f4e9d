/**
 * Ctrl-C, SIGTERM and SIGHUP as an `AbortSignal`, so that the waiting loops of the mq family stop
 * at their next slice and clean up (queues unlinked, received messages printed).
 *
 * @module
 */
import { runtime } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";

/**
 * An abort signal fired by SIGINT, SIGTERM or SIGHUP (its reason an `interrupted`,
 * `terminated` or `hangup` {@link IpcatError}), and the function that stops listening. A
 * hangup (terminal closed, ssh session gone) is handled like SIGTERM, so that nothing is
 * left behind by a session that ends under a running command.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { abortOnSignals } from "./signals.ts";
 * const { signal, dispose } = abortOnSignals();
 * assert.ok(!signal.aborted);
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
  const offHup = runtime.onSignal(
    "SIGHUP",
    () => controller.abort(new IpcatError("hangup", "hung up")),
  );
  return {
    signal: controller.signal,
    dispose: () => {
      offInt();
      offTerm();
      offHup();
    },
  };
}

/**
 * The exit status for an abort reason: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { IpcatError } from "../errors.ts";
 * import { abortStatus } from "./signals.ts";
 * assert.ok(abortStatus(AbortSignal.abort(new IpcatError("terminated", "terminated"))) === 143);
 * ```
 */
export function abortStatus(signal: AbortSignal): number {
  return signal.reason instanceof IpcatError ? signal.reason.exitCode : 130;
}
