/**
 * `ipcat sock introspect`: what a routed server offers, with each service's version and
 * the JSON Schema of its messages (protocol 1.2; names only from older servers); and
 * the typed half of `ipcat sock call`; `ipcat sock subscribe`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { defineCommand } from "../cli/command.ts";
import { note, writeOut } from "../cli/io.ts";
import { duration, flag } from "../cli/options.ts";
import { IpcatError } from "../errors.ts";
import { STATUS_CODES } from "../framing/sock.ts";
import type { ChannelEnd } from "./channel.ts";
import { connect, type SockClient } from "./client.ts";
import { socketPath } from "./paths.ts";
import { introspect, ServicesDefinition } from "./typed/catalog.ts";
import { TYPED_PARTS } from "./typed/definition.ts";
import { PARTS, type ServiceDescription } from "./typed/introspection.ts";
import { schemaMismatch } from "./typed/json_schema.ts";
import { subscribe } from "./typed/pubsub.ts";
import { onStopSignals } from "./signals.ts";

type JsonSchema = Record<string, unknown>;

/** A JSON Schema as a one-line TypeScript-like type: `{ name: string, tags?: string[] }`. */
export function schemaSummary(schema: JsonSchema | undefined): string {
  if (!schema) return "unknown";
  if ("const" in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((e) => JSON.stringify(e)).join(" | ");
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options)) return options.map((o) => schemaSummary(o)).join(" | ");
  }
  if (schema.contentMediaType === "application/octet-stream") return "bytes";
  const type = schema.type;
  if (type === "object") {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((schema.required ?? []) as string[]);
    const fields = Object.entries(properties).map(([name, field]) =>
      `${name}${required.has(name) ? "" : "?"}: ${schemaSummary(field)}`
    );
    if (fields.length === 0 && typeof schema.additionalProperties === "object") {
      return `{ [key: string]: ${schemaSummary(schema.additionalProperties as JsonSchema)} }`;
    }
    return fields.length ? `{ ${fields.join(", ")} }` : "{}";
  }
  if (type === "array") return `${schemaSummary(schema.items as JsonSchema)}[]`;
  if (type === "integer") return "integer";
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return type.join(" | ");
  return "unknown";
}

/** The readable summary of one service: its name and version, then one line per part. */
function summary(service: ServiceDescription): string {
  const head = service.version === null
    ? service.name
    : `${service.name} ${service.version}${service.envelope === "raw" ? " (raw messages)" : ""}`;
  const lines = [head];
  for (const part of PARTS) {
    const schema = service.schemas?.[part];
    if (!schema) continue;
    const description = typeof schema.description === "string" ? ` (${schema.description})` : "";
    lines.push(`  ${part}: ${schemaSummary(schema)}${description}`);
  }
  return lines.join("\n") + "\n";
}

/** `ipcat sock introspect`. */
export const introspectCommand = defineCommand({
  name: "introspect",
  summary: "List a routed server's services with their versions and message schemas",
  usage: "PATH [SERVICE]",
  description: [
    "Asks ipcat.services. By default one readable block per service: its name, version,",
    "and a TypeScript-like summary of each message (open, clientMessage, serverMessage,",
    "result). With --json, the answer as JSON: every message's full JSON Schema.",
    "A server older than protocol 1.2 lists names only; a note on stderr says so.",
  ].join("\n"),
  options: {
    json: flag("Print the answer as one JSON object, with the full JSON Schemas"),
    wait: duration("Wait up to DURATION for the server to appear and accept", {
      default: "0",
    }),
  },
  positionals: { min: 1, max: 2 },
  examples: [
    ["ipcat sock introspect /ipc/app.sock", "Every service and its messages"],
    ["ipcat sock introspect /ipc/app.sock app.greet --json", "One service's JSON Schemas"],
  ],
  async run({ options, args }) {
    const [spec, service] = args as [string, string | undefined];
    const path = socketPath(spec);
    const client = await connect(path, { wait: options.wait / 1000 });
    try {
      const found = await introspect(client, service);
      if (!found.schemas) {
        await note(
          `the server on ${path} speaks protocol ${found.protocol}: names only (schemas need protocol 1.2 or later)`,
        );
      }
      if (options.json) {
        await writeOut(
          JSON.stringify({ protocol: found.protocol, services: found.services }) + "\n",
        );
      } else await writeOut(found.services.map(summary).join(""));
      return 0;
    } finally {
      await client.close();
    }
  },
});

const BINARY = "application/octet-stream";
const isBinary = (schema: JsonSchema | undefined) => schema?.contentMediaType === BINARY;

/** One reply value as a JSON line: JSON parts as they are, raw bytes as text or base64. */
function replyLine(kind: "message" | "result", schema: JsonSchema | undefined, body: Uint8Array) {
  if (!isBinary(schema)) return `{"${kind}":${new TextDecoder().decode(body)}}\n`;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    return JSON.stringify({ [kind]: { data: text } }) + "\n";
  } catch {
    return JSON.stringify({ [kind]: { base64: Buffer.from(body).toString("base64") } }) + "\n";
  }
}

/**
 * `ipcat sock call` to a typed service (protocol 1.2): `data` is the opening message as
 * JSON, checked against the service's published schema before anything is sent (a
 * mismatch is a usage error naming the field path); replies print as JSON lines,
 * `{"message": …}` for each server message and `{"result": …}` for the result. Returns
 * `null` when the service is not typed (the raw call applies).
 */
export async function typedCall(
  client: SockClient,
  path: string,
  service: string,
  data: Uint8Array,
  timeoutMs: number | undefined,
): Promise<ChannelEnd | null> {
  // Scripts read ipcat.services' names-only answer to an empty opening: it stays raw.
  if (client.server.minor < 2 || (service === ServicesDefinition.name && data.byteLength === 0)) {
    return null;
  }
  let description: ServiceDescription | undefined;
  try {
    description = (await introspect(client, service)).services[0];
  } catch (error) {
    if (error instanceof IpcatError && error.code === "not_found") return null; // raw ends it
    throw error;
  }
  const schemas = description?.envelope === "typed" ? description.schemas : null;
  const openSchema = schemas?.open;
  if (!schemas || !openSchema) return null;
  let opening: Uint8Array = data;
  if (!isBinary(openSchema)) {
    const text = new TextDecoder().decode(data) || "{}";
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new IpcatError("usage", `${service} takes JSON: ${(error as Error).message}`, {
        hint:
          `give the opening message as JSON, e.g. --json '{…}' (see 'ipcat sock introspect ${path} ${service}')`,
      });
    }
    const mismatch = schemaMismatch(openSchema, value);
    if (mismatch) {
      throw new IpcatError(
        "usage",
        `${service}: invalid opening message at ${
          mismatch.path || "the top level"
        }: ${mismatch.message}; nothing was sent`,
        { hint: `see its schema with 'ipcat sock introspect ${path} ${service}'` },
      );
    }
    opening = new TextEncoder().encode(text);
  }
  const envelope = new Uint8Array(opening.byteLength + 4);
  new DataView(envelope.buffer).setUint32(0, timeoutMs ?? 0, true);
  envelope.set(opening, 4);
  const channel = client.open(service, envelope);
  channel.closeWrite();
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
    channel.end(STATUS_CODES.deadline_exceeded, "the client's deadline passed");
  }, timeoutMs);
  try {
    for await (const reply of channel) {
      const part = reply[0];
      const kind = part === TYPED_PARTS.result ? "result" : "message";
      await writeOut(
        replyLine(kind, schemas[kind === "result" ? "result" : "serverMessage"], reply.subarray(1)),
      );
    }
  } finally {
    clearTimeout(timer);
  }
  return await channel.done;
}

/** `ipcat sock subscribe`. */
export const subscribeCommand = defineCommand({
  name: "subscribe",
  summary: "Print the events of a topic as they come (the server's ipcat.subscribe)",
  usage: "PATH TOPIC",
  description: [
    "Prints each event as one line of JSON until the server ends the subscription or a",
    'signal stops it (exit 128+N). With --json, each line is {"event": ..., "dropped": N},',
    "N the events the server dropped just before it because this subscriber fell behind",
    "(topics with the drop-oldest policy); without --json such drops are noted on stderr.",
    "A topic with the disconnect policy ends a subscriber that falls behind (exit 1).",
  ].join("\n"),
  options: {
    json: flag('Print {"event": ..., "dropped": N} per event'),
    wait: duration("Wait up to DURATION for the server to appear and accept", {
      default: "0",
    }),
  },
  positionals: { min: 2, max: 2 },
  examples: [["ipcat sock subscribe /ipc/app.sock jobs.done --json", "Follow a topic"]],
  async run({ options, args }) {
    const [spec, topic] = args as [string, string];
    const path = socketPath(spec);
    const client = await connect(path, { wait: options.wait / 1000 });
    const controller = new AbortController();
    const stop = onStopSignals(async () => {
      controller.abort(new IpcatError("failed", "interrupted"));
      await client.close();
    });
    try {
      for await (
        const { event, dropped } of subscribe(client, topic, { signal: controller.signal })
      ) {
        if (options.json) {
          await writeOut(JSON.stringify({ event, dropped }) + "\n");
          continue;
        }
        if (dropped > 0) {
          await note(`${dropped} event${dropped === 1 ? "" : "s"} of ${topic} dropped (too slow)`);
        }
        await writeOut(JSON.stringify(event) + "\n");
      }
    } catch (error) {
      if (stop.stopped) return await stop.stopped;
      throw error;
    } finally {
      if (!stop.stopped) await client.close();
    }
    if (stop.stopped) return await stop.stopped;
    return 0;
  },
});
