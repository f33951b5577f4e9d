/**
 * Commands that stream a container's input and output: `logs`, `attach`, `exec`.
 *
 * @module
 */
import * as v from "valibot";
import { writeErr } from "../../cli/io.ts";
import { IpcatError } from "../../errors.ts";
import { checkTty, runConsole } from "../console.ts";
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from "../session.ts";
import {
  client,
  detachKeysOption,
  detachKeysSchema,
  dockerCommand,
  flag,
  stdio,
  strings,
} from "./shared.ts";
import { expandEnv } from "./container_options.ts";

export const logs = dockerCommand({
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
  args: { min: 1, max: 1 },
  examples: [["ipcat docker logs --tail 10 -f web", "The last 10 lines, then everything new"]],
  async run({ options, args }) {
    await (await client()).logs(args[0]!, options, stdio);
    return 0;
  },
});

export const attach = dockerCommand({
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
  args: { min: 1, max: 1 },
  examples: [["ipcat docker attach web", "Attach; ctrl-p ctrl-q detaches when it has a TTY"]],
  async run({ options, args }) {
    const keys = parseDetachKeys(options["detach-keys"]);
    const docker = await client();
    const info = await docker.inspect(args[0]!);
    if (info.State.Paused) {
      throw new IpcatError("docker", "You cannot attach to a paused container, unpause it first", {
        hint: "unpause it first with 'ipcat docker unpause'",
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
    const session = await docker.attachSession(info.Id, {
      stdin,
      tty: info.Config.Tty,
      detachKeys: options["detach-keys"],
    });
    const ended = await runConsole(docker, session, {
      stdin,
      detachKeys: keys,
      sigProxyTo: options["sig-proxy"] ? info.Id : null,
      resize: { id: info.Id, kind: "containers" },
      forceRedraw: true,
    });
    if (ended === "detached") {
      await writeErr("read escape sequence\n");
      return 1;
    }
    return (await waited.result).StatusCode;
  },
});

export const exec = dockerCommand({
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
      description: "Set an environment variable (KEY alone: take it from here)",
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
  args: { min: 2 },
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
      env: expandEnv(options.env),
      workdir: options.workdir,
      user: options.user,
      detachKeys: options["detach-keys"],
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
