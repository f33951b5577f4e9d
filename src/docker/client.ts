/**
 * The library's client: one method per Engine API call ipcat makes, every answer
 * validated, every failure an {@link IpcatError}.
 *
 * @module
 */
import process from "node:process";
import * as v from "valibot";
import { StdcopyDemuxer } from "../framing/stdcopy.ts";
import { DockerApi } from "./api.ts";
import { DockerLifecycle } from "./client_lifecycle.ts";
export type { RegisteredWait, WaitCondition } from "./client_lifecycle.ts";
export {
  type ContainerListOptions,
  filtersQuery,
  type ObjectType,
  splitReference,
} from "./client_objects.ts";
import { badStreamError } from "./errors.ts";
import { resolveDockerHost } from "./host.ts";
import { CreatedId, ExecBody, ExecInspect } from "./schemas.ts";
import { HijackedSession, type OutputSinks } from "./session.ts";
import type { ContainerSpec } from "./spec.ts";
import { byteStream, type ContainerStreams, type ProcessStreams, streamsOf } from "./streams.ts";
import {
  type DockerEvent,
  type EventsOptions,
  eventStream,
  type LogStreams,
  statsStream,
} from "./monitor.ts";

/** Options of {@link Docker.logs}. */
export interface LogsOptions {
  follow?: boolean;
  /** Lines from the end, or `"all"`. */
  tail?: number | "all";
  timestamps?: boolean;
  /** Only output since / before these Unix times (seconds). */
  since?: number;
  until?: number;
  /** The extra attributes given to the log driver. */
  details?: boolean;
}

/** Options of {@link Docker.attach}. */
export interface AttachOptions {
  /** Attach stdin (default true); the stream object then has a `stdin` writer. */
  stdin?: boolean;
  /** Replay what the container printed before the attach. */
  logs?: boolean;
  /** Detach keys the daemon watches for (default `ctrl-p,ctrl-q`). */
  detachKeys?: string;
}

/** Options of {@link Docker.exec}. */
export interface ExecOptions {
  stdin?: boolean;
  /** Extended privileges for the process (`exec --privileged`). */
  privileged?: boolean;
  tty?: boolean;
  env?: string[];
  workdir?: string;
  user?: string;
}

/**
 * A Docker Engine client. Every answer is validated; every failure is a
 * {@link DockerError} (an {@link IpcatError}) with a `kind` and, when the daemon answered,
 * its HTTP `status`.
 *
 * @example
 * ```ts ignore
 * import { Docker } from "./mod.ts";
 * const docker = await Docker.fromEnv();
 * for (const c of await docker.containers({ all: true })) console.log(c.Id.slice(0, 12), c.State);
 * ```
 */
export class Docker extends DockerLifecycle {
  constructor(api: DockerApi) {
    super(api);
  }

  /** A client for `DOCKER_HOST` (or `host`), honouring `DOCKER_API_VERSION` and the TLS variables. */
  // deno-lint-ignore require-await -- async, so that a bad DOCKER_HOST rejects instead of throwing
  static async fromEnv(
    env: Record<string, string | undefined> = process.env,
    host?: string,
  ): Promise<Docker> {
    const apiVersion = env.DOCKER_API_VERSION || undefined;
    return new Docker(new DockerApi(resolveDockerHost(env, host), { apiVersion }));
  }

  /** Ends every stream and call of this client: attach, exec and logs streams, events, stats. */
  close(): void {
    this.api.close();
  }

  /**
   * A container's logs as streams (stdout and stderr apart unless it has a TTY), as
   * `attach` gives them; `done` settles when they end (with `follow`: when it stops).
   */
  logs(id: string, options: LogsOptions = {}): LogStreams {
    const stdout = byteStream();
    const stderr = byteStream();
    const stop = new AbortController();
    const done = this.copyLogs(
      id,
      options,
      { stdout: stdout.push, stderr: stderr.push },
      stop.signal,
    );
    done.then(() => {
      stdout.end();
      stderr.end();
    }, (error) => {
      stdout.fail(error);
      stderr.fail(error);
    });
    return { stdout: stdout.stream, stderr: stderr.stream, done, close: () => stop.abort() };
  }

  /** The daemon's events, as they happen (until `until`, when given). */
  events(options: EventsOptions = {}): AsyncIterable<DockerEvent> {
    return eventStream(this.api, options);
  }

  /** A container's resource samples: one with `stream: false`, else one a second until it stops. */
  stats(id: string, options: { stream?: boolean } = {}): AsyncIterable<Record<string, unknown>> {
    return statsStream(this.api, id, options.stream ?? true);
  }

  /**
   * Streams a container's logs into `sinks` (stdout and stderr apart unless it has a TTY),
   * until they end (with `follow`: until the container stops), or `signal` aborts.
   */
  async copyLogs(
    id: string,
    options: LogsOptions,
    sinks: OutputSinks,
    signal?: AbortSignal,
  ): Promise<void> {
    const { Config } = await this.inspect(id);
    const res = await this.api.request("GET", `/containers/${encodeURIComponent(id)}/logs`, {
      query: {
        stdout: true,
        stderr: true,
        follow: options.follow ?? false,
        timestamps: options.timestamps ?? false,
        tail: options.tail ?? "all",
        since: options.since,
        until: options.until,
        details: options.details ? true : undefined,
      },
      subject: `container ${id}`,
    });
    if (!res.body) return;
    const reader = res.body.getReader();
    const cancel = () => void reader.cancel().catch(() => {});
    signal?.addEventListener("abort", cancel, { once: true });
    const demux = Config.Tty ? null : new StdcopyDemuxer();
    for (;;) {
      let step;
      try {
        step = await reader.read();
      } catch (error) {
        if (this.api.closed || signal?.aborted) return;
        throw this.api.droppedError(error);
      }
      if (step.done) break;
      if (!demux) {
        await sinks.stdout(step.value);
        continue;
      }
      let pieces;
      try {
        pieces = demux.push(step.value);
      } catch (error) {
        throw badStreamError(error);
      }
      for (const { stream, data } of pieces) {
        await (stream === 2 ? sinks.stderr(data) : sinks.stdout(data));
      }
    }
    signal?.removeEventListener("abort", cancel);
    if (signal?.aborted || this.api.closed) return;
    if (demux && !demux.atBoundary) {
      throw this.api.droppedError(undefined, "midway through the logs");
    }
  }

  /** Hijacks a container's attach stream. `tty` decides demultiplexing (from inspect, as the CLI does). */
  async attachSession(
    id: string,
    options: AttachOptions & { tty?: boolean; stdout?: boolean; stderr?: boolean } = {},
  ): Promise<HijackedSession> {
    const tty = options.tty ?? (await this.inspect(id)).Config.Tty;
    const query = new URLSearchParams({
      stream: "1",
      stdin: options.stdin === false ? "0" : "1",
      stdout: options.stdout === false ? "0" : "1",
      stderr: options.stderr === false ? "0" : "1",
    });
    if (options.logs) query.set("logs", "1");
    if (options.detachKeys) query.set("detachKeys", options.detachKeys);
    const hijacked = await this.api.hijack(
      `/containers/${encodeURIComponent(id)}/attach?${query}`,
      { subject: `container ${id}` },
    );
    return new HijackedSession(this.api, hijacked, tty);
  }

  /**
   * Attaches to a container, running or about to be started, and returns its streams.
   * The exit code is that of the next exit when the container is not running yet.
   */
  async attach(id: string, options: AttachOptions = {}): Promise<ProcessStreams> {
    const info = await this.inspect(id);
    const wait = await this.registerWait(info.Id, info.State.Running ? "not-running" : "next-exit");
    const session = await this.attachSession(info.Id, { ...options, tty: info.Config.Tty });
    return streamsOf(
      session,
      options.stdin !== false && info.Config.OpenStdin,
      async () => (await wait.result).StatusCode,
    );
  }

  /**
   * Creates and starts a container with its streams attached first, in the order that
   * loses no output: create, attach, register the wait, start.
   */
  async run(spec: ContainerSpec): Promise<ContainerStreams> {
    const { id } = await this.create(spec);
    const session = await this.attachSession(id, {
      stdin: spec.openStdin ?? false,
      tty: spec.tty ?? false,
    });
    const wait = await this.registerWait(id, spec.autoRemove ? "removed" : "next-exit");
    await this.start(id);
    const streams = streamsOf(
      session,
      spec.openStdin ?? false,
      async () => (await wait.result).StatusCode,
    );
    return { ...streams, id };
  }

  /** Creates an exec process; returns its id. */
  async execCreate(
    id: string,
    cmd: string[],
    options: ExecOptions & { detachKeys?: string; detach?: boolean } = {},
  ): Promise<string> {
    const attached = !(options.detach ?? false);
    const body = v.parse(ExecBody, {
      Cmd: cmd,
      AttachStdin: attached && (options.stdin ?? false),
      AttachStdout: attached,
      AttachStderr: attached,
      ...(options.privileged ? { Privileged: true } : {}),
      Tty: options.tty ?? false,
      ...(options.env?.length ? { Env: options.env } : {}),
      ...(options.workdir ? { WorkingDir: options.workdir } : {}),
      ...(options.user ? { User: options.user } : {}),
      ...(options.detachKeys ? { DetachKeys: options.detachKeys } : {}),
    });
    const created = await this.api.requestJson(
      CreatedId,
      "POST",
      `/containers/${encodeURIComponent(id)}/exec`,
      { json: body, subject: `container ${id}` },
    );
    return created.Id;
  }

  /** Starts an exec process and hijacks its stream. */
  async execStart(execId: string, tty: boolean): Promise<HijackedSession> {
    const hijacked = await this.api.hijack(`/exec/${execId}/start`, {
      json: { Detach: false, Tty: tty },
    });
    return new HijackedSession(this.api, hijacked, tty);
  }

  /** Starts an exec process in the background (`exec -d`). */
  async execStartDetached(execId: string, tty: boolean): Promise<void> {
    const res = await this.api.request("POST", `/exec/${execId}/start`, {
      json: { Detach: true, Tty: tty },
    });
    await this.api.drain(res);
  }

  /** The exit code of a finished exec process. */
  async execExitCode(execId: string): Promise<number> {
    const info = await this.api.requestJson(ExecInspect, "GET", `/exec/${execId}/json`);
    return info.ExitCode ?? 0;
  }

  /** Runs `cmd` in a running container and returns its streams and exit code. */
  async exec(id: string, cmd: string[], options: ExecOptions = {}): Promise<ProcessStreams> {
    const execId = await this.execCreate(id, cmd, options);
    const session = await this.execStart(execId, options.tty ?? false);
    return streamsOf(session, options.stdin ?? false, () => this.execExitCode(execId));
  }
}
