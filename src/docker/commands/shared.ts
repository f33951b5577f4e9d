/**
 * What the docker commands share: the client, per-container loops, stdio sinks, the
 * docker CLI's exit statuses for failed starts, and the detach-keys option.
 *
 * @module
 */
import * as v from "valibot";
import { runtime } from "../../adapter/mod.ts";
import {
  type Command,
  type CommandDeclaration,
  defineCommand,
  type OptionSpecs,
  type OptionValues,
} from "../../cli/command.ts";
import { option } from "../../cli/options.ts";
import { writeErr, writeOut } from "../../cli/io.ts";
import { formatError, IpcatError } from "../../errors.ts";
import { Docker } from "../client.ts";
import { DockerError } from "../errors.ts";
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from "../session.ts";

/** A whole number of seconds, as the docker CLI's `-t`/`--timeout` (negative: wait forever). */
export const Seconds = v.pipe(
  v.string(),
  v.regex(/^-?\d+$/, "a whole number of seconds"),
  v.transform(Number),
);

/** A whole number, negative ones included, as Go's strconv.Atoi reads it. */
export const WholeNumber = v.pipe(
  v.string(),
  v.regex(/^-?\d+$/, "a whole number"),
  v.transform(Number),
);

/** A signal name or number, as the daemon takes it (`HUP`, `SIGTERM`, `9`). */
export const SignalName = v.pipe(
  v.string(),
  v.regex(/^(SIG)?[A-Z0-9+-]+$|^\d+$/i, "a signal name or number"),
);

/** `stop` and `restart`: the grace period and the signal. */
export const stopOptions = {
  time: option(
    "SECONDS",
    "Seconds to wait before killing (default: the container's, 10)",
    Seconds,
    {
      short: "t",
    },
  ),
  signal: option("SIGNAL", "Signal to stop with (default: the container's, SIGTERM)", SignalName, {
    short: "s",
  }),
};

export const client = () => Docker.fromEnv();

/**
 * The docker CLI's status for a failed start: 127 not found, 126 cannot invoke, else 125.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startFailureStatus } from "./shared.ts";
 * assert.ok(startFailureStatus('exec: "x": executable file not found in $PATH') === 127);
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
  "detach-keys": option(
    "KEYS",
    "Keys that detach from a TTY session",
    v.pipe(v.string(), v.minLength(1), v.check((keys) => parseDetachKeys(keys).length > 0)),
    { default: DEFAULT_DETACH_KEYS },
  ),
};

/** A docker command as declared: positionals are counted here, as the docker CLI counts them. */
export type DockerCommandSpec<S extends OptionSpecs> =
  & Omit<CommandDeclaration<S>, "positionals">
  & {
    args: { min: number; max?: number };
  };

/**
 * Declares a docker command whose wrong number of arguments fails as the docker CLI's
 * does (status 1, "'docker logs' requires 1 argument"), not as a usage error.
 */
export function dockerCommand<S extends OptionSpecs>(
  spec: DockerCommandSpec<S>,
): Command<OptionValues<S>> {
  const { args: count, run, ...rest } = spec;
  return defineCommand<S>({
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

/**
 * A `--since`/`--until` value as the docker CLI parses it: RFC 3339 (with or without a
 * zone), Unix seconds (`1700000000.5`), or a Go duration back from now (`42m`, `1h30m`).
 * Returns Unix seconds, as the API takes them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTimestamp } from "./shared.ts";
 * const now = Date.UTC(2026, 0, 1, 12, 0, 0);
 * assert.equal(parseTimestamp("10m", now), now / 1000 - 600);
 * assert.equal(parseTimestamp("2026-01-01T11:00:00Z", now), now / 1000 - 3600);
 * assert.equal(parseTimestamp("1700000000", now), 1700000000);
 * ```
 */
export function parseTimestamp(value: string, nowMs: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const duration = parseGoDuration(value);
  if (duration !== undefined) return (nowMs - duration) / 1000;
  const time = Date.parse(
    /[zZ]|[+-]\d\d:?\d\d$/.test(value) || !value.includes("T") && value.length <= 10
      ? value
      : `${value}Z`,
  );
  if (Number.isNaN(time)) {
    throw new IpcatError("usage", `invalid value for time: ${JSON.stringify(value)}`, {
      hint: "use RFC 3339 (2026-01-01T10:00:00Z), Unix seconds, or a duration such as 10m",
    });
  }
  return time / 1000;
}

/**
 * A Go duration (`1h30m`, `250ms`, `1.5s`) in milliseconds, or undefined when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseGoDuration } from "./shared.ts";
 * assert.equal(parseGoDuration("1h30m"), 5400000);
 * assert.equal(parseGoDuration("250ms"), 250);
 * assert.equal(parseGoDuration("soon"), undefined);
 * ```
 */
export function parseGoDuration(value: string): number | undefined {
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    "µs": 1e-3,
    ms: 1,
    s: 1000,
    m: 60000,
    h: 3600000,
  };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) return undefined;
  return parts.reduce((total, [, n, unit]) => total + Number(n) * units[unit!]!, 0);
}
