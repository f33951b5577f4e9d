/**
 * `ipcat/docker`: a typed client of the Docker Engine API over its unix socket (or
 * `tcp://`, with TLS), with real attach, run and exec streams.
 *
 * Seed 000's question, "can a GUI start a container and read its output?", takes a few
 * lines. `run` creates, attaches before starting (so nothing printed at once is lost),
 * registers the wait, starts, and hands back the streams:
 *
 * @example
 * ```ts
 * import { Docker } from "./mod.ts";
 * const docker = await Docker.fromEnv(); // DOCKER_HOST, or /var/run/docker.sock
 * const container = await docker.run({ image: "busybox", cmd: ["sh", "-c", "echo hello; echo oops >&2"] });
 * const out = new Response(container.stdout).text();
 * const err = new Response(container.stderr).text();
 * console.log(await out, await err, "exit", await container.exit);
 * await docker.remove(container.id);
 * ```
 *
 * @module
 */
import process from "node:process";
import * as v from "valibot";
import { IpcatError } from "../errors.ts";
import { DockerApi } from "./api.ts";
import { resolveDockerHost } from "./host.ts";
import {
  ContainerInspect,
  ContainerList,
  type ContainerSummary,
  CreateBody,
  CreatedId,
  ExecBody,
  ExecInspect,
  ProgressLine,
  VersionInfo,
  WaitResponse,
} from "./schemas.ts";
import { HijackedSession, type OutputSinks } from "./session.ts";
import { StdcopyDemuxer } from "../framing/stdcopy.ts";

export { DockerApi } from "./api.ts";
export { type DockerEndpoint, resolveDockerHost } from "./host.ts";
export type { ContainerInspect, ContainerSummary, VersionInfo, WaitResponse } from "./schemas.ts";
export {
  DEFAULT_DETACH_KEYS,
  DetachWatcher,
  HijackedSession,
  type OutputSinks,
  parseDetachKeys,
} from "./session.ts";

/** What a container is made of (the `docker run` options, camel-cased). */
export interface ContainerSpec {
  image: string;
  cmd?: string[];
  /** `[""]` clears the image's entrypoint, as `--entrypoint ""` does. */
  entrypoint?: string[];
  env?: string[];
  workdir?: string;
  user?: string;
  name?: string;
  tty?: boolean;
  /** Keep stdin open (`-i`). */
  openStdin?: boolean;
  /** Close the container's stdin when the attached client half-closes (`run -i` sets it). */
  stdinOnce?: boolean;
  /** Started in the background (`run -d`): the container records no attached streams. */
  detached?: boolean;
  /** Remove the container when it exits (`--rm`). */
  autoRemove?: boolean;
  /** Bind mounts, `SRC:DST[:ro]` (`-v`). */
  binds?: string[];
  /** `none` keeps the container off every network; unset: the daemon's default. */
  networkMode?: string;
  /** The IPC namespace (`--ipc`): `host` shares the host's POSIX message queues. */
  ipcMode?: string;
  /** Where the daemon keeps the output (`json-file`, `none`, …); unset: the daemon's default. */
  logDriver?: string;
  /** When the daemon restarts the container, as `--restart` writes it: `always`, `on-failure:3`, … */
  restart?: string;
}

/** When a `wait` returns: the next exit, once not running, or once removed. */
export type WaitCondition = "next-exit" | "not-running" | "removed";

/** Options of {@link Docker.logs}. */
export interface LogsOptions {
  follow?: boolean;
  /** Lines from the end, or `"all"`. */
  tail?: number | "all";
  timestamps?: boolean;
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
  tty?: boolean;
  env?: string[];
  workdir?: string;
  user?: string;
}

/** A running process's streams: web streams, so they work with `Response`, `pipeTo`, `for await`. */
export interface ProcessStreams {
  /** Writes to the process's stdin; closing it half-closes the connection. `null` when not attached. */
  stdin: WritableStream<Uint8Array> | null;
  /** The process's stdout (with a TTY: everything it prints). */
  stdout: ReadableStream<Uint8Array>;
  /** The process's stderr (empty with a TTY). Read both, or cancel one, as with pipes. */
  stderr: ReadableStream<Uint8Array>;
  /** The exit code, once output has ended and the process has exited. */
  exit: Promise<number>;
  /** Detaches: closes the connection, leaving the process running. */
  close(): void;
}

/** A container's streams plus its id. */
export interface ContainerStreams extends ProcessStreams {
  id: string;
}

/** A wait registered with the daemon: its headers arrived, the result comes at exit. */
export interface RegisteredWait {
  result: Promise<WaitResponse>;
}

/**
 * A Docker Engine client. Every answer is validated; every failure is an
 * {@link IpcatError} with code `docker` (exit status 125) and a one-line message.
 *
 * @example
 * ```ts
 * import { Docker } from "./mod.ts";
 * const docker = await Docker.fromEnv();
 * for (const c of await docker.containers({ all: true })) console.log(c.Id.slice(0, 12), c.State);
 * ```
 */
export class Docker {
  constructor(readonly api: DockerApi) {}

  /** A client for `DOCKER_HOST` (or `host`), honouring `DOCKER_API_VERSION` and the TLS variables. */
  // deno-lint-ignore require-await -- async, so that a bad DOCKER_HOST rejects instead of throwing
  static async fromEnv(
    env: Record<string, string | undefined> = process.env,
    host?: string,
  ): Promise<Docker> {
    const apiVersion = env.DOCKER_API_VERSION || undefined;
    return new Docker(new DockerApi(resolveDockerHost(env, host), { apiVersion }));
  }

  /** `/_ping`: the daemon's API version, OS and server string. */
  ping(): Promise<{ apiVersion: string; osType: string; server: string }> {
    return this.api.ping();
  }

  /** The daemon's version report. */
  version(): Promise<VersionInfo> {
    return this.api.requestJson(VersionInfo, "GET", "/version");
  }

  /** Containers, running only unless `all`. */
  containers(options: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    return this.api.requestJson(ContainerList, "GET", "/containers/json", {
      query: { all: options.all ?? false },
    });
  }

  /** The daemon's full JSON for a container, validated but as sent (what `docker inspect` prints). */
  async inspectRaw(id: string): Promise<string> {
    return (await this.#inspect(id)).raw;
  }

  /** The fields of a container ipcat decides on. */
  async inspect(id: string): Promise<ContainerInspect> {
    return (await this.#inspect(id)).info;
  }

  async #inspect(id: string): Promise<{ raw: string; info: ContainerInspect }> {
    const res = await this.api.request("GET", `/containers/${encodeURIComponent(id)}/json`, {
      subject: `container ${id}`,
    });
    const raw = await res.text();
    return { raw, info: this.api.parse(ContainerInspect, raw, `inspect ${id}`) };
  }

  /** Creates a container; returns its id and the daemon's warnings. */
  async create(spec: ContainerSpec): Promise<{ id: string; warnings: string[] }> {
    const attached = !(spec.detached ?? false);
    const body = v.parse(CreateBody, {
      Image: spec.image,
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
      ...(spec.env?.length ? { Env: spec.env } : {}),
      ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
      ...(spec.user ? { User: spec.user } : {}),
      Tty: spec.tty ?? false,
      OpenStdin: spec.openStdin ?? false,
      StdinOnce: spec.stdinOnce ?? false,
      AttachStdin: attached && (spec.openStdin ?? false),
      AttachStdout: attached,
      AttachStderr: attached,
      HostConfig: {
        AutoRemove: spec.autoRemove ?? false,
        ...(spec.binds?.length ? { Binds: spec.binds } : {}),
        ...(spec.networkMode ? { NetworkMode: spec.networkMode } : {}),
        ...(spec.ipcMode ? { IpcMode: spec.ipcMode } : {}),
        ...(spec.logDriver ? { LogConfig: { Type: spec.logDriver, Config: {} } } : {}),
        ...(spec.restart ? { RestartPolicy: restartPolicy(spec.restart) } : {}),
      },
    });
    const created = await this.api.requestJson(CreatedId, "POST", "/containers/create", {
      query: { name: spec.name },
      json: body,
      subject: `image ${spec.image}`,
    });
    return { id: created.Id, warnings: created.Warnings };
  }

  /** Starts a container; `false` when it was already running. */
  async start(id: string): Promise<boolean> {
    const res = await this.api.request("POST", `/containers/${encodeURIComponent(id)}/start`, {
      accept: [304],
      subject: `container ${id}`,
    });
    await res.arrayBuffer();
    return res.status !== 304;
  }

  /** Stops a container (SIGTERM, then SIGKILL after `timeout` seconds); `false` when already stopped. */
  async stop(id: string, options: { timeout?: number } = {}): Promise<boolean> {
    const res = await this.api.request("POST", `/containers/${encodeURIComponent(id)}/stop`, {
      query: { t: options.timeout },
      accept: [304],
      subject: `container ${id}`,
    });
    await res.arrayBuffer();
    return res.status !== 304;
  }

  /** Sends a signal (name or number, default SIGKILL) to a container's main process. */
  async kill(id: string, signal = "SIGKILL"): Promise<void> {
    const res = await this.api.request("POST", `/containers/${encodeURIComponent(id)}/kill`, {
      query: { signal },
      subject: `container ${id}`,
    });
    await res.arrayBuffer();
  }

  /** Removes a container (`force`: even a running one). */
  async remove(id: string, options: { force?: boolean } = {}): Promise<void> {
    const res = await this.api.request("DELETE", `/containers/${encodeURIComponent(id)}`, {
      query: { force: options.force ?? false },
      subject: `container ${id}`,
    });
    await res.arrayBuffer();
  }

  /**
   * Registers a wait and resolves once the daemon has (its headers arrived), so that a
   * start that follows cannot be missed. The exit arrives in `result`.
   */
  async registerWait(
    id: string,
    condition: WaitCondition = "not-running",
  ): Promise<RegisteredWait> {
    const res = await this.api.request("POST", `/containers/${encodeURIComponent(id)}/wait`, {
      query: { condition },
      subject: `container ${id}`,
    });
    const result = res.text().then(
      (text) => this.api.parse(WaitResponse, text, `wait ${id}`),
      (error) =>
        Promise.reject(this.api.droppedError(error, "while waiting for the container to exit")),
    );
    result.catch(() => {});
    return { result };
  }

  /** Waits for a container to stop and returns its exit code. */
  async wait(id: string, condition: WaitCondition = "not-running"): Promise<number> {
    const { result } = await this.registerWait(id, condition);
    const status = await result;
    if (status.Error?.Message) {
      throw new IpcatError("docker", `waiting for ${id} failed: ${status.Error.Message}`);
    }
    return status.StatusCode;
  }

  /** Resizes a container's TTY (`exec`: an exec process's). Errors for stopped processes are ignored. */
  async resize(
    id: string,
    size: { rows: number; cols: number },
    kind: "containers" | "exec" = "containers",
  ): Promise<void> {
    try {
      const res = await this.api.request("POST", `/${kind}/${encodeURIComponent(id)}/resize`, {
        query: { h: size.rows, w: size.cols },
      });
      await res.arrayBuffer();
    } catch (error) {
      if (
        !(error instanceof IpcatError) ||
        !/not running|no such|cannot resize|is not running|ended/i.test(error.message)
      ) throw error;
    }
  }

  /**
   * Streams a container's logs into `sinks` (stdout and stderr apart unless it has a TTY),
   * until they end (with `follow`: until the container stops).
   */
  async logs(id: string, options: LogsOptions, sinks: OutputSinks): Promise<void> {
    const { Config } = await this.inspect(id);
    const res = await this.api.request("GET", `/containers/${encodeURIComponent(id)}/logs`, {
      query: {
        stdout: true,
        stderr: true,
        follow: options.follow ?? false,
        timestamps: options.timestamps ?? false,
        tail: options.tail ?? "all",
      },
      subject: `container ${id}`,
    });
    if (!res.body) return;
    const reader = res.body.getReader();
    const demux = Config.Tty ? null : new StdcopyDemuxer();
    for (;;) {
      let step;
      try {
        step = await reader.read();
      } catch (error) {
        throw this.api.droppedError(error);
      }
      if (step.done) break;
      if (!demux) {
        await sinks.stdout(step.value);
        continue;
      }
      for (const { stream, data } of demux.push(step.value)) {
        await (stream === 2 ? sinks.stderr(data) : sinks.stdout(data));
      }
    }
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
    options: ExecOptions & { detachKeys?: string } = {},
  ): Promise<string> {
    const body = v.parse(ExecBody, {
      Cmd: cmd,
      AttachStdin: options.stdin ?? false,
      AttachStdout: true,
      AttachStderr: true,
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

  /**
   * Imports a root file system tar as an image (`docker import`); returns the image id.
   * A stream is sent as it is read, so a large tar never sits in memory whole.
   *
   * @example
   * ```ts
   * import { readFileSync } from "node:fs";
   * import { Docker } from "./mod.ts";
   * const docker = await Docker.fromEnv();
   * console.log(await docker.importImage(readFileSync("rootfs.tar"), "busybox:local"));
   * ```
   */
  async importImage(
    tar: Uint8Array | ReadableStream<Uint8Array>,
    reference?: string,
  ): Promise<string> {
    let repo: string | undefined;
    let tag: string | undefined;
    if (reference) {
      const slash = reference.lastIndexOf("/");
      const colon = reference.lastIndexOf(":");
      [repo, tag] = colon > slash
        ? [reference.slice(0, colon), reference.slice(colon + 1)]
        : [reference, undefined];
    }
    const res = await this.api.request("POST", "/images/create", {
      query: { fromSrc: "-", repo, tag },
      body: tar,
      contentType: "application/x-tar",
    });
    let imageId = "";
    for (const line of (await res.text()).split("\n")) {
      if (!line.trim()) continue;
      const progress = this.api.parse(ProgressLine, line, "image import");
      const failure = progress.errorDetail?.message ?? progress.error;
      if (failure) {
        throw new IpcatError("docker", `import failed: ${failure}`, {
          hint: "give a tar of a root file system (e.g. tar -C rootfs -c .)",
        });
      }
      if (progress.status?.startsWith("sha256:")) imageId = progress.status;
    }
    if (!imageId) throw new IpcatError("protocol", "the daemon's import answer named no image id");
    return imageId;
  }
}

/**
 * A `--restart` value as the API's restart policy.
 *
 * @example
 * ```ts
 * import { restartPolicy } from "./mod.ts";
 * console.assert(JSON.stringify(restartPolicy("on-failure:3")) === '{"Name":"on-failure","MaximumRetryCount":3}');
 * ```
 */
export function restartPolicy(
  value: string,
): { Name: "no" | "always" | "unless-stopped" | "on-failure"; MaximumRetryCount: number } {
  const match = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(value);
  if (!match || (match[2] !== undefined && match[1] !== "on-failure")) {
    throw new IpcatError("usage", `invalid restart policy '${value}'`, {
      hint: "use no, always, unless-stopped or on-failure[:N]",
    });
  }
  return { Name: match[1] as "no", MaximumRetryCount: Number(match[2] ?? 0) };
}

/** Wraps a session as web streams; output flows as the consumer reads it. */
function streamsOf(
  session: HijackedSession,
  withStdin: boolean,
  exitCode: () => Promise<number>,
): ProcessStreams {
  const stdoutQueue = byteStream();
  const stderrQueue = byteStream();
  const copied = session.copyOutput({ stdout: stdoutQueue.push, stderr: stderrQueue.push });
  copied.then(() => {
    stdoutQueue.end();
    stderrQueue.end();
  }, (error) => {
    stdoutQueue.fail(error);
    stderrQueue.fail(error);
  });
  const stdin = withStdin
    ? new WritableStream<Uint8Array>({
      write: (chunk) => session.write(chunk),
      close: () => session.closeStdin(),
      abort: () => session.close(),
    })
    : null;
  const exit = copied.then(exitCode);
  exit.catch(() => {});
  return {
    stdin,
    stdout: stdoutQueue.stream,
    stderr: stderrQueue.stream,
    exit,
    close: () => session.close(),
  };
}

/** A readable byte stream fed by a producer that waits while 1 MiB is unread. */
function byteStream(): {
  stream: ReadableStream<Uint8Array>;
  push(data: Uint8Array): Promise<void>;
  end(): void;
  fail(e: unknown): void;
} {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let pulled: (() => void) | null = null;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    pull: () => {
      pulled?.();
      pulled = null;
    },
    cancel: () => {
      cancelled = true;
      pulled?.();
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: 1 << 20 }));
  return {
    stream,
    async push(data) {
      if (cancelled) return;
      controller.enqueue(data.slice());
      while (!cancelled && (controller.desiredSize ?? 1) <= 0) {
        await new Promise<void>((resolve) => (pulled = resolve));
      }
    },
    end: () => void (cancelled || controller.close()),
    fail: (error) => void (cancelled || controller.error(error)),
  };
}
