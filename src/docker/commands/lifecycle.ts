/**
 * Commands of a container's life: `create`, `run`, `start`, `stop`, `kill`, `rm`, `wait`.
 *
 * @module
 */
import { flag, option } from "../../cli/options.ts";
import { writeOut } from "../../cli/io.ts";
import { IpcatError } from "../../errors.ts";
import { runConsole } from "../console.ts";
import { checkTty } from "../../cli/terminal.ts";
import { Docker } from "../client.ts";
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from "../session.ts";
import {
  client,
  detachKeysOf,
  detachKeysOption,
  dockerCommand,
  eachContainer,
  printWarnings,
  SignalName,
  startError,
  stopOptions,
} from "./shared.ts";
import { claimCidFile, containerOptions, specFrom } from "./container_options.ts";

export const create = dockerCommand({
  name: "create",
  summary: "Create a container (without starting it) and print its ID",
  usage: "IMAGE [COMMAND [ARG...]]",
  options: containerOptions,
  args: { min: 1 },
  passThroughAfter: 1,
  examples: [[
    "ipcat docker create --name job --network none busybox:local sh -c 'echo hi'",
    "Creates 'job'; start it with 'ipcat docker start -a job'",
  ]],
  async run({ options, args }) {
    const spec = specFrom(options, args, true);
    const recordId = claimCidFile(options.cidfile);
    const { id, warnings } = await (await client()).create(spec);
    recordId(id);
    await printWarnings(warnings);
    await writeOut(`${id}\n`);
    return 0;
  },
});

/** Attaches to a created container, starts it, streams, and returns its exit status (the `run`/`start -a` path). */
export async function startAttached(
  docker: Docker,
  id: string,
  wiring: {
    tty: boolean;
    stdin: boolean;
    detachKeys: string;
    sigProxy: boolean;
    autoRemove: boolean;
    /** The output streams to attach (`run -a`); default both. */
    stdout?: boolean;
    stderr?: boolean;
  },
): Promise<number> {
  const keys = parseDetachKeys(wiring.detachKeys);
  // The daemon watches for the same keys: left at its default, it would detach on ctrl-p
  // ctrl-q behind the user's back (and ctrl-p could not reach the shell's history).
  const session = await docker.attachSession(id, {
    stdin: wiring.stdin,
    tty: wiring.tty,
    detachKeys: wiring.detachKeys,
    stdout: wiring.stdout ?? true,
    stderr: wiring.stderr ?? true,
  });
  const wait = await docker.registerWait(id, wiring.autoRemove ? "removed" : "next-exit");
  const ended = await runConsole(docker, session, {
    stdin: wiring.stdin,
    detachKeys: keys,
    sigProxyTo: wiring.sigProxy ? id : null,
    resize: { id, kind: "containers" },
    until: wait.result,
    async beforeOutput() {
      try {
        await docker.start(id);
      } catch (error) {
        session.close();
        if (wiring.autoRemove) await docker.remove(id, { force: true }).catch(() => {});
        throw startError(error);
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

export const run = dockerCommand({
  name: "run",
  summary: "Create and start a container, streaming its output and exiting with its exit code",
  usage: "IMAGE [COMMAND [ARG...]]",
  description:
    `The order that loses no output: create, attach, register the wait, start, resize, stream,
exit with the container's code. Without -t, stdout and stderr stay apart and byte-exact.
SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 go to the container (--sig-proxy), with -t or
without, until it exits. With -t the terminal is in raw mode until the end, and
${DEFAULT_DETACH_KEYS} detaches (exit 0).`,
  options: {
    ...containerOptions,
    detach: flag("Run in the background and print the container ID", { short: "d" }),
    ...detachKeysOption,
    "sig-proxy": flag("Forward signals to the container", { default: true }),
  },
  args: { min: 1 },
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
    const detachKeys = detachKeysOf(options);
    parseDetachKeys(detachKeys);
    if (!options.detach) checkTty(options.interactive, options.tty);
    if (options.detach && options.attach.length) {
      throw new IpcatError(
        "usage",
        "conflicting options: cannot specify both --attach and --detach",
        {
          hint: "drop -a or -d",
        },
      );
    }
    const spec = specFrom(options, args, !options.detach);
    const recordId = claimCidFile(options.cidfile);
    const docker = await client();
    const { id, warnings } = await docker.create(spec);
    recordId(id);
    await printWarnings(warnings);
    if (options.detach) {
      // The docker CLI prints the ID even when the start then fails (status 126 or 127).
      await writeOut(`${id}\n`);
      await docker.start(id).catch(async (error) => {
        if (options.rm) await docker.remove(id, { force: true }).catch(() => {});
        throw startError(error);
      });
      return 0;
    }
    const streams = options.attach.length ? options.attach : null;
    const status = await startAttached(docker, id, {
      tty: options.tty,
      stdin: streams ? streams.includes("stdin") : options.interactive,
      detachKeys,
      sigProxy: options["sig-proxy"],
      autoRemove: options.rm,
      stdout: streams ? streams.includes("stdout") : true,
      stderr: streams ? streams.includes("stderr") : true,
    });
    return status < 0 ? 0 : status;
  },
});

export const start = dockerCommand({
  name: "start",
  summary: "Start containers (with -a: attached, exiting with the container's code)",
  usage: "CONTAINER...",
  options: {
    attach: flag("Attach stdout/stderr and exit with the container's code", { short: "a" }),
    interactive: flag("Attach stdin too", { short: "i" }),
    ...detachKeysOption,
  },
  args: { min: 1 },
  examples: [["ipcat docker start web", "Starts 'web' and prints its name"], [
    "ipcat docker start -ai job",
    "Starts 'job' attached, with stdin",
  ]],
  async run({ options, args }) {
    const detachKeys = detachKeysOf(options);
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
      detachKeys,
      sigProxy: true,
      autoRemove: info.HostConfig.AutoRemove,
    });
    return status < 0 ? 0 : status;
  },
});

export const stop = dockerCommand({
  name: "stop",
  summary: "Stop containers: SIGTERM, then SIGKILL after a grace period",
  usage: "CONTAINER...",
  options: stopOptions,
  args: { min: 1 },
  examples: [["ipcat docker stop -t 1 web", "Stops 'web', killing it after 1 s"]],
  async run({ options, args }) {
    const docker = await client();
    return await eachContainer(
      args,
      async (
        name,
      ) => (await docker.stop(name, { timeout: options.time, signal: options.signal }), name),
    );
  },
});

export const kill = dockerCommand({
  name: "kill",
  summary: "Send a signal to containers (default SIGKILL)",
  usage: "CONTAINER...",
  options: {
    signal: option("SIGNAL", "Signal name or number", SignalName, { short: "s", default: "KILL" }),
  },
  args: { min: 1 },
  examples: [["ipcat docker kill -s HUP web", "Sends SIGHUP to 'web'"]],
  async run({ options, args }) {
    const docker = await client();
    return await eachContainer(
      args,
      async (name) => (await docker.kill(name, options.signal), name),
    );
  },
});

export const rm = dockerCommand({
  name: "rm",
  summary: "Remove containers",
  usage: "CONTAINER...",
  options: {
    force: flag("Remove running containers too (killing them)", { short: "f" }),
    volumes: flag("Remove the anonymous volumes of the containers too", { short: "v" }),
  },
  args: { min: 1 },
  examples: [["ipcat docker rm -f web", "Kills and removes 'web'"]],
  async run({ options, args }) {
    const docker = await client();
    return await eachContainer(
      args,
      async (name) => (
        await docker.remove(name, { force: options.force, volumes: options.volumes }), name
      ),
      // The docker CLI's `rm -f` prints a missing container's error but still exits 0.
      { tolerateMissing: options.force },
    );
  },
});

export const wait = dockerCommand({
  name: "wait",
  summary: "Wait for containers to stop and print their exit codes",
  usage: "CONTAINER...",
  options: {},
  args: { min: 1 },
  examples: [["ipcat docker wait job", "Blocks until 'job' stops, prints its exit code"]],
  async run({ args }) {
    const docker = await client();
    return await eachContainer(args, async (name) => String(await docker.wait(name)));
  },
});
