/**
 * ipcat's version. It is written here rather than read from package.json, so that the
 * published JavaScript (`dist/lib/`) needs no file outside itself; a test checks that it
 * is package.json's.
 *
 * @module
 */
import process from "node:process";
import { runtime } from "./adapter/mod.ts";

/** The ipcat release, e.g. `0.1.0`. */
export const VERSION = "0.1.0";

/**
 * True for `ipcat --version` (also `-V` and `version`), with or without `--json`, which
 * needs nothing else loaded.
 */
export function isVersionRequest(argv: readonly string[]): boolean {
  const [first, second, ...more] = argv;
  return ["--version", "-V", "version"].includes(first!) &&
    (second === undefined || second === "--json") && more.length === 0;
}

/**
 * The text of `ipcat --version`: the release, the runtime, whether compiled, the platform;
 * with `json`, the same as one JSON object.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { VERSION, versionText } from "./version.ts";
 * assert.match(versionText(), /^ipcat \d+\.\d+\.\d+ \((bun|deno) /);
 * assert.equal(JSON.parse(versionText(true)).version, VERSION);
 * ```
 */
export function versionText(json = false): string {
  if (json) {
    return JSON.stringify({
      version: VERSION,
      runtime: runtime.name,
      runtimeVersion: runtime.version,
      compiled: runtime.compiled,
      platform: `${process.platform}-${process.arch}`,
    }) + "\n";
  }
  return `ipcat ${VERSION} (${runtime.name} ${runtime.version}${
    runtime.compiled ? ", compiled" : ""
  }, ${process.platform}-${process.arch})\n`;
}
