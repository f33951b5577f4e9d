/**
 * The environment of the commands a server runs: the server's own (or, with
 * `--clear-env`, an empty one with a safe PATH), `--env` on top, and then what a client
 * asks for, limited to the names `--allow-env` lists. Variables that choose which program
 * or library runs (PATH, the dynamic loader's LD_* and glibc's other "unsecure" ones) are
 * never allowed by a pattern, only by name, and the server warns when one is.
 *
 * @module
 */
import process from "node:process";

/** The PATH of a cleared environment. */
export const SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Variables besides LD_* that glibc drops for setuid programs (its "unsecure" list). */
const LOADER_VARIABLES = new Set([
  "PATH",
  "GCONV_PATH",
  "GETCONF_DIR",
  "HOSTALIASES",
  "LOCALDOMAIN",
  "LOCPATH",
  "MALLOC_TRACE",
  "NIS_PATH",
  "NLSPATH",
  "RESOLV_HOST_CONF",
  "RES_OPTIONS",
  "TMPDIR",
  "TZDIR",
]);

/**
 * Whether setting `name` can make the command run other code than it would: PATH, LD_*
 * and the dynamic loader's other variables.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { changesWhatRuns } from "./environment.ts";
 * assert.ok(changesWhatRuns("LD_PRELOAD") && changesWhatRuns("PATH"));
 * assert.ok(!changesWhatRuns("JOB_ID"));
 * ```
 */
export function changesWhatRuns(name: string): boolean {
  return name.startsWith("LD_") || LOADER_VARIABLES.has(name);
}

/** How a server builds its commands' environment. */
export interface EnvironmentPolicy {
  /** The environment every run starts from. */
  readonly base: Readonly<Record<string, string>>;
  /** The names a client may set (exact names only). */
  readonly allowed: ReadonlySet<string>;
}

/**
 * The policy of `--clear-env`, `--env KEY=VALUE` and `--allow-env NAME`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { environmentPolicy } from "./environment.ts";
 * const policy = environmentPolicy({ clear: true, set: ["MODE=fast"], allow: ["JOB_ID"] });
 * assert.ok(policy.base.MODE === "fast" && policy.allowed.has("JOB_ID"));
 * ```
 */
export function environmentPolicy(
  options: { clear?: boolean; set?: readonly string[]; allow?: readonly string[] },
): EnvironmentPolicy {
  const base: Record<string, string> = options.clear
    ? { PATH: SAFE_PATH }
    : { ...(process.env as Record<string, string>) };
  for (const pair of options.set ?? []) {
    const at = pair.indexOf("=");
    base[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { base, allowed: new Set(options.allow ?? []) };
}

/**
 * The environment of one run: the base and the client's variables, or the first name the
 * client may not set.
 */
export function runEnvironment(
  policy: EnvironmentPolicy,
  requested: Readonly<Record<string, string>>,
): { env: Record<string, string> } | { refused: string } {
  for (const name of Object.keys(requested)) {
    if (!policy.allowed.has(name)) return { refused: name };
  }
  return { env: { ...policy.base, ...requested } };
}
