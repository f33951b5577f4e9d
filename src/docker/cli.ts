/**
 * `ipcat docker …`: the Docker Engine API over its unix socket, with the docker CLI's
 * option names, output and exit codes (the container's own; 125 for daemon or client
 * errors; 126 and 127 when the command cannot be invoked or is not found).
 *
 * @module
 */
import { createReadStream, openSync } from "node:fs";
import process from "node:process";
import { Readable } from "node:stream";
import * as v from "valibot";
import { runtime } from "../adapter/mod.ts";
import { type Command, defineCommand, type Family, type OptionSpecs } from "../cli/command.ts";
import { writeErr, writeOut } from "../cli/io.ts";
import { EXIT_CODES, formatError, IpcatError } from "../errors.ts";
import { checkTty, runConsole } from "./console.ts";
import { indentJson, psRow, table } from "./format.ts";
import { type ContainerSpec, Docker } from "./mod.ts";
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from "./session.ts";

const flag = v.optional(v.boolean(), false);
const strings = v.optional(v.array(v.string()), []);
const seconds = v.optional(
  v.pipe(v.string(), v.regex(/^-?\d+$/, "a whole number of seconds"), v.transform(Number)),
);

const client = () => Docker.fromEnv();

/**
 * The docker CLI's status for a failed start: 127 not found, 126 cannot invoke, else 125.
 *
 * @example
 * ```ts
 * import { startFailureStatus } from "./cli.ts";
 * console.assert(startFailureStatus('exec: "x": executable file not found in $PATH') === 127);
 * ```
 */
export function startFailureStatus(message: string): number {
  if (
    /executable file not found|no such file or directory|system cannot find the file specified/i
      .test(message)
  ) return 127;
  if (/permission denied|is a directory/i.test(message)) return 126;
  return 125;
}

/** Runs `action` on each name; with one name its failure is thrown, with several each is printed and the status is 125. */
async function eachContainer(
  names: string[],
  action: (name: string) => Promise<string>,
): Promise<number> {
  let failed = false;
  for (const name of names) {
    try {
      await writeOut(`${await action(name)}\n`);
    } catch (error) {
      if (names.length === 1) throw error;
      failed = true;
      await writeErr(formatError(error) + "\n");
    }
  }
  return failed ? EXIT_CODES.docker : 0;
}

/** Sinks that write a container's output to this process's stdout and stderr. */
const stdio = {
  stdout: (d: Uint8Array) => runtime.stdout.write(d),
  stderr: (d: Uint8Array) => runtime.stderr.write(d),
};

const containerOptions = {
  interactive: { type: "boolean", short: "i", description: "Keep stdin open and forward it" },
  tty: {
    type: "boolean",
    short: "t",
    description: "Allocate a pseudo-TTY (raw mode, resizes, detach keys)",
  },
  name: { type: "string", value: "NAME", description: "Name the container" },
  env: {
    type: "string",
    short: "e",
    multiple: true,
    value: "KEY=VALUE",
    description: "Set an environment variable (KEY alone: take it from here)",
  },
  volume: {
    type: "string",
    short: "v",
    multiple: true,
    value: "SRC:DST[:ro]",
    description: "Bind-mount a host path",
  },
  workdir: {
    type: "string",
    short: "w",
    value: "DIR",
    description: "Working directory inside the container",
  },
  user: { type: "string", short: "u", value: "USER[:GROUP]", description: "User to run as" },
  entrypoint: {
    type: "string",
    value: "CMD",
    description: 'Override the image\'s entrypoint ("" clears it)',
  },
  network: {
    type: "string",
    value: "MODE",
    description: "Network mode, e.g. none or host (default: the daemon's)",
  },
  ipc: {
    type: "string",
    value: "MODE",
    description:
      "IPC namespace: private, shareable, host, none or container:NAME (default: the daemon's)",
  },
  "log-driver": {
    type: "string",
    value: "DRIVER",
    description: "Where the daemon keeps the output, e.g. none (default: the daemon's)",
  },
  restart: {
    type: "string",
    value: "POLICY",
    description: "Restart policy: no, always, unless-stopped, on-failure[:N]",
  },
  rm: { type: "boolean", description: "Remove the container when it exits" },
} satisfies OptionSpecs;

const containerSchema = {
  interactive: flag,
  tty: flag,
  name: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/,
        "letters, digits, _ . - (starting with a letter or digit)",
      ),
    ),
  ),
  env: strings,
  volume: v.optional(
    v.array(v.pipe(v.string(), v.regex(/^[^:]+:[^:]+(:[a-z,]+)?$/, "SRC:DST or SRC:DST:ro"))),
    [],
  ),
  workdir: v.optional(v.string()),
  user: v.optional(v.string()),
  entrypoint: v.optional(v.string()),
  network: v.optional(v.pipe(v.string(), v.minLength(1))),
  ipc: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^(private|shareable|host|none|container:.+)$/,
        "private, shareable, host, none or container:NAME",
      ),
    ),
  ),
  "log-driver": v.optional(
    v.pipe(v.string(), v.regex(/^[a-z0-9_.-]+$/, "a log driver name such as none or json-file")),
  ),
  restart: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^(no|always|unless-stopped|on-failure(:\d+)?)$/,
        "no, always, unless-stopped or on-failure[:N]",
      ),
    ),
  ),
  rm: flag,
};

type ContainerFlags = v.InferOutput<v.ObjectSchema<typeof containerSchema, undefined>>;

/** Turns `run`/`create` flags into a container spec, as the docker CLI builds its config. */
function specFrom(options: ContainerFlags, args: string[], attached: boolean): ContainerSpec {
  if (options.rm && options.restart && options.restart !== "no") {
    throw new IpcatError("usage", "conflicting options: --restart and --rm", {
      hint: "a container removed at exit cannot be restarted; drop one",
    });
  }
  const [image, ...cmd] = args;
  const env = options.env.flatMap((entry) => {
    if (entry.includes("=")) return [entry];
    const value = process.env[entry];
    return value === undefined ? [entry] : [`${entry}=${value}`];
  });
  return {
    image: image!,
    ...(cmd.length ? { cmd } : {}),
    ...(options.entrypoint !== undefined ? { entrypoint: [options.entrypoint] } : {}),
    env,
    workdir: options.workdir,
    user: options.user,
    name: options.name,
    tty: options.tty,
    openStdin: options.interactive,
    stdinOnce: options.interactive && attached,
    detached: !attached,
    autoRemove: options.rm,
    binds: options.volume,
    networkMode: options.network,
    ipcMode: options.ipc,
    logDriver: options["log-driver"],
    restart: options.restart,
  };
}

async function printWarnings(warnings: string[]): Promise<void> {
  for (const warning of warnings) await writeErr(`WARNING: ${warning}\n`);
}

const ping = defineCommand({
  name: "ping",
  summary: "Check that the daemon answers, and show its API version",
  usage: "",
  options: {},
  schema: v.object({}),
  positionals: { min: 0, max: 0 },
  examples: [["ipcat docker ping", "Prints OK and the daemon's API version"]],
  async run() {
    const docker = await client();
    const info = await docker.ping();
    await writeOut(
      `OK (API ${info.apiVersion}, ${info.osType || "unknown OS"}, ${
        info.server || "unknown server"
      }) at ${docker.api.endpoint.display}\n`,
    );
    return 0;
  },
});

const version = defineCommand({
  name: "version",
  summary: "Show the client's and the daemon's versions",
  usage: "",
  options: {},
  schema: v.object({}),
  positionals: { min: 0, max: 0 },
  examples: [["ipcat docker version", "Client and server versions, as docker version prints them"]],
  async run() {
    const docker = await client();
    const [info, api] = [await docker.version(), await docker.api.version()];
    const row = (
      label: string,
      value: string | undefined,
    ) => (value ? `  ${`${label}:`.padEnd(18)}${value}\n` : "");
    const { VERSION } = await import("../version.ts");
    await writeOut(
      `Client:\n ${"Version:".padEnd(19)}${VERSION} (ipcat, ${runtime.name} ${runtime.version})\n ${
        "API version:".padEnd(19)
      }${api} (negotiated)\n\n` +
        `Server:\n Engine:\n` + row("Version", info.Version) +
        row(
          "API version",
          `${info.ApiVersion}${
            info.MinAPIVersion ? ` (minimum version ${info.MinAPIVersion})` : ""
          }`,
        ) +
        row("Go version", info.GoVersion) + row("Git commit", info.GitCommit) +
        row("Built", info.BuildTime && goAnsiDate(info.BuildTime)) +
        row("OS/Arch", `${info.Os}/${info.Arch}`) +
        row("Experimental", String(info.Experimental ?? false)),
    );
    return 0;
  },
});

/** A timestamp as Go's `time.ANSIC` layout writes it (`Thu May  7 21:09:36 2026`), as docker version shows it. */
function goAnsiDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const [weekday, month] = [date.toUTCString().slice(0, 3), date.toUTCString().slice(8, 11)];
  const time = date.toISOString().slice(11, 19);
  return `${weekday} ${month} ${
    String(date.getUTCDate()).padStart(2)
  } ${time} ${date.getUTCFullYear()}`;
}

const ps = defineCommand({
  name: "ps",
  summary: "List containers",
  usage: "",
  options: {
    all: {
      type: "boolean",
      short: "a",
      description: "Show all containers (default: running ones)",
    },
    quiet: { type: "boolean", short: "q", description: "Only show container IDs" },
    format: {
      type: "string",
      value: "table|json",
      description: "Output format: the table (default) or one JSON object per line",
    },
    "no-trunc": { type: "boolean", description: "Do not truncate IDs and commands" },
  },
  schema: v.object({
    all: flag,
    quiet: flag,
    format: v.optional(
      v.picklist(["table", "json"], "table or json (Go templates are not supported)"),
      "table",
    ),
    "no-trunc": flag,
  }),
  positionals: { min: 0, max: 0 },
  examples: [["ipcat docker ps -a", "All containers, as a table"], [
    "ipcat docker ps --format json",
    "One JSON object per running container",
  ]],
  async run({ options }) {
    const containers = await (await client()).containers({ all: options.all });
    const now = Date.now() / 1000;
    const rows = containers.map((c) => psRow(c, now, options["no-trunc"]));
    if (options.quiet) await writeOut(rows.map((r) => `${r.ID}\n`).join(""));
    else if (options.format === "json") {
      await writeOut(rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
    } else {
      await writeOut(table([
        ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"],
        ...rows.map((
          r,
        ) => [r.ID!, r.Image!, r.Command!, r.RunningFor!, r.Status!, r.Ports!, r.Names!]),
      ]));
    }
    return 0;
  },
});

const inspect = defineCommand({
  name: "inspect",
  summary: "Show a container's full configuration and state as JSON",
  usage: "CONTAINER...",
  options: {},
  schema: v.object({}),
  positionals: { min: 1 },
  examples: [[
    "ipcat docker inspect web",
    "The daemon's JSON for 'web', indented as docker inspect prints it",
  ]],
  async run({ args }) {
    const docker = await client();
    const raws: string[] = [];
    for (const name of args) raws.push(await docker.inspectRaw(name));
    await writeOut(indentJson(`[${raws.map((r) => r.trim()).join(",")}]`, "    ") + "\n");
    return 0;
  },
});

const create = defineCommand({
  name: "create",
  summary: "Create a container (without starting it) and print its ID",
  usage: "IMAGE [COMMAND [ARG...]]",
  options: containerOptions,
  schema: v.object(containerSchema),
  positionals: { min: 1 },
  passThroughAfter: 1,
  examples: [[
    "ipcat docker create --name job --network none busybox:local sh -c 'echo hi'",
    "Creates 'job'; start it with 'ipcat docker start -a job'",
  ]],
  async run({ options, args }) {
    const { id, warnings } = await (await client()).create(specFrom(options, args, true));
    await printWarnings(warnings);
    await writeOut(`${id}\n`);
    return 0;
  },
});

const detachKeysOption = {
  "detach-keys": {
    type: "string",
    value: "KEYS",
    description: `Keys that detach from a TTY session (default ${DEFAULT_DETACH_KEYS})`,
  },
} satisfies OptionSpecs;
const detachKeysSchema = v.optional(v.pipe(v.string(), v.minLength(1)), DEFAULT_DETACH_KEYS);

/** Attaches to a created container, starts it, streams, and returns its exit status (the `run`/`start -a` path). */
async function startAttached(
  docker: Docker,
  id: string,
  wiring: {
    tty: boolean;
    stdin: boolean;
    detachKeys: string;
    sigProxy: boolean;
    autoRemove: boolean;
  },
): Promise<number> {
  const keys = parseDetachKeys(wiring.detachKeys);
  const session = await docker.attachSession(id, { stdin: wiring.stdin, tty: wiring.tty });
  const wait = await docker.registerWait(id, wiring.autoRemove ? "removed" : "next-exit");
  const ended = await runConsole(docker, session, {
    stdin: wiring.stdin,
    detachKeys: keys,
    sigProxyTo: wiring.sigProxy ? id : null,
    resize: { id, kind: "containers" },
    async beforeOutput() {
      try {
        await docker.start(id);
      } catch (error) {
        session.close();
        if (wiring.autoRemove) await docker.remove(id, { force: true }).catch(() => {});
        if (error instanceof IpcatError) {
          const status = startFailureStatus(error.message);
          if (status === 127) {
            throw new IpcatError("docker_command_not_found", error.message, {
              hint: "check the command and the image's PATH",
              cause: error,
            });
          }
          if (status === 126) {
            throw new IpcatError("docker_cannot_invoke", error.message, {
              hint: "the command exists but cannot be run: check that it is an executable file",
              cause: error,
            });
          }
        }
        throw error;
      }
    },
  });
  if (ended === "detached") return -1;
  const status = await wait.result;
  if (status.Error?.Message) {
    throw new IpcatError("docker", `waiting for the container failed: ${status.Error.Message}`);
  }
  return status.StatusCode;
}

const run = defineCommand({
  name: "run",
  summary: "Create and start a container, streaming its output and exiting with its exit code",
  usage: "IMAGE [COMMAND [ARG...]]",
  description:
    `The order that loses no output: create, attach, register the wait, start, resize, stream,
exit with the container's code. Without -t, stdout and stderr stay apart and byte-exact,
and SIGINT/SIGTERM are forwarded to the container (--sig-proxy). With -t the terminal is
in raw mode until the end, and ${DEFAULT_DETACH_KEYS} detaches (exit 0).`,
  options: {
    ...containerOptions,
    detach: {
      type: "boolean",
      short: "d",
      description: "Run in the background and print the container ID",
    },
    ...detachKeysOption,
    "sig-proxy": {
      type: "boolean",
      description: "Forward signals to the container without a TTY (default true)",
    },
  },
  schema: v.object({
    ...containerSchema,
    detach: flag,
    "detach-keys": detachKeysSchema,
    "sig-proxy": v.optional(v.boolean(), true),
  }),
  positionals: { min: 1 },
  passThroughAfter: 1,
  examples: [
    [
      "ipcat docker run --rm --network none busybox:local echo hello",
      "Prints hello, removes the container",
    ],
    [
      "ipcat docker run --rm -it --network none busybox:local sh",
      "An interactive shell (ctrl-p ctrl-q detaches)",
    ],
    [
      "tar -c . | ipcat docker run --rm -i --network none busybox:local tar -t",
      "Pipes stdin into the container",
    ],
  ],
  async run({ options, args }) {
    parseDetachKeys(options["detach-keys"]);
    if (!options.detach) checkTty(options.interactive, options.tty);
    const docker = await client();
    const spec = specFrom(options, args, !options.detach);
    const { id, warnings } = await docker.create(spec);
    await printWarnings(warnings);
    if (options.detach) {
      await docker.start(id).catch(async (error) => {
        if (options.rm) await docker.remove(id, { force: true }).catch(() => {});
        throw error;
      });
      await writeOut(`${id}\n`);
      return 0;
    }
    const status = await startAttached(docker, id, {
      tty: options.tty,
      stdin: options.interactive,
      detachKeys: options["detach-keys"],
      sigProxy: options["sig-proxy"],
      autoRemove: options.rm,
    });
    return status < 0 ? 0 : status;
  },
});

const start = defineCommand({
  name: "start",
  summary: "Start containers (with -a: attached, exiting with the container's code)",
  usage: "CONTAINER...",
  options: {
    attach: {
      type: "boolean",
      short: "a",
      description: "Attach stdout/stderr and exit with the container's code",
    },
    interactive: { type: "boolean", short: "i", description: "Attach stdin too" },
    ...detachKeysOption,
  },
  schema: v.object({ attach: flag, interactive: flag, "detach-keys": detachKeysSchema }),
  positionals: { min: 1 },
  examples: [["ipcat docker start web", "Starts 'web' and prints its name"], [
    "ipcat docker start -ai job",
    "Starts 'job' attached, with stdin",
  ]],
  async run({ options, args }) {
    const docker = await client();
    if (!options.attach && !options.interactive) {
      return await eachContainer(args, async (name) => (await docker.start(name), name));
    }
    if (args.length > 1) {
      throw new IpcatError("usage", "you cannot start and attach multiple containers at once", {
        hint: "give one container with -a/-i",
      });
    }
    const info = await docker.inspect(args[0]!);
    const stdin = options.interactive && info.Config.OpenStdin;
    checkTty(stdin, info.Config.Tty);
    const status = await startAttached(docker, info.Id, {
      tty: info.Config.Tty,
      stdin,
      detachKeys: options["detach-keys"],
      sigProxy: true,
      autoRemove: info.HostConfig.AutoRemove,
    });
    return status < 0 ? 0 : status;
  },
});

const stop = defineCommand({
  name: "stop",
  summary: "Stop containers: SIGTERM, then SIGKILL after a grace period",
  usage: "CONTAINER...",
  options: {
    time: {
      type: "string",
      short: "t",
      value: "SECONDS",
      description: "Seconds to wait before killing (default: the container's, 10)",
    },
  },
  schema: v.object({ time: seconds }),
  positionals: { min: 1 },
  examples: [["ipcat docker stop -t 1 web", "Stops 'web', killing it after 1 s"]],
  async run({ options, args }) {
    const docker = await client();
    return await eachContainer(
      args,
      async (name) => (await docker.stop(name, { timeout: options.time }), name),
    );
  },
});

const kill = defineCommand({
  name: "kill",
  summary: "Send a signal to containers (default SIGKILL)",
  usage: "CONTAINER...",
  options: {
    signal: {
      type: "string",
      short: "s",
      value: "SIGNAL",
      description: "Signal name or number (default KILL)",
    },
  },
  schema: v.object({
    signal: v.optional(
      v.pipe(v.string(), v.regex(/^(SIG)?[A-Z0-9+-]+$|^\d+$/i, "a signal name or number")),
      "KILL",
    ),
  }),
  positionals: { min: 1 },
  examples: [["ipcat docker kill -s HUP web", "Sends SIGHUP to 'web'"]],
  async run({ options, args }) {
    const docker = await client();
    return await eachContainer(
      args,
      async (name) => (await docker.kill(name, options.signal), name),
    );
  },
});

const rm = defineCommand({
  name: "rm",
  summary: "Remove containers",
  usage: "CONTAINER...",
  options: {
    force: {
      type: "boolean",
      short: "f",
      description: "Remove running containers too (killing them)",
    },
  },
  schema: v.object({ force: flag }),
  positionals: { min: 1 },
  examples: [["ipcat docker rm -f web", "Kills and removes 'web'"]],
  async run({ options, args }) {
    const docker = await client();
    return await eachContainer(
      args,
      async (name) => (await docker.remove(name, { force: options.force }), name),
    );
  },
});

const wait = defineCommand({
  name: "wait",
  summary: "Wait for containers to stop and print their exit codes",
  usage: "CONTAINER...",
  options: {},
  schema: v.object({}),
  positionals: { min: 1 },
  examples: [["ipcat docker wait job", "Blocks until 'job' stops, prints its exit code"]],
  async run({ args }) {
    const docker = await client();
    return await eachContainer(args, async (name) => String(await docker.wait(name)));
  },
});

const logs = defineCommand({
  name: "logs",
  summary: "Print a container's output (stdout and stderr kept apart)",
  usage: "CONTAINER",
  options: {
    follow: { type: "boolean", short: "f", description: "Keep printing until the container stops" },
    tail: {
      type: "string",
      short: "n",
      value: "N",
      description: "Only the last N lines (default all)",
    },
    timestamps: {
      type: "boolean",
      short: "t",
      description: "Prefix each line with its RFC 3339 timestamp",
    },
  },
  schema: v.object({
    follow: flag,
    tail: v.optional(
      v.union([
        v.literal("all"),
        v.pipe(v.string(), v.regex(/^\d+$/, "a number of lines or 'all'"), v.transform(Number)),
      ]),
      "all",
    ),
    timestamps: flag,
  }),
  positionals: { min: 1, max: 1 },
  examples: [["ipcat docker logs --tail 10 -f web", "The last 10 lines, then everything new"]],
  async run({ options, args }) {
    await (await client()).logs(args[0]!, options, stdio);
    return 0;
  },
});

const attach = defineCommand({
  name: "attach",
  summary: "Attach this terminal to a running container's stdin, stdout and stderr",
  usage: "CONTAINER",
  description:
    `With a TTY, ${DEFAULT_DETACH_KEYS} detaches: ipcat prints "read escape sequence" and exits 1,
as the docker CLI does. Otherwise it exits with the container's exit code.`,
  options: {
    "no-stdin": { type: "boolean", description: "Do not forward stdin" },
    ...detachKeysOption,
    "sig-proxy": {
      type: "boolean",
      description: "Forward signals to the container without a TTY (default true)",
    },
  },
  schema: v.object({
    "no-stdin": flag,
    "detach-keys": detachKeysSchema,
    "sig-proxy": v.optional(v.boolean(), true),
  }),
  positionals: { min: 1, max: 1 },
  examples: [["ipcat docker attach web", "Attach; ctrl-p ctrl-q detaches when it has a TTY"]],
  async run({ options, args }) {
    const keys = parseDetachKeys(options["detach-keys"]);
    const docker = await client();
    const info = await docker.inspect(args[0]!);
    if (info.State.Paused) {
      throw new IpcatError("docker", "You cannot attach to a paused container, unpause it first", {
        hint: "unpause it first with 'docker unpause'",
      });
    }
    if (info.State.Restarting) {
      throw new IpcatError(
        "docker",
        "You cannot attach to a restarting container, wait until it is running",
      );
    }
    if (!info.State.Running) {
      throw new IpcatError("docker", "You cannot attach to a stopped container, start it first", {
        hint: `ipcat docker start -a ${args[0]}`,
      });
    }
    const stdin = !options["no-stdin"] && info.Config.OpenStdin;
    checkTty(stdin, info.Config.Tty);
    const waited = await docker.registerWait(info.Id, "not-running");
    const session = await docker.attachSession(info.Id, { stdin, tty: info.Config.Tty });
    const ended = await runConsole(docker, session, {
      stdin,
      detachKeys: keys,
      sigProxyTo: options["sig-proxy"] ? info.Id : null,
      resize: { id: info.Id, kind: "containers" },
    });
    if (ended === "detached") {
      await writeErr("read escape sequence\n");
      return 1;
    }
    return (await waited.result).StatusCode;
  },
});

const exec = defineCommand({
  name: "exec",
  summary: "Run a command in a running container, exiting with its exit code",
  usage: "CONTAINER COMMAND [ARG...]",
  options: {
    interactive: { type: "boolean", short: "i", description: "Keep stdin open and forward it" },
    tty: { type: "boolean", short: "t", description: "Allocate a pseudo-TTY" },
    env: {
      type: "string",
      short: "e",
      multiple: true,
      value: "KEY=VALUE",
      description: "Set an environment variable",
    },
    workdir: {
      type: "string",
      short: "w",
      value: "DIR",
      description: "Working directory inside the container",
    },
    user: { type: "string", short: "u", value: "USER[:GROUP]", description: "User to run as" },
    ...detachKeysOption,
  },
  schema: v.object({
    interactive: flag,
    tty: flag,
    env: strings,
    workdir: v.optional(v.string()),
    user: v.optional(v.string()),
    "detach-keys": detachKeysSchema,
  }),
  positionals: { min: 2 },
  passThroughAfter: 1,
  examples: [["ipcat docker exec -it web sh", "A shell inside 'web'"], [
    "ipcat docker exec web cat /etc/hostname",
    "Prints the container's hostname",
  ]],
  async run({ options, args }) {
    const keys = parseDetachKeys(options["detach-keys"]);
    checkTty(options.interactive, options.tty);
    const [container, ...cmd] = args;
    const docker = await client();
    const execId = await docker.execCreate(container!, cmd, {
      stdin: options.interactive,
      tty: options.tty,
      env: options.env,
      workdir: options.workdir,
      user: options.user,
    });
    const session = await docker.execStart(execId, options.tty);
    const ended = await runConsole(docker, session, {
      stdin: options.interactive,
      detachKeys: keys,
      sigProxyTo: null,
      resize: { id: execId, kind: "exec" },
    });
    if (ended === "detached") {
      await writeErr("read escape sequence\n");
      return 1;
    }
    return await docker.execExitCode(execId);
  },
});

const importImage = defineCommand({
  name: "import",
  summary: "Make an image from a root file system tar (no registry needed)",
  usage: "TAR|- [REPOSITORY[:TAG]]",
  options: {},
  schema: v.object({}),
  positionals: { min: 1, max: 2 },
  examples: [[
    "tar -C rootfs -c . | ipcat docker import - busybox:local",
    "Imports the tar on stdin as busybox:local and prints the image ID",
  ]],
  async run({ args }) {
    const [source, reference] = args;
    let tar: ReadableStream<Uint8Array>;
    if (source === "-") {
      tar = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const chunk = await runtime.stdin.read();
          if (chunk === null) controller.close();
          else controller.enqueue(chunk);
        },
        cancel: () => runtime.stdin.cancel(),
      });
    } else {
      let fd: number;
      try {
        fd = openSync(source!, "r");
      } catch (error) {
        throw new IpcatError("docker", `cannot read ${source}: ${(error as Error).message}`, {
          hint: "give the path of a tar file, or - for stdin",
        });
      }
      tar = Readable.toWeb(createReadStream("", { fd })) as unknown as ReadableStream<Uint8Array>;
    }
    await writeOut(`${await (await client()).importImage(tar, reference)}\n`);
    return 0;
  },
});

/** The docker family's commands. */
export const dockerFamily: Family = {
  name: "docker",
  summary: "Drive the Docker Engine API over its unix socket, with no docker CLI installed",
  description:
    `Container lifecycle, attach, run and exec with stdin, TTY, detach keys and exit codes,
as the docker CLI does them. DOCKER_HOST selects the engine (unix:// or tcp://, with TLS
from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH); DOCKER_API_VERSION pins the API version.
Exit codes: the container's own; 125 when the daemon or ipcat fails; 126 when the
command cannot be invoked; 127 when it is not found.`,
  commands: [
    ping,
    version,
    ps,
    inspect,
    create,
    start,
    run,
    attach,
    exec,
    logs,
    stop,
    kill,
    rm,
    wait,
    importImage,
  ] as Command<unknown>[],
};
