/**
 * The container spec of the library: what a container is made of, in the camel-cased
 * words of the `docker run` options, and how it becomes the body of `POST /containers/create`.
 *
 * @module
 */
import * as v from "valibot";
import { IpcatError } from "../errors.ts";
import type { ApiMount, PortSpec } from "./run_flags.ts";
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
  /** Labels (`-l`). */
  labels?: Record<string, string>;
  /** Ports to expose and publish (`-p`, `--expose`; see `parsePorts`). */
  ports?: PortSpec;
  /** Publish every exposed port on a random host port (`-P`). */
  publishAll?: boolean;
  /** `HOST:IP` lines added to /etc/hosts (`--add-host`). */
  extraHosts?: string[];
  /** Mounts (`--mount`) and tmpfs mounts by path (`--tmpfs`). */
  mounts?: ApiMount[];
  tmpfs?: Record<string, string>;
  /** Resources: bytes of memory and shared memory, nano-CPUs, most processes, rlimits. */
  resources?: {
    memory?: number;
    nanoCpus?: number;
    pidsLimit?: number;
    shmSize?: number;
    ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  };
  /** Privileges: `--privileged`, `--cap-add`, `--cap-drop`, `--security-opt`, `--group-add`, `--read-only`, `--init`. */
  privileges?: {
    privileged?: boolean;
    capAdd?: string[];
    capDrop?: string[];
    securityOpt?: string[];
    groupAdd?: string[];
    readOnly?: boolean;
    init?: boolean;
  };
  /** Host devices to pass in (`--device`). */
  devices?: Array<{ PathOnHost: string; PathInContainer: string; CgroupPermissions: string }>;
  /** The PID and UTS namespaces (`--pid`, `--uts`: `host`, `container:NAME`). */
  pidMode?: string;
  utsMode?: string;
  /** A health check (times in nanoseconds); `test: ["NONE"]` turns the image's off. */
  healthcheck?: {
    test: string[];
    interval?: number;
    timeout?: number;
    startPeriod?: number;
    retries?: number;
  };
  stopSignal?: string;
  /** Seconds `stop` waits before it kills. */
  stopTimeout?: number;
  /** Log driver options (`--log-opt`). */
  logOptions?: Record<string, string>;
  /** The image's platform (`--platform linux/amd64`). */
  platform?: string;
  /** Which streams an attached run receives (`-a`); default all three (stdin with `-i`). */
  attachStreams?: Array<"stdin" | "stdout" | "stderr">;
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
    AttachStdin: attached &&
      (spec.attachStreams ? spec.attachStreams.includes("stdin") : spec.openStdin ?? false),
    AttachStdout: attached && (spec.attachStreams?.includes("stdout") ?? true),
    AttachStderr: attached && (spec.attachStreams?.includes("stderr") ?? true),
    ...(spec.labels && Object.keys(spec.labels).length ? { Labels: spec.labels } : {}),
    ...(spec.ports && Object.keys(spec.ports.exposed).length
      ? { ExposedPorts: spec.ports.exposed }
      : {}),
    ...(spec.stopSignal ? { StopSignal: spec.stopSignal } : {}),
    ...(spec.stopTimeout !== undefined ? { StopTimeout: spec.stopTimeout } : {}),
    ...(spec.healthcheck ? { Healthcheck: healthcheckBody(spec.healthcheck) } : {}),
    HostConfig: {
      AutoRemove: spec.autoRemove ?? false,
      ...(spec.binds?.length ? { Binds: spec.binds } : {}),
      ...(spec.networkMode ? { NetworkMode: spec.networkMode } : {}),
      ...(spec.ipcMode ? { IpcMode: spec.ipcMode } : {}),
      ...(spec.logDriver || spec.logOptions
        ? { LogConfig: { Type: spec.logDriver ?? "", Config: spec.logOptions ?? {} } }
        : {}),
      PortBindings: spec.ports?.bindings ?? {},
      ...(spec.publishAll ? { PublishAllPorts: true } : {}),
      ...(spec.extraHosts?.length ? { ExtraHosts: spec.extraHosts } : {}),
      ...(spec.mounts?.length ? { Mounts: spec.mounts } : {}),
      ...(spec.tmpfs && Object.keys(spec.tmpfs).length ? { Tmpfs: spec.tmpfs } : {}),
      // As the CLI sends them: empty lists and maps, not absent ones (inspect then shows the same).
      Dns: [],
      DnsOptions: [],
      DnsSearch: [],
      BlkioWeightDevice: [],
      BlkioDeviceReadBps: [],
      BlkioDeviceWriteBps: [],
      BlkioDeviceReadIOps: [],
      BlkioDeviceWriteIOps: [],
      ...resourcesBody(spec.resources ?? {}),
      ...privilegesBody(spec.privileges ?? {}),
      Devices: spec.devices ?? [],
      ...(spec.pidMode ? { PidMode: spec.pidMode } : {}),
      ...(spec.utsMode ? { UTSMode: spec.utsMode } : {}),
      ...(spec.restart ? { RestartPolicy: restartPolicy(spec.restart) } : {}),
    },
  });
}

function healthcheckBody(check: NonNullable<ContainerSpec["healthcheck"]>) {
  return {
    Test: check.test,
    ...(check.interval !== undefined ? { Interval: check.interval } : {}),
    ...(check.timeout !== undefined ? { Timeout: check.timeout } : {}),
    ...(check.startPeriod !== undefined ? { StartPeriod: check.startPeriod } : {}),
    ...(check.retries !== undefined ? { Retries: check.retries } : {}),
  };
}

function resourcesBody(r: NonNullable<ContainerSpec["resources"]>) {
  return {
    ...(r.memory !== undefined ? { Memory: r.memory } : {}),
    ...(r.nanoCpus !== undefined ? { NanoCpus: r.nanoCpus } : {}),
    ...(r.pidsLimit !== undefined ? { PidsLimit: r.pidsLimit } : {}),
    ...(r.shmSize !== undefined ? { ShmSize: r.shmSize } : {}),
    Ulimits: r.ulimits ?? [],
  };
}

function privilegesBody(p: NonNullable<ContainerSpec["privileges"]>) {
  return {
    ...(p.privileged ? { Privileged: true } : {}),
    ...(p.capAdd?.length ? { CapAdd: p.capAdd } : {}),
    ...(p.capDrop?.length ? { CapDrop: p.capDrop } : {}),
    ...(p.securityOpt?.length ? { SecurityOpt: p.securityOpt } : {}),
    ...(p.groupAdd?.length ? { GroupAdd: p.groupAdd } : {}),
    ...(p.readOnly ? { ReadonlyRootfs: true } : {}),
    ...(p.init ? { Init: true } : {}),
  };
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
