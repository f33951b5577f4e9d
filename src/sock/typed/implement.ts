/**
 * The server side of typed services: `implement(definition, handler)` turns a handler
 * with inferred types into a {@link Service}. The opening message and every client
 * message are validated (END `invalid` naming the field path), so are the handler's own
 * messages and result; the handler's `signal` aborts at the caller's deadline, on the
 * caller's cancel and on a disconnect.
 *
 * @module
 */
import { IpcatError } from "../../errors.ts";
import { STATUS_CODES } from "../../framing/sock.ts";
import type { Channel, ChannelEnd } from "../channel.ts";
import type { ClientContext, Service } from "../server.ts";
import {
  type AnySchema,
  check,
  decodeOpening,
  decodeValue,
  encodePart,
  type InputOf,
  type OutputOf,
  type ServiceDefinition,
  ServiceError,
  type ServiceSchemas,
  TYPED_PARTS,
} from "./definition.ts";
import { describeAs } from "./introspection.ts";

/** What a typed handler gets for one call. */
export interface CallContext<S extends ServiceSchemas> {
  /** The validated opening message. */
  readonly input: OutputOf<S, "open">;
  /** The client's validated messages, until it half-closes (client streaming). */
  readonly messages: AsyncIterable<OutputOf<S, "clientMessage">>;
  /** Sends one message before the result (server streaming); validated first. */
  send(message: InputOf<S, "serverMessage">): Promise<void>;
  /**
   * Aborts at the caller's deadline, when the caller cancels, or when its connection
   * drops; `signal.reason` is an {@link IpcatError} saying which.
   */
  readonly signal: AbortSignal;
  /** The caller's connection: its id, protocol version and credentials (`peer`). */
  readonly client: ClientContext;
  /** The raw channel underneath, for what the typed layer does not cover. */
  readonly channel: Channel;
}

/** A typed handler: returns (or resolves to) the call's result. */
export type Handler<S extends ServiceSchemas> = (
  context: CallContext<S>,
) => InputOf<S, "result"> | Promise<InputOf<S, "result">>;

/** Thrown into a handler whose own message or result does not match its schema. */
function outgoingInvalid(name: string, what: string, reason: string): IpcatError {
  return new IpcatError("internal", `service ${name} sent an invalid ${what}: ${reason}`, {
    hint: "make the service's values match its definition",
  });
}

function abortReason(end: ChannelEnd): IpcatError {
  if (end.code === STATUS_CODES.deadline_exceeded) {
    return new IpcatError("timeout", "the call's deadline passed");
  }
  if (end.name === "disconnected") return new IpcatError("unavailable", end.reason);
  return new IpcatError(
    "failed",
    `the caller ended the call (${end.name}${end.reason ? `: ${end.reason}` : ""})`,
  );
}

/**
 * Implements a service definition. Register the result under `definition.name`.
 *
 * @example
 * ```ts ignore
 * import * as v from "valibot";
 * import { defineService, implement, serve } from "../mod.ts";
 * const Greet = defineService({
 *   name: "app.greet", version: "1.0.0",
 *   open: v.object({ name: v.string() }), result: v.object({ greeting: v.string() }),
 * });
 * const server = await serve("/tmp/app.sock", {
 *   services: { [Greet.name]: implement(Greet, ({ input }) => ({ greeting: `hello ${input.name}` })) },
 * });
 * await server.close();
 * ```
 */
export function implement<S extends ServiceSchemas>(
  definition: ServiceDefinition<S>,
  handler: Handler<S>,
): Service {
  const name = definition.name;
  return describeAs(
    async (channel, client) => {
      const opening = decodeOpening(channel.opening);
      if (!opening) {
        channel.end(STATUS_CODES.invalid, `${name}: the opening message lacks the typed header`);
        return;
      }
      const input = decodeValue(definition.open, opening.body);
      if (!input.ok) {
        channel.end(STATUS_CODES.invalid, `${name}: invalid opening message ${input.reason}`);
        return;
      }
      const controller = new AbortController();
      let finished = false;
      const timer = opening.deadlineMs > 0
        ? setTimeout(() => {
          channel.end(STATUS_CODES.deadline_exceeded, `${name}: the deadline passed`);
        }, opening.deadlineMs)
        : undefined;
      void channel.done.then((end) => {
        clearTimeout(timer);
        if (!finished) controller.abort(abortReason(end));
      });
      const context: CallContext<S> = {
        input: input.value as OutputOf<S, "open">,
        messages: incoming(channel, name, definition.clientMessage),
        send: (message) => sendChecked(channel, name, definition.serverMessage, message),
        signal: controller.signal,
        client,
        channel,
      };
      let result: InputOf<S, "result">;
      try {
        result = await handler(context);
      } catch (error) {
        if (!(error instanceof ServiceError) || !definition.error || channel.writeEnded) {
          throw error;
        }
        await sendFailure(channel, name, definition.error, error);
        return;
      } finally {
        finished = true;
      }
      if (channel.writeEnded) return; // canceled, past its deadline, or ended by the handler
      const checked = check(definition.result, result);
      if (!checked.ok) {
        channel.end(STATUS_CODES.invalid, `${name}: invalid result ${checked.reason}`);
        throw outgoingInvalid(name, "result", checked.reason);
      }
      await channel.send(encodePart(TYPED_PARTS.result, definition.result, result));
      channel.end(0);
    },
    definition,
    "typed",
  );
}

/** Sends a handler's typed failure, then END `other` with its message. */
async function sendFailure(
  channel: Channel,
  name: string,
  schema: AnySchema,
  failure: ServiceError,
): Promise<void> {
  const checked = check(schema, failure.data);
  if (!checked.ok) {
    channel.end(STATUS_CODES.invalid, `${name}: invalid error ${checked.reason}`);
    throw outgoingInvalid(name, "error", checked.reason);
  }
  await channel.send(encodePart(TYPED_PARTS.error, schema, failure.data));
  channel.end(STATUS_CODES.other, failure.message);
}

async function sendChecked(
  channel: Channel,
  name: string,
  schema: AnySchema | undefined,
  message: unknown,
): Promise<void> {
  if (!schema) throw outgoingInvalid(name, "message", "its definition has no serverMessage");
  const checked = check(schema, message);
  if (!checked.ok) {
    channel.end(STATUS_CODES.invalid, `${name}: invalid server message ${checked.reason}`);
    throw outgoingInvalid(name, "message", checked.reason);
  }
  await channel.send(encodePart(TYPED_PARTS.message, schema, message));
}

/** The client's messages, validated; an invalid one ends the channel with `invalid`. */
async function* incoming<T>(
  channel: Channel,
  name: string,
  schema: AnySchema | undefined,
): AsyncGenerator<T> {
  for await (const data of channel) {
    const reason = !schema
      ? "its definition takes no client messages"
      : data[0] !== TYPED_PARTS.message
      ? `part ${data[0]} where a message (1) was due`
      : null;
    const checked = reason === null ? decodeValue(schema!, data.subarray(1)) : null;
    if (!checked?.ok) {
      const why = reason ?? (checked as { reason: string }).reason;
      channel.end(STATUS_CODES.invalid, `${name}: invalid client message ${why}`);
      throw new IpcatError("usage", `${name}: invalid client message ${why}`);
    }
    yield checked.value as T;
  }
}
