/**
 * What the docker commands share: the client, per-container loops, stdio sinks, the
 * docker CLI's exit statuses for failed starts, and the detach-keys option.
 *
 * @module
 */
import * as v from "valibot";
import { runtime } from "../../adapter/mod.ts";
import { type Command, defineCommand, type OptionSpecs } from "../../cli/command.ts";
import { writeErr, writeOut } from "../../cli/io.ts";
import { formatError, IpcatError } from "../../errors.ts";
import { Docker } from "../client.ts";
import { DockerError } from "../errors.ts";
import { DEFAULT_DETACH_KEYS } from "../session.ts";

export const flag = v.optional(v.boolean(), false);
export const strings = v.optional(v.array(v.string()), []);
export const seconds = v.optional(
  v.pipe(v.string(), v.regex(/^-?\d+$/, "a whole number of seconds"), v.transform(Number)),
);

export const client = () => Docker.fromEnv();

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

/** A failed start as the docker CLI reports it: 127 not found, 126 cannot invoke, else as is. */
export function startError(error: unknown): unknown {
  if (!(error instanceof IpcatError)) return error;
  const status = startFailureStatus(error.message);
  if (status === 127) {
    return new IpcatError("docker_command_not_found", error.message, {
      hint: "check the command and the image's PATH",
      cause: error,
    });
  }
  if (status === 126) {
    return new IpcatError("docker_cannot_invoke", error.message, {
      hint: "the command exists but cannot be run: check that it is an executable file",
      cause: error,
    });
  }
  return error;
}

/**
 * Runs `action` on each name, printing what it returns; each failure is printed as it
 * happens and the status is 1, as the docker CLI does. With `tolerateMissing` (`rm -f`),
 * a missing container is printed but not a failure.
 */
export async function eachContainer(
  names: string[],
  action: (name: string) => Promise<string>,
  options: { tolerateMissing?: boolean } = {},
): Promise<number> {
  let failed = false;
  for (const name of names) {
    try {
      await writeOut(`${await action(name)}\n`);
    } catch (error) {
      if (!(error instanceof IpcatError)) throw error;
      await writeErr(formatError(error) + "\n");
      const missing = error instanceof DockerError && error.kind === "not_found";
      if (!(options.tolerateMissing && missing)) failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** Sinks that write a container's output to this process's stdout and stderr. */
export const stdio = {
  stdout: (d: Uint8Array) => runtime.stdout.write(d),
  stderr: (d: Uint8Array) => runtime.stderr.write(d),
};

export async function printWarnings(warnings: string[]): Promise<void> {
  for (const warning of warnings) await writeErr(`WARNING: ${warning}\n`);
}

export const detachKeysOption = {
  "detach-keys": {
    type: "string",
    value: "KEYS",
    description: `Keys that detach from a TTY session (default ${DEFAULT_DETACH_KEYS})`,
  },
} satisfies OptionSpecs;
export const detachKeysSchema = v.optional(v.pipe(v.string(), v.minLength(1)), DEFAULT_DETACH_KEYS);

/** A docker command as declared: positionals are counted here, as the docker CLI counts them. */
export type DockerCommandSpec<O> = Omit<Command<O>, "positionals"> & {
  args: { min: number; max?: number };
};

/**
 * Declares a docker command whose wrong number of arguments fails as the docker CLI's
 * does (status 1, "'docker logs' requires 1 argument"), not as a usage error.
 */
export function dockerCommand<O>(spec: DockerCommandSpec<O>): Command<O> {
  const { args: count, run, ...rest } = spec;
  return defineCommand({
    ...rest,
    positionals: { min: 0 },
    run(input) {
      const { min, max } = count;
      const given = input.args.length;
      if (given < min || (max !== undefined && given > max)) {
        const plural = (n: number) => `${n} argument${n === 1 ? "" : "s"}`;
        const needs = max === 0
          ? "accepts no arguments"
          : min === max
          ? `requires ${plural(min)}`
          : max === undefined
          ? `requires at least ${plural(min)}`
          : `requires at least ${min} and at most ${plural(max)}`;
        throw new IpcatError("failed", `'docker ${spec.name}' ${needs}`, {
          hint:
            `usage: ipcat docker ${spec.name} ${spec.usage}; see 'ipcat docker ${spec.name} --help'`,
        });
      }
      return run(input);
    },
  });
}

/**
 * `--filter KEY=VALUE` options as the API's filters (`{ KEY: [VALUE, …] }`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFilters } from "./shared.ts";
 * assert.deepEqual(parseFilters(["status=exited", "label=a=b", "status=created"]), {
 *   status: ["exited", "created"],
 *   label: ["a=b"],
 * });
 * ```
 */
export function parseFilters(entries: readonly string[]): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    if (equals <= 0) {
      throw new IpcatError("usage", `bad format of filter (expected name=value): ${entry}`, {
        hint: "e.g. --filter status=exited",
      });
    }
    const key = entry.slice(0, equals).trim().toLowerCase();
    (filters[key] ??= []).push(entry.slice(equals + 1));
  }
  return filters;
}
