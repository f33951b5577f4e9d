/**
 * The options `run` and `create` share, and how they become a container spec.
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import * as v from "valibot";
import type { OptionSpecs } from "../../cli/command.ts";
import { flag, list, option, type OptionValues, text } from "../../cli/options.ts";
import { IpcatError } from "../../errors.ts";
import { parseDevice, parseMount, parsePorts, parseTmpfs, parseUlimit } from "../run_flags.ts";
import type { ContainerSpec } from "../spec.ts";
import { keyValues } from "./objects.ts";
import { parseGoDuration, WholeNumber } from "./shared.ts";
import { MemorySize, NanoCpus, ramInBytes } from "./state.ts";

/** A Go duration (`30s`, `1m30s`) in nanoseconds, as the API's health check times are. */
const GoDurationNs = v.pipe(
  v.string(),
  v.check((s) => parseGoDuration(s) !== undefined, "a Go duration such as 30s or 1m30s"),
  v.transform((s) => Math.round(parseGoDuration(s)! * 1e6)),
);

/** An `-a` stream name. */
const AttachStream = v.picklist(["stdin", "stdout", "stderr"], "stdin, stdout or stderr");

/** A docker CLI container name: letters, digits, `_ . -`, starting with a letter or digit. */
const ContainerName = v.pipe(
  v.string(),
  v.regex(
    /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/,
    "letters, digits, _ . - (starting with a letter or digit)",
  ),
);

export const containerOptions = {
  interactive: flag("Keep stdin open and forward it", { short: "i" }),
  tty: flag("Allocate a pseudo-TTY (raw mode, resizes, detach keys)", { short: "t" }),
  name: option("NAME", "Name the container", ContainerName),
  hostname: text("NAME", "The container's host name", { short: "h" }),
  env: list("KEY=VALUE", "Set an environment variable (KEY alone: take it from here)", v.string(), {
    short: "e",
  }),
  volume: list(
    "SRC:DST[:ro]",
    "Bind-mount a host path",
    v.pipe(v.string(), v.regex(/^[^:]+:[^:]+(:[a-z,]+)?$/, "SRC:DST or SRC:DST:ro")),
    { short: "v" },
  ),
  workdir: text("DIR", "Working directory inside the container", { short: "w" }),
  user: text("USER[:GROUP]", "User to run as", { short: "u" }),
  entrypoint: text("CMD", 'Override the image\'s entrypoint ("" clears it)'),
  network: option(
    "MODE",
    "Network mode, e.g. none or host (default: the daemon's)",
    v.pipe(v.string(), v.minLength(1)),
  ),
  ipc: option(
    "MODE",
    "IPC namespace: private, shareable, host, none or container:NAME (default: the daemon's)",
    v.pipe(
      v.string(),
      v.regex(
        /^(private|shareable|host|none|container:.+)$/,
        "private, shareable, host, none or container:NAME",
      ),
    ),
  ),
  "log-driver": option(
    "DRIVER",
    "Where the daemon keeps the output, e.g. none (default: the daemon's)",
    v.pipe(v.string(), v.regex(/^[a-z0-9_.-]+$/, "a log driver name such as none or json-file")),
  ),
  restart: option(
    "POLICY",
    "Restart policy: no, always, unless-stopped, on-failure[:N]",
    v.pipe(
      v.string(),
      v.regex(
        /^(no|always|unless-stopped|on-failure(:\d+)?)$/,
        "no, always, unless-stopped or on-failure[:N]",
      ),
    ),
  ),
  rm: flag("Remove the container when it exits"),
  publish: list("[IP:][HOST:]PORT[/PROTO]", "Publish a container port on the host", v.string(), {
    short: "p",
  }),
  "publish-all": flag("Publish every exposed port on a random host port", { short: "P" }),
  expose: list("PORT[-PORT][/PROTO]", "Expose a port (or a range) without publishing it"),
  "add-host": list("HOST:IP", "Add a line to the container's /etc/hosts"),
  label: list("KEY=VALUE", "Set a label on the container", v.string(), { short: "l" }),
  "label-file": list("FILE", "Read labels from FILE (KEY=VALUE lines)"),
  "env-file": list("FILE", "Read environment variables from FILE (KEY=VALUE lines)"),
  mount: list("type=…,source=…,target=…", "Mount a bind, volume or tmpfs"),
  tmpfs: list("PATH[:OPTIONS]", "Mount a tmpfs at PATH"),
  "read-only": flag("Mount the root file system read-only"),
  init: flag("Run an init process as PID 1 (reaps zombies, forwards signals)"),
  privileged: flag("Give the container every capability and every device"),
  "cap-add": list("CAP", "Add a Linux capability"),
  "cap-drop": list("CAP", "Drop a Linux capability"),
  device: list("HOST[:CONTAINER[:rwm]]", "Pass a host device in"),
  "security-opt": list("OPTION", "Security options (seccomp=…, apparmor=…, no-new-privileges)"),
  "group-add": list("GROUP", "Add a supplementary group"),
  memory: option("SIZE", "Memory limit, e.g. 512m", MemorySize, { short: "m" }),
  cpus: option("N", "Number of CPUs, e.g. 1.5", NanoCpus),
  "pids-limit": option("N", "Most processes (-1: unlimited)", WholeNumber),
  ulimit: list("NAME=SOFT[:HARD]", "A resource limit, e.g. nofile=1024:2048"),
  "shm-size": option("SIZE", "Size of /dev/shm, e.g. 64m", MemorySize),
  pid: text("MODE", "PID namespace: host or container:NAME"),
  uts: text("MODE", "UTS namespace: host"),
  "health-cmd": text("COMMAND", "Command that checks the container's health"),
  "health-interval": option("DURATION", "Time between checks (Go duration: 30s, 1m)", GoDurationNs),
  "health-timeout": option("DURATION", "Longest a check may take", GoDurationNs),
  "health-start-period": option(
    "DURATION",
    "Grace period before failed checks count",
    GoDurationNs,
  ),
  "health-retries": option("N", "Failed checks in a row that make it unhealthy", WholeNumber),
  "no-healthcheck": flag("Turn off the image's health check"),
  "stop-signal": text("SIGNAL", "Signal that stops the container"),
  "stop-timeout": option("SECONDS", "Seconds stop waits before it kills", WholeNumber),
  net: option("MODE", "Alias of --network", v.pipe(v.string(), v.minLength(1)), { hidden: true }),
  "log-opt": list("KEY=VALUE", "Log driver option"),
  platform: text("OS[/ARCH]", "Platform of the image, e.g. linux/amd64"),
  attach: list("STREAM", "Attach to stdin, stdout or stderr (repeatable)", AttachStream, {
    short: "a",
  }),
  cidfile: text("FILE", "Write the container ID to FILE"),
} satisfies OptionSpecs;

/** The parsed values of {@link containerOptions}. */
export type ContainerFlags = OptionValues<typeof containerOptions>;

/**
 * `-e` entries as the docker CLI sends them: `KEY` alone takes this process's value of
 * KEY, and is sent bare when KEY is unset here (the daemon then unsets it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { existsSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
 * import { expandEnv } from "./container_options.ts";
 * process.env.IPCAT_EXAMPLE = "1";
 * delete process.env.IPCAT_UNSET;
 * assert.deepEqual(expandEnv(["A=b", "IPCAT_EXAMPLE", "IPCAT_UNSET"]), ["A=b", "IPCAT_EXAMPLE=1", "IPCAT_UNSET"]);
 * ```
 */
export function expandEnv(entries: readonly string[]): string[] {
  return entries.flatMap((entry) => {
    if (entry.includes("=")) return [entry];
    const value = process.env[entry];
    return value === undefined ? [entry] : [`${entry}=${value}`];
  });
}

/**
 * The variables of `--env-file` files, as the docker CLI reads them: `KEY=VALUE` lines,
 * `KEY` alone taken from here, blank lines and `#` comments skipped.
 */
export function readEnvFiles(paths: readonly string[]): string[] {
  return expandEnv(readLines(paths));
}

/** The lines of `--env-file`/`--label-file` files: blank lines and `#` comments skipped. */
function readLines(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new IpcatError("usage", `open ${path}: ${(error as Error).message}`, {
        hint: "give the path of a file of KEY=VALUE lines",
      });
    }
    return text.split(/\r?\n/).map((line) => line.trimStart()).filter((line) =>
      line !== "" && !line.startsWith("#")
    );
  });
}

/**
 * Claims `--cidfile` before anything is created, as the CLI does: an existing file means
 * another container may own it. Returns the writer of the ID, once there is one.
 */
export function claimCidFile(path: string | undefined): (id: string) => void {
  if (path === undefined) return () => {};
  if (existsSync(path)) {
    throw new IpcatError(
      "usage",
      `container ID file found, make sure the other container isn't running or delete ${path}`,
      { hint: "delete the file, or choose another --cidfile" },
    );
  }
  return (id) => writeFileSync(path, id, { mode: 0o644 });
}

/** A capability as the CLI normalizes it: upper case, with the CAP_ prefix (ALL stays ALL). */
function capability(name: string): string {
  const upper = name.toUpperCase();
  return upper === "ALL" || upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
}

/** Turns `run`/`create` flags into a container spec, as the docker CLI builds its config. */
export function specFrom(
  options: ContainerFlags,
  args: string[],
  attached: boolean,
): ContainerSpec {
  if (options.rm && options.restart && options.restart !== "no") {
    throw new IpcatError("usage", "conflicting options: cannot specify both --restart and --rm", {
      hint: "a container removed at exit cannot be restarted; drop one",
    });
  }
  if (options["no-healthcheck"] && options["health-cmd"] !== undefined) {
    throw new IpcatError("usage", "--no-healthcheck conflicts with --health-* options", {
      hint: "drop one of them",
    });
  }
  const [image, ...cmd] = args;
  const env = [...readEnvFiles(options["env-file"]), ...expandEnv(options.env)];
  const labels = { ...keyValues(readLines(options["label-file"])), ...keyValues(options.label) };
  const health = options["health-cmd"] !== undefined
    ? { test: ["CMD-SHELL", options["health-cmd"]] }
    : options["no-healthcheck"]
    ? { test: ["NONE"] }
    : null;
  return {
    image: image!,
    ...(cmd.length ? { cmd } : {}),
    ...(options.entrypoint !== undefined ? { entrypoint: [options.entrypoint] } : {}),
    env,
    workdir: options.workdir,
    user: options.user,
    name: options.name,
    hostname: options.hostname,
    tty: options.tty,
    openStdin: options.interactive,
    stdinOnce: options.interactive && attached,
    detached: !attached,
    autoRemove: options.rm,
    binds: options.volume,
    networkMode: options.network ?? options.net,
    ipcMode: options.ipc,
    logDriver: options["log-driver"],
    // The CLI always names a policy, "no" by default (inspect shows it).
    restart: options.restart ?? "no",
    labels,
    ports: parsePorts(options.publish, options.expose),
    publishAll: options["publish-all"],
    extraHosts: options["add-host"],
    mounts: options.mount.map((m) => parseMount(m, ramInBytes)),
    tmpfs: parseTmpfs(options.tmpfs),
    resources: {
      memory: options.memory,
      nanoCpus: options.cpus,
      pidsLimit: options["pids-limit"],
      shmSize: options["shm-size"],
      ulimits: options.ulimit.map(parseUlimit),
    },
    privileges: {
      privileged: options.privileged,
      capAdd: options["cap-add"].map(capability),
      capDrop: options["cap-drop"].map(capability),
      securityOpt: options["security-opt"],
      groupAdd: options["group-add"],
      readOnly: options["read-only"],
      init: options.init,
    },
    devices: options.device.map(parseDevice),
    pidMode: options.pid,
    utsMode: options.uts,
    ...(health
      ? {
        healthcheck: {
          ...health,
          interval: options["health-interval"],
          timeout: options["health-timeout"],
          startPeriod: options["health-start-period"],
          retries: options["health-retries"],
        },
      }
      : {}),
    stopSignal: options["stop-signal"],
    stopTimeout: options["stop-timeout"],
    logOptions: options["log-opt"].length ? keyValues(options["log-opt"]) : undefined,
    ...(options.attach.length ? { attachStreams: options.attach } : {}),
    platform: options.platform,
  };
}
