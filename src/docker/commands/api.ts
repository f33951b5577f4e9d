/**
 * `ipcat docker api METHOD PATH [BODY|-]`: the raw Engine API, a curl for Docker. REST
 * answers stream to stdout as received (JSON indented when stdout is a terminal); attach,
 * exec start and the other upgrading endpoints are hijacked, and the connection is bridged
 * to stdin and stdout, raw or demultiplexed.
 *
 * @module
 */
import { type Conn, runtime } from "../../adapter/mod.ts";
import { flag, text } from "../../cli/options.ts";
import { readStdin, writeErr } from "../../cli/io.ts";
import { IpcatError } from "../../errors.ts";
import { STDCOPY_STDERR, STDCOPY_SYSTEM_ERROR, StdcopyDemuxer } from "../../framing/stdcopy.ts";
import { DockerApi } from "../api.ts";
import { indentJson } from "../format.ts";
import { client, dockerCommand } from "./shared.ts";

const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

/** Endpoints whose answer is a hijacked stream (`101 UPGRADED` or a raw 200). */
const HIJACKED = [
  /^\/containers\/[^/?]+\/attach(\?|$)/,
  /^\/exec\/[^/?]+\/start(\?|$)/,
  /^\/session(\?|$)/,
  /^\/grpc(\?|$)/,
];

/** A path's own `/v1.41` prefix, if it has one. */
const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

export const api = dockerCommand({
  name: "api",
  summary: "Send one raw Engine API request (a curl for Docker), hijacking attach and exec",
  usage: "METHOD PATH [BODY|-]",
  description:
    `PATH is prefixed with the negotiated API version (/v1.43…) unless it has one. BODY is
sent as is (- reads it from stdin, streamed), as application/json unless --content-type
says otherwise. The answer's body goes to stdout as it arrives; JSON is indented when stdout
is a terminal, else byte for byte. A status outside 2xx prints the body too, then a line on
stderr, and exits 1.

POST to /containers/ID/attach, /exec/ID/start, /session or /grpc hijacks the connection:
stdin is sent to it (its end half-closes the connection, which the daemon reads as the
end of the container's stdin) and what comes back is written to stdout raw, or with
--demux split by the stdcopy headers into stdout and stderr (not for a TTY's stream).`,
  options: {
    "content-type": text("TYPE", "The body's Content-Type (default application/json)"),
    demux: flag("Split a hijacked non-TTY stream into stdout and stderr"),
    include: flag("Print the answer's status line and headers first, as curl -i", {
      short: "i",
    }),
  },
  args: { min: 2, max: 3 },
  examples: [
    ["ipcat docker api GET /containers/json?all=1", "What ps -a lists, as the daemon sends it"],
    ["ipcat docker api GET /_ping", "OK"],
    [
      `ipcat docker api POST /containers/web/attach?stream=1&stdin=1&stdout=1&stderr=1 --demux`,
      "Attach, as curl cannot",
    ],
    [
      `ipcat docker api POST /exec/$ID/start '{"Detach":false,"Tty":false}' --demux`,
      "Start an exec created with POST /containers/web/exec",
    ],
  ],
  async run({ options, args }) {
    const [rawMethod, path, body] = args as [string, string, string | undefined];
    const method = rawMethod.toUpperCase();
    if (!METHODS.includes(method)) {
      throw new IpcatError("usage", `unknown HTTP method '${rawMethod}'`, {
        hint: `one of ${METHODS.join(", ")}`,
      });
    }
    if (!path.startsWith("/")) {
      throw new IpcatError("usage", `the path '${path}' does not start with /`, {
        hint: "e.g. /containers/json",
      });
    }
    const docker = await client();
    const pinned = VERSION_PREFIX.exec(path);
    const unversioned = pinned ? pinned[2]! : path;
    const daemon = pinned
      ? new DockerApi(docker.api.endpoint, { apiVersion: pinned[1] })
      : docker.api;
    if (method === "POST" && HIJACKED.some((endpoint) => endpoint.test(unversioned))) {
      return await hijacked(daemon, unversioned, body, options.demux);
    }
    return await rest(daemon, method, pinned ? path : undefined, unversioned, body, options);
  },
});

/** One REST call, its answer streamed to stdout. */
async function rest(
  daemon: DockerApi,
  method: string,
  versionedPath: string | undefined,
  path: string,
  body: string | undefined,
  options: { "content-type"?: string; include: boolean },
): Promise<number> {
  const url = `${daemon.endpoint.baseUrl}${versionedPath ?? `/v${await daemon.version()}${path}`}`;
  const headers: Record<string, string> = { "User-Agent": "ipcat" };
  if (body !== undefined) headers["Content-Type"] = options["content-type"] ?? "application/json";
  const payload = body === "-" ? stdinStream() : body;
  let res: Response;
  try {
    res = await runtime.httpClient(daemon.endpoint.target)(url, {
      method,
      headers,
      body: payload,
      ...(payload instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (error) {
    throw await daemon.connectionError(error);
  }
  if (options.include) {
    let head = `HTTP/1.1 ${res.status} ${res.statusText}\r\n`;
    for (const [name, value] of res.headers) head += `${name}: ${value}\r\n`;
    await runtime.stdout.write(new TextEncoder().encode(`${head}\r\n`));
  }
  const indent = runtime.isTerminal(1) &&
    /json/.test(res.headers.get("content-type") ?? "");
  await copyBody(daemon, res, indent);
  if (res.ok) return 0;
  await writeErr(`ipcat: HTTP ${res.status} ${res.statusText} for ${method} ${path}\n`);
  return 1;
}

/** Writes a body to stdout as it arrives; with `indent`, each JSON line indented. */
async function copyBody(daemon: DockerApi, res: Response, indent: boolean): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    let step: Awaited<ReturnType<typeof reader.read>>;
    try {
      step = await reader.read();
    } catch (error) {
      throw daemon.droppedError(error);
    }
    if (step.done) break;
    if (!indent) {
      await runtime.stdout.write(step.value);
      continue;
    }
    pending += decoder.decode(step.value, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) await writeIndented(line);
  }
  if (indent) await writeIndented(pending + decoder.decode());
}

async function writeIndented(line: string): Promise<void> {
  if (line.trim() === "") return;
  await runtime.stdout.write(new TextEncoder().encode(indentJson(line, "    ") + "\n"));
}

/** stdin as a request body, read as the daemon takes it. */
function stdinStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      const chunk = await runtime.stdin.read();
      if (chunk === null) controller.close();
      else controller.enqueue(chunk);
    },
    cancel() {
      runtime.stdin.cancel();
    },
  });
}

/** A hijacked endpoint: stdin to the connection, the connection to stdout (and stderr). */
async function hijacked(
  daemon: DockerApi,
  path: string,
  body: string | undefined,
  demux: boolean,
): Promise<number> {
  let json: unknown;
  if (body !== undefined) {
    const text = body === "-" ? new TextDecoder().decode(await readStdin()) : body;
    try {
      json = JSON.parse(text);
    } catch {
      throw new IpcatError("usage", `the body of POST ${path} is not JSON: ${text.slice(0, 60)}`, {
        hint: `e.g. '{"Detach":false,"Tty":false}'`,
      });
    }
  }
  const { conn, leftover } = await daemon.hijack(path, { json, subject: path });
  const demuxer = demux ? new StdcopyDemuxer() : null;
  const emit = async (chunk: Uint8Array) => {
    if (!demuxer) return await runtime.stdout.write(chunk);
    for (const piece of demuxer.push(chunk)) {
      const toStderr = piece.stream === STDCOPY_STDERR || piece.stream === STDCOPY_SYSTEM_ERROR;
      await (toStderr ? runtime.stderr : runtime.stdout).write(piece.data);
    }
  };
  // stdin goes to the stream unless it was the request's body.
  const input = body === "-" ? conn.closeWrite() : pumpStdin(conn);
  try {
    if (leftover.byteLength) await emit(leftover);
    for (;;) {
      let chunk: Uint8Array | null;
      try {
        chunk = await conn.read();
      } catch (error) {
        throw daemon.droppedError(error);
      }
      if (chunk === null) break;
      await emit(chunk);
    }
    demuxer?.end();
  } finally {
    runtime.stdin.cancel();
    conn.close();
    await input.catch(() => {});
  }
  return 0;
}

/** Copies stdin into the connection, then half-closes it: the container's stdin ends. */
async function pumpStdin(conn: Conn): Promise<void> {
  for (;;) {
    const chunk = await runtime.stdin.read();
    if (chunk === null) break;
    if (!conn.write(chunk)) await conn.drain();
  }
  await conn.closeWrite();
}
