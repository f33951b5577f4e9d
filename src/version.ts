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

/** True for `ipcat --version` (also `-V` and `version`), which needs nothing else loaded. */
export function isVersionRequest(argv: readonly string[]): boolean {
  return argv.length === 1 && ["--version", "-V", "version"].includes(argv[0]!);
}

/**
 * The text of `ipcat --version`: the release, the runtime, whether compiled, the platform.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { versionText } from "./version.ts";
 * assert.match(versionText(), /^ipcat \d+\.\d+\.\d+ \((bun|deno) /);
 * ```
 */
export function versionText(): string {
  return `ipcat ${VERSION} (${runtime.name} ${runtime.version}${
    runtime.compiled ? ", compiled" : ""
  }, ${process.platform}-${process.arch})\n`;
}
