/**
 * The options `run` and `create` share, and how they become a container spec.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import * as v from "valibot";
import type { OptionSpecs } from "../../cli/command.ts";
import { flag, list, option, type OptionValues, text } from "../../cli/options.ts";
import { IpcatError } from "../../errors.ts";
import type { ContainerSpec } from "../spec.ts";

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
 * import { readFileSync } from "node:fs";
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
  return paths.flatMap((path) => {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new IpcatError("usage", `open ${path}: ${(error as Error).message}`, {
        hint: "give the path of a file of KEY=VALUE lines",
      });
    }
    const lines = text.split(/\r?\n/).map((line) => line.trimStart()).filter((line) =>
      line !== "" && !line.startsWith("#")
    );
    return expandEnv(lines);
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
