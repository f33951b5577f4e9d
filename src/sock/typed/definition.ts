/**
 * Typed service definitions: one object holds a service's name, version and the valibot
 * schemas of its messages, and both ends take their types and their validation from it
 * (no code generation). Also the typed layer's encoding inside MSG data
 * (`docs/sock-protocol.md`, "Typed services").
 *
 * @module
 */
import * as v from "valibot";

/** Any valibot schema (synchronous). */
export type AnySchema = v.GenericSchema<unknown, unknown>;

/**
 * The schema of a raw-bytes message: sent as the bytes themselves, not as JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as v from "valibot";
 * import { Bytes } from "./definition.ts";
 * assert.ok(v.is(Bytes, new Uint8Array(2)));
 * ```
 */
export const Bytes: v.InstanceSchema<Uint8ArrayConstructor, undefined> = v.instance(Uint8Array);

/** The schemas of a service; `clientMessage` and `serverMessage` only for streams. */
export interface ServiceSchemas {
  /** The opening message, sent with the call. */
  open: AnySchema;
  /** Messages the client sends after the opening one (client streaming). */
  clientMessage?: AnySchema;
  /** Messages the server sends before its result (server streaming). */
  serverMessage?: AnySchema;
  /** The final result, sent once before END `ok`. */
  result: AnySchema;
  /** The typed error a handler may fail with ({@link ServiceError}), before END `other`. */
  error?: AnySchema;
}

/** A service definition: what {@link defineService} returns. */
export type ServiceDefinition<S extends ServiceSchemas = ServiceSchemas> = S & {
  /** The name clients route by (CRC-64/WE on the wire). */
  readonly name: string;
  /** The service's own version, for introspection (`1.0.0`, say). */
  readonly version: string;
};

type SchemaOf<S extends ServiceSchemas, K extends keyof ServiceSchemas> = S[K] extends AnySchema
  ? S[K]
  : v.NeverSchema<undefined>;
/** What the sending side gives for part `K` of a definition (valibot's input type). */
export type InputOf<D extends ServiceSchemas, K extends keyof ServiceSchemas> = v.InferInput<
  SchemaOf<D, K>
>;
/** What the receiving side gets for part `K` of a definition (valibot's output type). */
export type OutputOf<D extends ServiceSchemas, K extends keyof ServiceSchemas> = v.InferOutput<
  SchemaOf<D, K>
>;

/**
 * Defines a service. The server implements it with `implement`, the client calls it
 * with `client.call` or `client.stream`; the types of both come from the schemas.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as v from "valibot";
 * import { defineService } from "./definition.ts";
 * const Greet = defineService({
 *   name: "app.greet",
 *   version: "1.0.0",
 *   open: v.object({ name: v.string() }),
 *   result: v.object({ greeting: v.string() }),
 * });
 * assert.ok(Greet.name === "app.greet");
 * ```
 */
export function defineService<const S extends ServiceSchemas>(
  definition: S & { name: string; version: string },
): ServiceDefinition<S> {
  if (!definition.name) throw new TypeError("a service definition needs a name");
  return Object.freeze({ ...definition });
}

/** The part byte that starts every typed MSG after the opening one. */
export const TYPED_PARTS = { message: 1, result: 2, error: 3 } as const;

/**
 * A typed failure: thrown by a handler (with a value of the definition's `error` schema)
 * it reaches the caller, whose call rejects with a `ServiceError` holding the value.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ServiceError } from "./definition.ts";
 * const failure = new ServiceError({ reason: "no such node" }, "node 9 is unknown");
 * assert.ok(failure.message === "node 9 is unknown");
 * ```
 */
export class ServiceError<T = unknown> extends Error {
  /** The error value (the definition's `error` schema). */
  readonly data: T;
  constructor(data: T, message = "the service failed") {
    super(message);
    this.name = "ServiceError";
    this.data = data;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes of `value` for `schema`: raw for {@link Bytes}, JSON otherwise. */
export function encodeValue(schema: AnySchema | undefined, value: unknown): Uint8Array {
  if (schema === Bytes) return value as Uint8Array;
  return encoder.encode(JSON.stringify(value ?? null));
}

/** `value` as one typed MSG: the part byte, then the value's bytes. */
export function encodePart(part: number, schema: AnySchema | undefined, value: unknown) {
  const body = encodeValue(schema, value);
  const out = new Uint8Array(body.byteLength + 1);
  out[0] = part;
  out.set(body, 1);
  return out;
}

/**
 * The opening MSG: the deadline in milliseconds from now (u32le, 0: none), then the
 * opening value.
 */
export function encodeOpening(schema: AnySchema, value: unknown, deadlineMs: number): Uint8Array {
  const body = encodeValue(schema, value);
  const out = new Uint8Array(body.byteLength + 4);
  new DataView(out.buffer).setUint32(0, Math.max(0, Math.min(0xffffffff, deadlineMs)), true);
  out.set(body, 4);
  return out;
}

/** The opening MSG's deadline (ms from its arrival, 0: none) and its value's bytes. */
export function decodeOpening(data: Uint8Array): { deadlineMs: number; body: Uint8Array } | null {
  if (data.byteLength < 4) return null;
  const deadlineMs = new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);
  return { deadlineMs, body: data.subarray(4) };
}

/** The result of checking received bytes against a schema. */
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Decodes and validates received bytes; the failure's reason names the field path of
 * valibot's first issue (`at user.name: Invalid type: …`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as v from "valibot";
 * import { decodeValue } from "./definition.ts";
 * const checked = decodeValue(v.object({ n: v.number() }), new TextEncoder().encode('{"n":"x"}'));
 * assert.ok(!checked.ok && checked.reason.startsWith("at n: "));
 * ```
 */
export function decodeValue<S extends AnySchema>(
  schema: S,
  bytes: Uint8Array,
): Checked<v.InferOutput<S>> {
  let value: unknown = bytes;
  if ((schema as AnySchema) !== Bytes) {
    try {
      value = JSON.parse(decoder.decode(bytes));
    } catch (error) {
      return { ok: false, reason: `not JSON: ${(error as Error).message}` };
    }
  }
  return check(schema, value);
}

/** Validates `value` against `schema`, naming the field path of the first issue. */
export function check<S extends AnySchema>(schema: S, value: unknown): Checked<v.InferOutput<S>> {
  const parsed = v.safeParse(schema, value);
  if (parsed.success) return { ok: true, value: parsed.output as v.InferOutput<S> };
  return { ok: false, reason: issueReason(parsed.issues) };
}

/**
 * One line for valibot's issues: the first one's dot path and message.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as v from "valibot";
 * import { issueReason } from "./definition.ts";
 * const parsed = v.safeParse(v.object({ a: v.array(v.string()) }), { a: [1] });
 * assert.ok(!parsed.success && issueReason(parsed.issues).startsWith("at a.0: "));
 * ```
 */
export function issueReason(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  if (!first) return "invalid";
  const path = v.getDotPath(first);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return `${path ? `at ${path}` : "at the top level"}: ${first.message}${more}`;
}
