/**
 * What `pull`, `push` and `build` share: a versioned POST with headers of their own
 * (X-Registry-Auth, a streamed tar), which DockerApi.request does not take, and the
 * daemon's answer read as a stream of JSON messages, one per line.
 *
 * @module
 */
import * as v from "valibot";
import { runtime } from "../../adapter/mod.ts";
import { ErrorBody } from "../schemas.ts";
import type { Docker } from "../client.ts";
import { JsonMessage } from "../jsonmessage.ts";

/** POSTs to `path` with the negotiated version; a status outside 2xx is the daemon's error. */
export async function postStreaming(
  docker: Docker,
  path: string,
  query: URLSearchParams,
  init: { headers: Record<string, string>; body?: ReadableStream<Uint8Array> },
): Promise<Response> {
  const { api } = docker;
  const url = `${api.endpoint.baseUrl}/v${await api.version()}${path}?${query}`;
  let res: Response;
  try {
    res = await runtime.httpClient(api.endpoint.target)(url, {
      method: "POST",
      headers: init.headers,
      ...(init.body ? { body: init.body, duplex: "half" } : {}),
    } as RequestInit);
  } catch (error) {
    throw await api.connectionError(error);
  }
  if (res.ok) return res;
  const text = await api.text(res);
  let message = text.trim();
  try {
    const body = v.safeParse(ErrorBody, JSON.parse(text));
    if (body.success) message = body.output.message;
  } catch {
    // a plain-text answer
  }
  throw api.daemonError(res.status, message);
}

/** The answer's JSON messages as they arrive, each validated. */
export async function* jsonMessages(docker: Docker, res: Response): AsyncGenerator<JsonMessage> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  for (;;) {
    let step;
    try {
      step = await reader.read();
    } catch (error) {
      throw docker.api.droppedError(error);
    }
    if (step.done) break;
    pending += step.value;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.trim()) yield docker.api.parse(JsonMessage, line, "the daemon's progress stream");
    }
  }
  if (pending.trim()) yield docker.api.parse(JsonMessage, pending, "the daemon's progress stream");
}
