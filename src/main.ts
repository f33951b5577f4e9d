#!/usr/bin/env -S bun
/**
 * The `ipcat` command: `ipcat <family> <command> [options]`.
 *
 * This file only starts the dispatcher (`src/cli/dispatch.ts`), loaded on demand so that
 * `ipcat --version` costs no more than the runtime's own start-up. Each family lives in
 * its own folder (`src/docker/`, `src/mq/`, `src/sock/`) and declares its commands;
 * errors are printed here, once, as one line, and mapped to exit codes by
 * `src/errors.ts`.
 *
 * @module
 */
import process from "node:process";
import { runtime } from "./adapter/mod.ts";
import { EXIT_CODES, exitCodeOf, formatError } from "./errors.ts";
import { isVersionRequest, versionText } from "./version.ts";

/** Runs `runtime.args`, prints any error as one line, and exits with its code. */
async function main(): Promise<never> {
  let code: number;
  try {
    if (isVersionRequest(runtime.args)) {
      await runtime.stdout.write(
        new TextEncoder().encode(versionText(runtime.args[1] === "--json")),
      );
      code = 0;
    } else {
      code = await (await import("./cli/dispatch.ts")).dispatch(runtime.args);
    }
  } catch (error) {
    code = exitCodeOf(error);
    if (code === EXIT_CODES.broken_pipe) return runtime.exit(code);
    await runtime.stderr.write(new TextEncoder().encode(formatError(error) + "\n"));
    if (process.env.IPCAT_DEBUG === "1" && error instanceof Error && error.stack) {
      await runtime.stderr.write(new TextEncoder().encode(error.stack + "\n"));
    }
  }
  return runtime.exit(code);
}

if (import.meta.main) await main();
