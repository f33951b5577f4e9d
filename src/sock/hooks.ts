/**
 * Server hooks: what a daemon's operators observe (client connect and disconnect, each
 * channel's open and end with its code, duration and bytes), run so that a failing hook
 * is logged and never disturbs the server.
 *
 * @module
 */
import type { Channel } from "./channel.ts";
import type { ClientContext } from "./server.ts";

/** How a channel went, for {@link ServerHooks.channelEnded}. */
export interface ChannelReport {
  client: ClientContext;
  service: string;
  tag: number;
  /** The END code and its name (`disconnected` on a drop), and the reason. */
  code: number;
  name: string;
  reason: string;
  /** Milliseconds from the opening MSG to the channel's end. */
  durationMs: number;
  /** MSG data bytes from the client (opening included) and to it. */
  bytesIn: number;
  bytesOut: number;
}

/**
 * Server events. Hooks run synchronously on the server's path: keep them short (queue
 * the work elsewhere); one that throws is logged and does not disturb the server.
 */
export interface ServerHooks {
  clientConnected?(client: ClientContext): void;
  clientDisconnected?(client: ClientContext, info: { openChannels: number }): void;
  channelOpened?(info: { client: ClientContext; service: string; tag: number }): void;
  channelEnded?(report: ChannelReport): void;
}

/** The hooks of one server, each call guarded. */
export class Hooks {
  readonly #hooks: ServerHooks;
  readonly #log: (line: string) => void;

  constructor(hooks: ServerHooks, log: (line: string) => void) {
    this.#hooks = hooks;
    this.#log = log;
  }

  #run(name: keyof ServerHooks, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#log(`hook ${name} failed: ${(error as Error)?.message ?? error}`);
    }
  }

  clientConnected(client: ClientContext): void {
    const hook = this.#hooks.clientConnected;
    if (hook) this.#run("clientConnected", () => hook(client));
  }

  clientDisconnected(client: ClientContext, openChannels: number): void {
    const hook = this.#hooks.clientDisconnected;
    if (hook) this.#run("clientDisconnected", () => hook(client, { openChannels }));
  }

  /** Reports the opening now, and the end once the channel is over. */
  channelOpened(client: ClientContext, service: string, channel: Channel): void {
    const opened = this.#hooks.channelOpened;
    const tag = channel.tag;
    if (opened) this.#run("channelOpened", () => opened({ client, service, tag }));
    const ended = this.#hooks.channelEnded;
    if (!ended) return;
    const started = performance.now();
    void channel.done.then((end) =>
      this.#run("channelEnded", () =>
        ended({
          client,
          service,
          tag,
          code: end.code,
          name: end.name,
          reason: end.reason,
          durationMs: performance.now() - started,
          bytesIn: channel.opening.byteLength + channel.bytesReceived,
          bytesOut: channel.bytesSent,
        }))
    );
  }
}
