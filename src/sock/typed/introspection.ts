/**
 * Introspection: every service's name, version and the JSON Schema of each of its
 * messages (converted with `@valibot/to-json-schema`, valibot's official converter), as
 * `ipcat.services` answers it and `ipcat sock introspect` prints it.
 *
 * @module
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { PROTOCOL_VERSION } from "../../framing/sock.ts";
import type { Service } from "../server.ts";
import {
  type AnySchema,
  Bytes,
  type ServiceDefinition,
  type ServiceSchemas,
} from "./definition.ts";

/** The message parts a description may have a schema for. */
export const PARTS = ["open", "clientMessage", "serverMessage", "result"] as const;

/**
 * How one service is described. `envelope` says how its MSG data is framed: `typed` (the
 * typed envelope of `docs/sock-protocol.md`, "Typed services") or `raw` (the service's own
 * bytes, as the built-ins keep for 1.0 clients); `schemas` is `null` for a service
 * registered without a definition.
 */
export const ServiceDescriptionSchema: v.GenericSchema<ServiceDescription> = v.strictObject({
  name: v.string(),
  version: v.nullable(v.string()),
  envelope: v.picklist(["typed", "raw"]),
  schemas: v.nullable(
    v.strictObject({
      open: v.optional(v.record(v.string(), v.unknown())),
      clientMessage: v.optional(v.record(v.string(), v.unknown())),
      serverMessage: v.optional(v.record(v.string(), v.unknown())),
      result: v.optional(v.record(v.string(), v.unknown())),
    }),
  ),
});
/** A JSON Schema as an object. */
export type JsonSchemaObject = { [key: string]: unknown };

/** One described service (see {@link ServiceDescriptionSchema}). */
export interface ServiceDescription {
  name: string;
  version: string | null;
  envelope: "typed" | "raw";
  schemas: {
    open?: JsonSchemaObject;
    clientMessage?: JsonSchemaObject;
    serverMessage?: JsonSchemaObject;
    result?: JsonSchemaObject;
  } | null;
}

/** The typed answer of `ipcat.services`. */
export interface IntrospectionAnswer {
  protocol: string;
  services: ServiceDescription[];
}

/** The typed answer of `ipcat.services` (protocol 1.2 and later). */
export const IntrospectionSchema: v.GenericSchema<IntrospectionAnswer> = v.strictObject({
  protocol: v.string(),
  services: v.array(ServiceDescriptionSchema),
});

/** A description registered for a service function (by `implement`, or for the built-ins). */
interface Registered {
  definition: Partial<ServiceSchemas> & { name: string; version: string };
  envelope: "typed" | "raw";
}
const registry = new WeakMap<Service, Registered>();

/** Records what `service` implements, so that introspection can describe it. */
export function describeAs<T extends Service>(
  service: T,
  definition: Registered["definition"],
  envelope: "typed" | "raw",
): T {
  registry.set(service, { definition, envelope });
  return service;
}

/** The definition `service` was registered with, if any. */
export function definitionOf(service: Service): Registered["definition"] | undefined {
  return registry.get(service)?.definition;
}

/**
 * The JSON Schema (draft 2020-12) of what a sender gives for `schema`; raw bytes are a
 * binary string. Parts that JSON Schema cannot express (custom checks, transforms) are
 * left out rather than failing the whole description.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as v from "valibot";
 * import { jsonSchemaOf } from "./introspection.ts";
 * const schema = jsonSchemaOf(v.object({ n: v.number() }));
 * assert.deepStrictEqual(schema.required, ["n"]);
 * ```
 */
export function jsonSchemaOf(schema: AnySchema): Record<string, unknown> {
  return toJsonSchema(schema, {
    target: "draft-2020-12",
    typeMode: "input",
    errorMode: "ignore",
    overrideSchema: ({ valibotSchema }) =>
      (valibotSchema as unknown) === Bytes
        ? { type: "string", contentMediaType: "application/octet-stream", description: "raw bytes" }
        : undefined,
  }) as Record<string, unknown>;
}

/**
 * Describes a service definition.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as v from "valibot";
 * import { defineService } from "./definition.ts";
 * import { describeDefinition } from "./introspection.ts";
 * const Ping = defineService({ name: "app.ping", version: "1", open: v.object({}), result: v.literal("pong") });
 * assert.deepStrictEqual(describeDefinition(Ping).schemas?.result?.const, "pong");
 * ```
 */
export function describeDefinition(
  definition: ServiceDefinition | Registered["definition"],
  envelope: "typed" | "raw" = "typed",
): ServiceDescription {
  const schemas: NonNullable<ServiceDescription["schemas"]> = {};
  for (const part of PARTS) {
    const schema = definition[part];
    if (schema) schemas[part] = jsonSchemaOf(schema);
  }
  return { name: definition.name, version: definition.version, envelope, schemas };
}

/** Describes every service of a server's table (`null`: a name alone), sorted by name. */
export function describeServices(services: Record<string, Service | null>): ServiceDescription[] {
  return Object.entries(services).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(
    ([name, service]) => {
      const registered = service ? registry.get(service) : undefined;
      if (!registered) return { name, version: null, envelope: "raw", schemas: null };
      return { ...describeDefinition(registered.definition, registered.envelope), name };
    },
  );
}

/** The protocol version the typed introspection answer names. */
export const INTROSPECTION_PROTOCOL = `${PROTOCOL_VERSION.major}.${PROTOCOL_VERSION.minor}`;
