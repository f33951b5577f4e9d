/**
 * Commands that stream a container's input and output: `logs`, `attach`, `exec`.
 *
 * @module
 */
import * as v from "valibot";
import { writeErr } from "../../cli/io.ts";
import { IpcatError } from "../../errors.ts";
import { runConsole } from "../console.ts";
import { checkTty } from "../../cli/terminal.ts";
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from "../session.ts";
import { flag, list, option, text } from "../../cli/options.ts";
import {
  client,
  detachKeysOf,
  detachKeysOption,
  dockerCommand,
  parseTimestamp,
  stdio,
} from "./shared.ts";
import { expandEnv, readEnvFiles } from "./container_options.ts";

/** `--tail`: a number of lines, or `all`. */
const Tail = v.union([
  v.literal("all"),
  v.pipe(v.string(), v.regex(/^\d+$/, "a number of lines or 'all'"), v.transform(Number)),
]);

export const logs = dockerCommand({
  name: "logs",
  summary: "Print a container's output (stdout and stderr kept apart)",
  usage: "CONTAINER",
  options: {
    details: flag("Show the extra attributes given to the log driver"),
    follow: flag("Keep printing until the container stops", { short: "f" }),
    since: text("TIME", "Only output since TIME (RFC 3339, Unix seconds, or relative: 42m)"),
    tail: option("N", "Only the last N lines", Tail, { short: "n", default: "all" }),
    timestamps: flag("Prefix each line with its RFC 3339 timestamp", { short: "t" }),
    until: text("TIME", "Only output before TIME (as --since)"),
  },
  args: { min: 1, max: 1 },
  examples: [["ipcat docker logs --tail 10 -f web", "The last 10 lines, then everything new"]],
  async run({ options, args }) {
    const now = Date.now();
    await (await client()).copyLogs(args[0]!, {
      follow: options.follow,
      tail: options.tail,
      timestamps: options.timestamps,
      details: options.details,
      since: options.since === undefined ? undefined : parseTimestamp(options.since, now),
      until: options.until === undefined ? undefined : parseTimestamp(options.until, now),
    }, stdio);
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
    "no-stdin": flag("Do not forward stdin"),
    ...detachKeysOption,
    "sig-proxy": flag("Forward signals to the container", { default: true }),
  },
  args: { min: 1, max: 1 },
  examples: [["ipcat docker attach web", "Attach; ctrl-p ctrl-q detaches when it has a TTY"]],
  async run({ options, args }) {
    const detachKeys = detachKeysOf(options);
    const keys = parseDetachKeys(detachKeys);
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
      detachKeys,
    });
    const ended = await runConsole(docker, session, {
      stdin,
      detachKeys: keys,
      sigProxyTo: options["sig-proxy"] ? info.Id : null,
      resize: { id: info.Id, kind: "containers" },
      forceRedraw: true,
      until: waited.result,
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
    detach: flag("Run the command in the background", { short: "d" }),
    env: list(
      "KEY=VALUE",
      "Set an environment variable (KEY alone: take it from here)",
      v.string(),
      {
        short: "e",
      },
    ),
    "env-file": list("FILE", "Read environment variables from FILE (KEY=VALUE lines)"),
    interactive: flag("Keep stdin open and forward it", { short: "i" }),
    privileged: flag("Give the command extended privileges"),
    tty: flag("Allocate a pseudo-TTY", { short: "t" }),
    user: text("USER[:GROUP]", "User to run as", { short: "u" }),
    workdir: text("DIR", "Working directory inside the container", { short: "w" }),
    ...detachKeysOption,
  },
  args: { min: 2 },
  passThroughAfter: 1,
  examples: [["ipcat docker exec -it web sh", "A shell inside 'web'"], [
    "ipcat docker exec web cat /etc/hostname",
    "Prints the container's hostname",
  ]],
  async run({ options, args }) {
    const detachKeys = detachKeysOf(options);
    const keys = parseDetachKeys(detachKeys);
    if (!options.detach) checkTty(options.interactive, options.tty);
    const [container, ...cmd] = args;
    const docker = await client();
    const env = [...readEnvFiles(options["env-file"]), ...expandEnv(options.env)];
    const execId = await docker.execCreate(container!, cmd, {
      stdin: options.interactive && !options.detach,
      tty: options.tty,
      env,
      workdir: options.workdir,
      user: options.user,
      privileged: options.privileged,
      detachKeys,
      detach: options.detach,
    });
    if (options.detach) {
      await docker.execStartDetached(execId, options.tty);
      return 0;
    }
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
