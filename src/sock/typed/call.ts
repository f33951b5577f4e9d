/**
 * The client side of typed services: unary calls and streams on a connected client,
 * with their types inferred from a service definition. What is sent is validated before
 * it leaves (nothing is sent when it does not match); what arrives is validated before it
 * is handed over (an invalid reply ends the channel with `invalid`).
 *
 * @module
 */
import { IpcatError } from "../../errors.ts";
import { STATUS_CODES } from "../../framing/sock.ts";
import type { Channel, ChannelEnd } from "../channel.ts";
import {
  check,
  decodeValue,
  encodeOpening,
  encodePart,
  type InputOf,
  type OutputOf,
  type ServiceDefinition,
  ServiceError,
  type ServiceSchemas,
  TYPED_PARTS,
} from "./definition.ts";

/** Options of a typed call or stream. */
export interface CallOptions {
  /**
   * Milliseconds the call may take. Sent to the server (its `signal` aborts then); at the
   * deadline the call fails with a `timeout` error and the channel ends with
   * `deadline_exceeded`.
   */
  timeoutMs?: number;
  /** Cancels the call: the channel ends with `canceled`, the call rejects with the reason. */
  signal?: AbortSignal;
}

/** What opens channels: a connected client (`SockClient.open`). */
export interface ChannelOpener {
  open(service: string, data?: Uint8Array | string): Channel;
}

/** The error a typed call fails with for the way its channel ended. */
export function endError(service: string, end: ChannelEnd): IpcatError {
  const what = `${service}: ${end.name}${end.reason ? `: ${end.reason}` : ""}`;
  switch (end.code) {
    case STATUS_CODES.invalid:
    case STATUS_CODES.invalid_argument:
      return new IpcatError("usage", what, { hint: "send what the service's schema accepts" });
    case STATUS_CODES.deadline_exceeded:
    case STATUS_CODES.timed_out:
      return new IpcatError("timeout", what, { hint: "give the call a longer timeout" });
    case STATUS_CODES.no_entry:
      return new IpcatError("not_found", what, {
        hint: "list the server's services with 'ipcat sock introspect PATH'",
      });
    case STATUS_CODES.permission_denied:
      return new IpcatError("permission", what);
    case STATUS_CODES.too_large:
      return new IpcatError("limit", what, { hint: "send smaller messages" });
    case STATUS_CODES.disconnected:
    case STATUS_CODES.shutdown:
      return new IpcatError("unavailable", what, { hint: "check that the server still runs" });
    default:
      return new IpcatError("failed", what);
  }
}

/**
 * One typed call in progress: send client messages, iterate server messages, await the
 * result. The raw channel stays reachable as `channel`.
 */
export class TypedCall<S extends ServiceSchemas>
  implements AsyncIterable<OutputOf<S, "serverMessage">> {
  readonly channel: Channel;
  readonly #definition: ServiceDefinition<S>;
  #result: { value: OutputOf<S, "result"> } | null = null;
  #error: { value: OutputOf<S, "error"> } | null = null;
  #failure: IpcatError | Error | null = null;
  #iterating = false;
  #settled: Promise<OutputOf<S, "result">> | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #cleanup: () => void = () => {};

  /** @internal Use `client.stream` (or {@link stream}). */
  constructor(channel: Channel, definition: ServiceDefinition<S>, options: CallOptions) {
    this.channel = channel;
    this.#definition = definition;
    const name = definition.name;
    if (options.timeoutMs !== undefined) {
      this.#timer = setTimeout(() => {
        this.#fail(
          new IpcatError("timeout", `${name}: no result within ${options.timeoutMs} ms`, {
            hint: "give the call a longer timeout",
          }),
          STATUS_CODES.deadline_exceeded,
          "the client's deadline passed",
        );
      }, options.timeoutMs);
    }
    const signal = options.signal;
    if (signal) {
      const abort = () => {
        const reason = signal.reason instanceof Error
          ? signal.reason
          : new IpcatError("failed", `${name}: canceled`);
        this.#fail(reason, STATUS_CODES.canceled, `canceled by the client: ${reason.message}`);
      };
      signal.addEventListener("abort", abort, { once: true });
      this.#cleanup = () => signal.removeEventListener("abort", abort);
    }
    void channel.done.then(() => {
      clearTimeout(this.#timer);
      this.#cleanup();
    });
  }

  #fail(error: IpcatError | Error, code: number, reason: string): void {
    if (this.#failure || this.#result) return;
    this.#failure = error;
    this.channel.end(code, reason);
  }

  /** Sends one client message (validated first; nothing is sent when it does not match). */
  send(message: InputOf<S, "clientMessage">): Promise<void> {
    const schema = this.#definition.clientMessage;
    const name = this.#definition.name;
    if (!schema) {
      return Promise.reject(new IpcatError("usage", `${name} takes no client messages`));
    }
    const checked = check(schema, message);
    if (!checked.ok) {
      return Promise.reject(
        new IpcatError("usage", `${name}: invalid client message ${checked.reason}`),
      );
    }
    return this.channel.send(encodePart(TYPED_PARTS.message, schema, message));
  }

  /**
   * Sends every message of `messages` (an async iterator too) in order, each validated,
   * then half-closes: client streaming from an iterator.
   */
  async sendAll(
    messages: AsyncIterable<InputOf<S, "clientMessage">> | Iterable<InputOf<S, "clientMessage">>,
  ): Promise<void> {
    for await (const message of messages) await this.send(message);
    this.closeWrite();
  }

  /** Half-close: the client sends no more messages (the server's `messages` end). */
  closeWrite(): void {
    this.channel.closeWrite();
  }

  /** Ends the call at once with `canceled`. */
  cancel(reason = "canceled by the client"): void {
    this.#fail(
      new IpcatError("failed", `${this.#definition.name}: ${reason}`),
      STATUS_CODES.canceled,
      reason,
    );
  }

  /** The server's messages, validated, until its result. */
  [Symbol.asyncIterator](): AsyncIterator<OutputOf<S, "serverMessage">> {
    this.#iterating = true;
    return this.#read();
  }

  async *#read(): AsyncGenerator<OutputOf<S, "serverMessage">> {
    const name = this.#definition.name;
    for await (const data of this.channel) {
      const part = data[0];
      const kind = part === TYPED_PARTS.result
        ? "result"
        : part === TYPED_PARTS.error
        ? "error"
        : part === TYPED_PARTS.message
        ? "serverMessage"
        : null;
      const schema = kind ? this.#definition[kind] : undefined;
      const checked = schema && !this.#result && !this.#error
        ? decodeValue(schema, data.subarray(1))
        : { ok: false as const, reason: `unexpected part ${part}` };
      if (!checked.ok) {
        const why = `invalid server ${
          kind === "serverMessage" ? "message" : kind ?? "part"
        } ${checked.reason}`;
        this.#fail(new IpcatError("protocol", `${name}: ${why}`), STATUS_CODES.invalid, why);
        break;
      }
      if (kind === "result") this.#result = { value: checked.value };
      else if (kind === "error") this.#error = { value: checked.value };
      else yield checked.value as OutputOf<S, "serverMessage">;
    }
  }

  /**
   * The call's result, once the channel ended `ok` after it. Rejects with the END's error
   * (`invalid` → `usage`, `deadline_exceeded` → `timeout`, `disconnected` →
   * `unavailable` …). Unread server messages are skipped when nobody iterates.
   */
  get result(): Promise<OutputOf<S, "result">> {
    this.#settled ??= this.#settle();
    return this.#settled;
  }

  async #settle(): Promise<OutputOf<S, "result">> {
    if (!this.#iterating) { for await (const _ of this.#read()) { /* skipped: nobody iterates */ } }
    const end = await this.channel.done;
    if (this.#failure) throw this.#failure;
    if (this.#error) {
      throw new ServiceError(this.#error.value, `${this.#definition.name}: ${end.reason}`);
    }
    if (end.code === STATUS_CODES.ok && this.#result) return this.#result.value;
    if (end.code === STATUS_CODES.ok) {
      throw new IpcatError(
        "protocol",
        `${this.#definition.name}: the channel ended without a result`,
      );
    }
    throw endError(this.#definition.name, end);
  }
}

/**
 * Opens a typed stream: validates `input`, sends it with the deadline, and returns the
 * call in progress.
 *
 * @example
 * ```ts ignore
 * import * as v from "valibot";
 * import { connect, defineService, stream } from "../mod.ts";
 * const Chat = defineService({
 *   name: "app.chat", version: "1.0.0", open: v.object({ room: v.string() }),
 *   clientMessage: v.object({ text: v.string() }), serverMessage: v.object({ text: v.string() }),
 *   result: v.object({ lines: v.number() }),
 * });
 * const client = await connect("/tmp/app.sock");
 * const call = stream(client, Chat, { room: "a" });
 * await call.send({ text: "hi" });
 * call.closeWrite();
 * for await (const line of call) console.log(line.text);
 * console.log(await call.result);
 * ```
 */
export function stream<S extends ServiceSchemas>(
  client: ChannelOpener,
  definition: ServiceDefinition<S>,
  input: InputOf<S, "open">,
  options: CallOptions = {},
): TypedCall<S> {
  const checked = check(definition.open, input);
  if (!checked.ok) {
    throw new IpcatError("usage", `${definition.name}: invalid opening message ${checked.reason}`, {
      hint: "send what the service's schema accepts",
    });
  }
  options.signal?.throwIfAborted();
  const opening = encodeOpening(definition.open, input, options.timeoutMs ?? 0);
  return new TypedCall(client.open(definition.name, opening), definition, options);
}

/**
 * A unary call: sends `input`, half-closes, resolves with the validated result.
 *
 * @example
 * ```ts ignore
 * import * as v from "valibot";
 * import { call, connect, defineService } from "../mod.ts";
 * const Greet = defineService({
 *   name: "app.greet", version: "1.0.0",
 *   open: v.object({ name: v.string() }), result: v.object({ greeting: v.string() }),
 * });
 * const client = await connect("/tmp/app.sock");
 * const { greeting } = await call(client, Greet, { name: "ada" }, { timeoutMs: 1000 });
 * ```
 */
export async function call<S extends ServiceSchemas>(
  client: ChannelOpener,
  definition: ServiceDefinition<S>,
  input: InputOf<S, "open">,
  options: CallOptions = {},
): Promise<OutputOf<S, "result">> {
  const typed = stream(client, definition, input, options);
  typed.closeWrite();
  return await typed.result;
}
