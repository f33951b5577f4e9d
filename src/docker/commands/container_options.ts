/**
 * The options `run` and `create` share, and how they become a container spec.
 *
 * @module
 */
import process from "node:process";
import * as v from "valibot";
import { type OptionSpecs } from "../../cli/command.ts";
import { IpcatError } from "../../errors.ts";
import type { ContainerSpec } from "../spec.ts";
import { flag, strings } from "./shared.ts";

export const containerOptions = {
  interactive: { type: "boolean", short: "i", description: "Keep stdin open and forward it" },
  tty: {
    type: "boolean",
    short: "t",
    description: "Allocate a pseudo-TTY (raw mode, resizes, detach keys)",
  },
  name: { type: "string", value: "NAME", description: "Name the container" },
  hostname: { type: "string", short: "h", value: "NAME", description: "The container's host name" },
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

export const containerSchema = {
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
  hostname: v.optional(v.string()),
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

export type ContainerFlags = v.InferOutput<v.ObjectSchema<typeof containerSchema, undefined>>;

/**
 * `-e` entries as the docker CLI sends them: `KEY` alone takes this process's value of
 * KEY, and is sent bare when KEY is unset here (the daemon then unsets it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import process from "node:process";
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
  const [image, ...cmd] = args;
  const env = expandEnv(options.env);
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
    networkMode: options.network,
    ipcMode: options.ipc,
    logDriver: options["log-driver"],
    restart: options.restart,
  };
}
