/**
 * The container spec of the library: what a container is made of, in the camel-cased
 * words of the `docker run` options, and how it becomes the body of `POST /containers/create`.
 *
 * @module
 */
import * as v from "valibot";
import { IpcatError } from "../errors.ts";
import { CreateBody } from "./schemas.ts";

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
  /** The container's host name (`-h`); unset: its short ID. */
  hostname?: string;
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

/** The validated body of `POST /containers/create` for `spec`. */
export function createBody(spec: ContainerSpec): CreateBody {
  const attached = !(spec.detached ?? false);
  return v.parse(CreateBody, {
    Image: spec.image,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.env?.length ? { Env: spec.env } : {}),
    ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    ...(spec.hostname ? { Hostname: spec.hostname } : {}),
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
}

/**
 * A `--restart` value as the API's restart policy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { restartPolicy } from "./spec.ts";
 * assert.deepEqual(restartPolicy("on-failure:3"), { Name: "on-failure", MaximumRetryCount: 3 });
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
