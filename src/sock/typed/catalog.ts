/**
 * `ipcat.services`, defined as a typed service: with a typed opening it answers every
 * service's version and JSON Schemas (protocol 1.2); with an empty opening, as 1.0 and
 * 1.1 clients send, it answers the names only, as before.
 *
 * @module
 */
import * as v from "valibot";
import { IpcatError } from "../../errors.ts";
import { STATUS_CODES } from "../../framing/sock.ts";
import type { SockClient } from "../client.ts";
import type { Service } from "../server.ts";
import { ServicesReplySchema } from "../services.ts";
import { type CallOptions, endError } from "./call.ts";
import { defineService, type ServiceDefinition } from "./definition.ts";
import { implement } from "./implement.ts";
import {
  describeAs,
  describeServices,
  INTROSPECTION_PROTOCOL,
  IntrospectionSchema,
  type ServiceDescription,
} from "./introspection.ts";

/**
 * The definition of `ipcat.services`: open `{ service? }` (one service, or all).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ServicesDefinition } from "./catalog.ts";
 * assert.ok(ServicesDefinition.name === "ipcat.services");
 * ```
 */
export const ServicesDefinition: ServiceDefinition<{
  open: v.GenericSchema<{ service?: string }>;
  result: typeof IntrospectionSchema;
}> = defineService({
  name: "ipcat.services",
  version: "1.2",
  open: v.strictObject({ service: v.optional(v.string()) }),
  result: IntrospectionSchema,
});

/**
 * `ipcat.services` for a server's table (`services` is read at each call, so the table
 * may include this service itself). A list of names instead gives the names-only answer
 * whatever the opening.
 *
 * @example
 * ```ts ignore
 * import { echoService, serve, servicesService, type Service } from "../mod.ts";
 * const services: Record<string, Service> = { "ipcat.echo": echoService };
 * services["ipcat.services"] = servicesService(services);
 * const server = await serve("/tmp/app.sock", { services });
 * await server.close();
 * ```
 */
export function servicesService(services: Record<string, Service> | readonly string[]): Service {
  const names = () => (Array.isArray(services) ? [...services] : Object.keys(services).sort());
  const typed = implement(ServicesDefinition, ({ input, channel }) => {
    // Names alone carry no definitions: they are described as schema-less.
    const table: Record<string, Service | null> = Array.isArray(services)
      ? Object.fromEntries(services.map((name) => [name, null]))
      : services as Record<string, Service>;
    const described = describeServices(table);
    const wanted = input.service;
    if (wanted !== undefined && !described.some((s) => s.name === wanted)) {
      channel.end(STATUS_CODES.no_entry, `no service named ${wanted}`);
    }
    return {
      protocol: INTROSPECTION_PROTOCOL,
      services: wanted === undefined ? described : described.filter((s) => s.name === wanted),
    };
  });
  const legacy: Service = (channel) => {
    channel.send(JSON.stringify({ version: "1.0", services: names() })).then(
      () => channel.end(0),
      (error) => channel.end(STATUS_CODES.too_large, (error as Error)?.message ?? String(error)),
    );
  };
  // Described as typed (what a 1.2 client sends); an empty opening is the 1.0 form.
  return describeAs(
    (channel, client) =>
      channel.opening.byteLength === 0 ? legacy(channel, client) : typed(channel, client),
    ServicesDefinition,
    "typed",
  );
}

/** What {@link introspect} found: the descriptions, and whether they carry schemas. */
export interface Introspection {
  /** The server's protocol version, `major.minor`. */
  protocol: string;
  /** False against a server before 1.2: names only (`version` and `schemas` are null). */
  schemas: boolean;
  services: ServiceDescription[];
}

/**
 * Asks a server for its services: with versions and JSON Schemas from a 1.2 server, the
 * names only from an older one (`schemas: false`).
 *
 * @example
 * ```ts ignore
 * import { connect, introspect } from "../mod.ts";
 * const client = await connect("/tmp/app.sock");
 * for (const s of (await introspect(client)).services) console.log(s.name, s.version);
 * await client.close();
 * ```
 */
export async function introspect(
  client: SockClient,
  service?: string,
  options: CallOptions = {},
): Promise<Introspection> {
  const protocol = `${client.server.major}.${client.server.minor}`;
  if (client.server.minor >= 2) {
    const reply = await client.call(
      ServicesDefinition,
      service === undefined ? {} : { service },
      options,
    );
    return { protocol, schemas: true, services: reply.services };
  }
  const channel = client.open(ServicesDefinition.name, new Uint8Array(0), options);
  channel.closeWrite();
  const data = await channel.read(options);
  const end = await channel.done;
  if (end.code !== 0 || data === null) throw endError(ServicesDefinition.name, end);
  let names: string[];
  try {
    names = v.parse(ServicesReplySchema, JSON.parse(new TextDecoder().decode(data))).services;
  } catch (error) {
    throw new IpcatError(
      "protocol",
      `the server's ipcat.services answer is malformed: ${(error as Error).message}`,
    );
  }
  const wanted = service === undefined ? names : names.filter((name) => name === service);
  if (service !== undefined && wanted.length === 0) {
    throw endError(ServicesDefinition.name, {
      code: STATUS_CODES.no_entry,
      name: "no_entry",
      reason: `no service named ${service}`,
    });
  }
  return {
    protocol,
    schemas: false,
    services: wanted.map((name) => ({ name, version: null, envelope: "raw", schemas: null })),
  };
}
