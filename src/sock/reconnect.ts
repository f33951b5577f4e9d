/**
 * Opt-in reconnect: a client that, when its connection drops, dials again with
 * exponential backoff. Channels open at the drop complete with `disconnected` and are
 * never resumed: the application decides what to retry.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import type { Channel } from "./channel.ts";
import { connect, type ConnectOptions, type SockClient } from "./client.ts";
import { call, type CallOptions, stream, type TypedCall } from "./typed/call.ts";
import type { InputOf, OutputOf, ServiceDefinition, ServiceSchemas } from "./typed/definition.ts";

/** Options of {@link connectReconnecting}. */
export interface ReconnectOptions extends ConnectOptions {
  /** The first wait before dialing again, in milliseconds (default 50); doubles each try. */
  initialBackoffMs?: number;
  /** The longest wait between tries (default 5000). */
  maxBackoffMs?: number;
  /** Called after each successful reconnect, with the number of tries it took. */
  onReconnect?: (attempts: number) => void;
}

/** A client that reconnects: as {@link SockClient}, plus `connected` and `ready()`. */
export interface ReconnectingClient {
  /** True while a connection is up. */
  readonly connected: boolean;
  /** Resolves once connected (at once when connected now); rejects once closed. */
  ready(): Promise<void>;
  /**
   * Opens a channel on the current connection. Throws `unavailable` while reconnecting:
   * nothing is queued for a connection that does not exist yet.
   */
  open(service: string, data?: Uint8Array | string, options?: { signal?: AbortSignal }): Channel;
  /** A typed call; waits for a connection first (within `timeoutMs`, if given). */
  call<S extends ServiceSchemas>(
    definition: ServiceDefinition<S>,
    input: InputOf<S, "open">,
    options?: CallOptions,
  ): Promise<OutputOf<S, "result">>;
  /** A typed stream on the current connection (throws `unavailable` while reconnecting). */
  stream<S extends ServiceSchemas>(
    definition: ServiceDefinition<S>,
    input: InputOf<S, "open">,
    options?: CallOptions,
  ): TypedCall<S>;
  /** Stops reconnecting and closes the connection. */
  close(): Promise<void>;
}

/**
 * Connects (the first connect fails as {@link connect} does), and reconnects with backoff
 * whenever the connection drops, until `close()`.
 *
 * @example
 * ```ts ignore
 * import { connectReconnecting } from "./reconnect.ts";
 * const client = await connectReconnecting("/tmp/app.sock", { maxBackoffMs: 2000 });
 * await client.ready();
 * await client.close();
 * ```
 */
export async function connectReconnecting(
  path: string,
  options: ReconnectOptions = {},
): Promise<ReconnectingClient> {
  const initial = options.initialBackoffMs ?? 50;
  const max = options.maxBackoffMs ?? 5000;
  let current: SockClient | null = await connect(path, options);
  let closed = false;
  let waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  const closedError = () =>
    new IpcatError("usage", `the client of ${path} was closed`, { hint: "connect again" });

  const watch = (client: SockClient) => {
    void client.closed.then(async () => {
      if (closed) return;
      current = null;
      for (let attempt = 1, wait = initial; !closed; attempt++, wait = Math.min(max, wait * 2)) {
        await new Promise((r) => setTimeout(r, wait));
        if (closed) return;
        try {
          const next = await connect(path, { ...options, wait: 0 });
          if (closed) {
            await next.close();
            return;
          }
          current = next;
          watch(next);
          for (const waiter of waiters.splice(0)) waiter.resolve();
          options.onReconnect?.(attempt);
          return;
        } catch {
          // Not back yet: the next try waits longer.
        }
      }
    });
  };
  watch(current);

  const live = (): SockClient => {
    if (closed) throw closedError();
    if (!current) {
      throw new IpcatError("unavailable", `reconnecting to ${path}`, {
        hint: "wait for ready(), or retry",
      });
    }
    return current;
  };
  const self: ReconnectingClient = {
    get connected() {
      return current !== null && !closed;
    },
    ready() {
      if (closed) return Promise.reject(closedError());
      if (current) return Promise.resolve();
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    open: (service, data, openOptions) => live().open(service, data, openOptions),
    async call(definition, input, callOptions = {}) {
      if (!current) {
        const started = Date.now();
        await withTimeout(self.ready(), callOptions.timeoutMs, path);
        if (callOptions.timeoutMs !== undefined) {
          callOptions = {
            ...callOptions,
            timeoutMs: Math.max(1, callOptions.timeoutMs - (Date.now() - started)),
          };
        }
      }
      return await call(live(), definition, input, callOptions);
    },
    stream: (definition, input, callOptions) => stream(live(), definition, input, callOptions),
    async close() {
      closed = true;
      for (const waiter of waiters.splice(0)) waiter.reject(closedError());
      waiters = [];
      await current?.close();
    },
  };
  return self;
}

function withTimeout(promise: Promise<void>, ms: number | undefined, path: string) {
  if (ms === undefined) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new IpcatError("timeout", `not reconnected to ${path} within ${ms} ms`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}
