/**
 * The library's watching calls: the daemon's events and a container's resource samples
 * as async iterators (a `for await` that breaks ends the request), and the shape of the
 * logs streams.
 *
 * @module
 */
import * as v from "valibot";
import type { DockerApi } from "./api.ts";
import { filtersQuery } from "./client_objects.ts";

/** A container's logs as streams, as `attach` gives them. */
export interface LogStreams {
  stdout: ReadableStream<Uint8Array>;
  /** Empty when the container has a TTY (everything is on stdout). */
  stderr: ReadableStream<Uint8Array>;
  /** Settles when the logs end (with `follow`: when the container stops). */
  done: Promise<void>;
  /** Stops reading: the streams end. */
  close(): void;
}

/** Options of `Docker.events`: Unix seconds, and the API's filters. */
export interface EventsOptions {
  since?: number;
  until?: number;
  filters?: Record<string, string[]>;
}

/** One event of the daemon (`container start`, `network create`, …). */
export const DockerEvent = v.looseObject({
  Type: v.optional(v.string(), ""),
  Action: v.optional(v.string(), ""),
  Actor: v.optional(
    v.looseObject({
      ID: v.optional(v.string(), ""),
      Attributes: v.nullish(v.record(v.string(), v.string()), {}),
    }),
    { ID: "", Attributes: {} },
  ),
  scope: v.optional(v.string()),
  time: v.optional(v.number(), 0),
  timeNano: v.optional(v.number(), 0),
});
/** An event of the daemon. */
export type DockerEvent = v.InferOutput<typeof DockerEvent>;

/** The JSON values of a response body of one JSON document per line, as they come. */
async function* jsonLines(
  api: DockerApi,
  res: Response,
  what: string,
): AsyncGenerator<unknown> {
  const reader = res.body?.getReader();
  if (!reader) return;
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for (;;) {
      let step;
      try {
        step = await reader.read();
      } catch (error) {
        // The client's close() ends the iteration; anything else is a broken stream.
        if (api.closed) return;
        throw api.droppedError(error, `midway through ${what}`);
      }
      if (step.done) break;
      pending += decoder.decode(step.value, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) if (line.trim()) yield api.parse(v.unknown(), line, what);
    }
    if (pending.trim()) yield api.parse(v.unknown(), pending, what);
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** `GET /events` as an async iterator. */
export async function* eventStream(
  api: DockerApi,
  options: EventsOptions,
): AsyncGenerator<DockerEvent> {
  const res = await api.request("GET", "/events", {
    query: { since: options.since, until: options.until, filters: filtersQuery(options.filters) },
  });
  for await (const raw of jsonLines(api, res, "the events")) yield v.parse(DockerEvent, raw);
}

/** `GET /containers/{id}/stats` as an async iterator of the daemon's samples. */
export async function* statsStream(
  api: DockerApi,
  id: string,
  stream: boolean,
): AsyncGenerator<Record<string, unknown>> {
  const res = await api.request("GET", `/containers/${encodeURIComponent(id)}/stats`, {
    query: { stream },
    subject: `container ${id}`,
  });
  for await (const raw of jsonLines(api, res, "the stats")) {
    yield v.parse(v.record(v.string(), v.unknown()), raw);
  }
}
