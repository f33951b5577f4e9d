/**
 * The Engine API transport: REST calls through the runtime's HTTP client, hijacked
 * attach/exec streams through a hand-written HTTP/1.1 upgrade on a raw connection, API
 * version negotiation through `/_ping`, and one-line errors for every way it can fail.
 *
 * @module
 */
import * as v from "valibot";
import { type Conn, type HttpFetch, runtime } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import { systemCode } from "../transport/dial.ts";
import type { DockerEndpoint } from "./host.ts";
import { DockerError, type DockerErrorKind, kindOfAnswer } from "./errors.ts";
import { exchange, messageOf } from "./raw_http.ts";
import { PingHeaders } from "./schemas.ts";

/** The newest API version ipcat speaks; older daemons are met at their own version. */
export const CLIENT_MAX_API = "1.43";
/** The oldest: 1.30 is where `wait` sends its headers before blocking, which `run` relies on. */
export const CLIENT_MIN_API = "1.30";

/**
 * Compares `1.41`-style versions: negative, zero or positive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareApiVersions } from "./api.ts";
 * assert.ok(compareApiVersions("1.9", "1.41") < 0 && compareApiVersions("1.41", "1.41") === 0);
 * ```
 */
export function compareApiVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split(".").map(Number);
  const [bm = 0, bn = 0] = b.split(".").map(Number);
  return am - bm || an - bn;
}

/** Options of one REST call. */
export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** A JSON body (already validated by the caller). */
  json?: unknown;
  /** A raw body, e.g. a tar, whole or streamed. */
  body?: Uint8Array | ReadableStream<Uint8Array>;
  contentType?: string;
  /** Statuses that are not errors besides 2xx (e.g. 304 "already started"). */
  accept?: readonly number[];
  /** What the call is about, for messages ("container web"). */
  subject?: string;
  /** Headers besides the usual ones (`X-Registry-Auth`). */
  headers?: Record<string, string>;
}

/** A hijacked connection: the raw stream after the response head. */
export interface Hijacked {
  conn: Conn;
  /** Stream bytes that arrived together with the response head. */
  leftover: Uint8Array;
}

/**
 * A connection to one daemon. Cheap to create; negotiates the API version on first use.
 *
 * @example
 * ```ts ignore
 * import { DockerApi } from "./api.ts";
 * import { resolveDockerHost } from "./host.ts";
 * const api = new DockerApi(resolveDockerHost({ DOCKER_HOST: "unix:///var/run/docker.sock" }));
 * const res = await api.request("GET", "/containers/json");
 * console.log(await res.json());
 * ```
 */
export class DockerApi {
  readonly #fetch: HttpFetch;
  /** Aborts every REST call in flight, streamed bodies included, at {@link DockerApi.close}. */
  readonly #abort = new AbortController();
  /** What {@link DockerApi.close} ends besides: hijacked sessions. */
  readonly #open = new Set<() => void>();
  #version: Promise<string> | null = null;
  #pinned: string | undefined;

  constructor(readonly endpoint: DockerEndpoint, options: { apiVersion?: string } = {}) {
    this.#fetch = runtime.httpClient(endpoint.target);
    if (options.apiVersion !== undefined) {
      if (!/^\d+\.\d+$/.test(options.apiVersion)) {
        throw new IpcatError(
          "docker",
          `API version '${options.apiVersion}' is not of the form 1.41`,
          { hint: "unset DOCKER_API_VERSION or set it like 1.41" },
        );
      }
      this.#pinned = options.apiVersion;
    }
  }

  /** Registers something `close()` must end; returns its removal. */
  track(close: () => void): () => void {
    this.#open.add(close);
    return () => void this.#open.delete(close);
  }

  /** True once {@link DockerApi.close} was called: streams then end instead of failing. */
  get closed(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Ends every call in flight and every hijacked stream of this client. */
  close(): void {
    this.#abort.abort(new IpcatError("unavailable", "the Docker client was closed"));
    for (const close of [...this.#open]) close();
    this.#open.clear();
  }

  /** `GET /_ping`: the daemon's API version and OS, without a version prefix. */
  async ping(): Promise<{ apiVersion: string; osType: string; server: string }> {
    const res = await this.#send("GET", `${this.endpoint.baseUrl}/_ping`, {});
    if (!res.ok) throw await this.#errorFrom(res, {});
    await this.drain(res);
    const headers = v.safeParse(PingHeaders, Object.fromEntries(res.headers));
    if (!headers.success) {
      throw new IpcatError(
        "docker",
        `${this.endpoint.display} answered /_ping without a valid Api-Version header`,
        {
          hint: "is DOCKER_HOST really a Docker daemon?",
        },
      );
    }
    return {
      apiVersion: headers.output["api-version"],
      osType: headers.output.ostype,
      server: headers.output.server,
    };
  }

  /** The API version used for every call: pinned, or min(ours, the daemon's). */
  version(): Promise<string> {
    this.#version ??= (async () => {
      if (this.#pinned) return this.#pinned;
      const { apiVersion } = await this.ping();
      if (compareApiVersions(apiVersion, CLIENT_MIN_API) < 0) {
        throw new IpcatError(
          "docker",
          `API version mismatch: the daemon at ${this.endpoint.display} speaks API ${apiVersion}, ipcat needs ${CLIENT_MIN_API} or newer`,
          {
            hint: "upgrade the Docker engine",
          },
        );
      }
      return compareApiVersions(apiVersion, CLIENT_MAX_API) < 0 ? apiVersion : CLIENT_MAX_API;
    })();
    return this.#version;
  }

  /** A versioned REST call; throws an {@link IpcatError} unless the status is 2xx or accepted. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = `${this.endpoint.baseUrl}/v${await this.version()}${path}${
      queryString(options.query)
    }`;
    const res = await this.#send(method, url, options);
    if (res.ok || options.accept?.includes(res.status)) return res;
    throw await this.#errorFrom(res, options);
  }

  /** A REST call whose JSON answer is validated by `schema`. */
  async requestJson<S extends v.GenericSchema>(
    schema: S,
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<v.InferOutput<S>> {
    const res = await this.request(method, path, options);
    return this.parse(schema, await this.text(res), `${method} ${path}`);
  }

  /** Validates a JSON text against `schema`, or throws a protocol error naming the call. */
  parse<S extends v.GenericSchema>(schema: S, text: string, what: string): v.InferOutput<S> {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new DockerError(
        "protocol",
        `the daemon's answer to ${what} is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
        { kind: "protocol" },
      );
    }
    const result = v.safeParse(schema, data);
    if (!result.success) {
      const issue = result.issues[0];
      const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
      throw new DockerError(
        "protocol",
        `unexpected answer to ${what}: ${path ? `${path}: ` : ""}${issue.message}`,
        {
          kind: "protocol",
          hint: "the daemon may speak a newer API; set DOCKER_API_VERSION to pin one",
        },
      );
    }
    return result.output;
  }

  /**
   * Sends an upgrade request on a new raw connection and returns the stream after a
   * `101` (or `200` raw-stream) answer. Any other answer becomes an {@link IpcatError}:
   * attach answers errors in plain text, other endpoints in JSON; both are read.
   */
  async hijack(
    path: string,
    options: { json?: unknown; subject?: string } = {},
  ): Promise<Hijacked> {
    const { conn, rest } = await exchange(this, "POST", path, {
      json: options.json,
      upgrade: true,
      subject: options.subject,
      accept: (status) => status === 101 || status === 200,
    });
    return { conn, leftover: rest };
  }

  /** The error for a connection the daemon closed or reset in the middle of an exchange. */
  droppedError(cause?: unknown, when = "midway"): DockerError {
    if (this.#abort.signal.aborted) {
      return new DockerError("unavailable", "the Docker client was closed", {
        kind: "connection_dropped",
        cause,
      });
    }
    const detail = cause === undefined
      ? ""
      : `: ${systemCode(cause) ?? (cause as Error)?.message ?? cause}`;
    return new DockerError(
      "unavailable",
      `the Docker daemon at ${this.endpoint.display} dropped the connection ${when}${detail}`,
      {
        kind: "connection_dropped",
        hint: "the daemon may have stopped or restarted; check it and try again",
        cause,
      },
    );
  }

  /**
   * Explains a failed request: probes the endpoint to tell a missing socket from a
   * refusing one or a forbidden one; if the daemon is reachable, it dropped the connection.
   */
  async connectionError(error: unknown): Promise<IpcatError> {
    if (error instanceof IpcatError) return error;
    const where = this.endpoint.display;
    let code = systemCode(error);
    if (code !== "ENOENT" && code !== "ECONNREFUSED" && code !== "EACCES" && code !== "EPERM") {
      try {
        (await runtime.connect(this.endpoint.target)).close();
        return this.droppedError(error);
      } catch (probe) {
        code = systemCode(probe) ?? code;
        error = probe;
      }
    }
    const path = "unix" in this.endpoint.target ? this.endpoint.target.unix : where;
    switch (code) {
      case "ENOENT":
        return new DockerError(
          "unavailable",
          `cannot connect to the Docker daemon at ${where}: the socket ${path} does not exist`,
          {
            hint: "is the docker daemon running? set DOCKER_HOST to its socket",
            kind: "daemon_unavailable",
            cause: error,
          },
        );
      case "ECONNREFUSED":
        return new DockerError(
          "unavailable",
          `cannot connect to the Docker daemon at ${where}: nothing is listening there (connection refused)`,
          {
            hint: "the daemon is not running, or died and left its socket behind; start it",
            kind: "daemon_unavailable",
            cause: error,
          },
        );
      case "EACCES":
      case "EPERM":
        return new DockerError(
          "permission",
          `permission denied on the Docker daemon socket ${path}`,
          {
            hint: "run as root or as a member of the socket's group, usually 'docker'",
            kind: "daemon_unavailable",
            cause: error,
          },
        );
      default:
        return new DockerError(
          "unavailable",
          `cannot connect to the Docker daemon at ${where}: ${(error as Error)?.message ?? error}`,
          {
            hint: "check DOCKER_HOST and that the daemon is reachable",
            kind: "daemon_unavailable",
            cause: error,
          },
        );
    }
  }

  /** The one-line error for a daemon's error answer, with the docker CLI's prefix. */
  daemonError(status: number, message: string, subject?: string): DockerError {
    const text = message.trim() || `HTTP ${status}${subject ? ` for ${subject}` : ""}`;
    const kind = kindOfAnswer(status, text);
    const hints: Partial<Record<DockerErrorKind, string>> = {
      version_mismatch: this.#pinned
        ? "unset DOCKER_API_VERSION or pin a version the daemon supports"
        : "upgrade ipcat or the Docker engine",
      not_running: "start it first with 'ipcat docker start'",
      paused: "unpause it first with 'ipcat docker unpause'",
      restarting: "wait until it is running",
      conflict: "see the container's state with 'ipcat docker ps -a'",
    };
    let hint = hints[kind];
    if (kind === "not_found" && /no such container/i.test(text)) {
      hint = "list containers with 'ipcat docker ps -a'";
    } else if (kind === "not_found" && /no such image|pull access denied/i.test(text)) {
      hint = "no registry is used: build the image with 'ipcat docker import'";
    }
    return new DockerError(
      kind === "not_found" ? "not_found" : "docker",
      `Error response from daemon: ${text}`,
      { kind, status, hint },
    );
  }

  async #send(method: string, url: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { "User-Agent": "ipcat", ...options.headers };
    let body: RequestInit["body"];
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.body) {
      headers["Content-Type"] = options.contentType ?? "application/octet-stream";
      body = options.body as unknown as RequestInit["body"];
    }
    try {
      return await this.#fetch(
        url,
        {
          method,
          headers,
          body,
          signal: this.#abort.signal,
          ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
        } as RequestInit,
      );
    } catch (error) {
      throw await this.connectionError(error);
    }
  }

  /** Reads a whole answer body; a body cut short or badly chunked is a dropped connection. */
  async text(res: Response): Promise<string> {
    try {
      return await res.text();
    } catch (error) {
      throw this.droppedError(error);
    }
  }

  /** Reads and discards an answer body, with the errors of {@link DockerApi.text}. */
  async drain(res: Response): Promise<void> {
    try {
      await res.arrayBuffer();
    } catch (error) {
      throw this.droppedError(error);
    }
  }

  async #errorFrom(res: Response, options: RequestOptions): Promise<IpcatError> {
    return this.daemonError(res.status, messageOf(await this.text(res)), options.subject);
  }
}

function queryString(query: RequestOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.set(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
