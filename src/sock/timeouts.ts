/**
 * `--idle-timeout` (socat's `-T`: no data either way for that long) and `--timeout` (the
 * whole exchange) of the sock clients: each expires with its own error and exit status.
 *
 * @module
 */
import { duration } from "../cli/options.ts";
import { IpcatError } from "../errors.ts";
import { STATUS_CODES } from "../framing/sock.ts";
import type { Channel } from "./channel.ts";
import type { SockClient } from "./client.ts";

/** The options, declared once for run, call and connect. */
export const timeoutOptions = {
  "idle-timeout": duration("Give up when no data went either way for DURATION (exit 11)"),
  timeout: duration("Give up when the whole exchange took longer than DURATION (exit 12)"),
};

/**
 * Watches one exchange: `touch()` on every chunk that goes either way; when a limit passes,
 * `onExpire` runs once (it should end the exchange) and `expired` holds the error to exit
 * with.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Deadlines } from "./timeouts.ts";
 * const deadlines = new Deadlines({ idle: undefined, total: undefined }, "/tmp/app.sock", () => {});
 * deadlines.touch();
 * deadlines.stop();
 * assert.ok(deadlines.expired === null);
 * ```
 */
export class Deadlines {
  expired: IpcatError | null = null;
  #last = performance.now();
  #timers: ReturnType<typeof setTimeout>[] = [];

  constructor(
    limits: { idle: number | undefined; total: number | undefined },
    private readonly where: string,
    private readonly onExpire: () => void,
  ) {
    if (limits.total !== undefined) {
      const total = limits.total;
      this.#timers.push(setTimeout(() => {
        this.#expire(
          new IpcatError(
            "total_timeout",
            `the exchange with ${where} did not finish within ${total / 1000} s (--timeout)`,
            { hint: "allow longer with --timeout, or check why the server is slow" },
          ),
        );
      }, total));
    }
    if (limits.idle !== undefined) this.#armIdle(limits.idle, limits.idle);
  }

  /** Data went one way or the other. */
  touch(): void {
    this.#last = performance.now();
  }

  /** The exchange is over: no limit may expire any more. */
  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
  }

  /** Re-armed for what is left of the idle period, so that a touch costs no timer. */
  #armIdle(idle: number, wait: number): void {
    this.#timers.push(setTimeout(() => {
      const quiet = performance.now() - this.#last;
      if (quiet < idle) return this.#armIdle(idle, idle - quiet);
      this.#expire(
        new IpcatError(
          "idle_timeout",
          `no data to or from ${this.where} for ${idle / 1000} s (--idle-timeout)`,
          { hint: "allow longer silences with --idle-timeout" },
        ),
      );
    }, Math.max(1, wait)));
  }

  #expire(error: IpcatError): void {
    if (this.expired) return;
    this.expired = error;
    this.stop();
    this.onExpire();
  }
}

/**
 * The deadlines of a routed client's one channel (`run`, `call`): expiring cancels the
 * channel (the server ends the run's process group) and closes the connection.
 */
export function watchChannel(
  options: { "idle-timeout"?: number; timeout?: number },
  where: string,
  channel: Channel,
  client: SockClient,
): Deadlines {
  return new Deadlines({ idle: options["idle-timeout"], total: options.timeout }, where, () => {
    channel.end(STATUS_CODES.canceled, "the client's timeout expired");
    void client.close();
  });
}
