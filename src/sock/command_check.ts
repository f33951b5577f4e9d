/**
 * The start-up check of a command ipcat will run: it must exist and be executable, or the
 * command fails at once with 127 or 126 naming the path (as a shell does), instead of
 * failing every client later.
 *
 * @module
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";
import { IpcatError } from "../errors.ts";

/** Why `path` cannot be executed, or `null` when it can. */
function unusable(path: string): "missing" | "not-executable" | null {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return "missing";
  }
  if (stat.isDirectory()) return "not-executable";
  try {
    accessSync(path, constants.X_OK);
    return null;
  } catch {
    return "not-executable";
  }
}

/**
 * Checks that `program` (a path, or a name looked up in `PATH` of `env`) can be run;
 * throws `command_not_found` (127) or `cannot_invoke` (126) naming it. Returns the path
 * that will run.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkCommand } from "./command_check.ts";
 * assert.ok(checkCommand("sh").endsWith("/sh"));
 * ```
 */
export function checkCommand(
  program: string,
  env: Record<string, string | undefined> = process.env,
): string {
  if (program.includes("/")) {
    const why = unusable(program);
    if (why === "missing") {
      throw new IpcatError("command_not_found", `${program}: no such file`, {
        hint: "check the command's path",
      });
    }
    if (why === "not-executable") {
      throw new IpcatError("cannot_invoke", `${program}: not executable`, {
        hint: `make it executable (chmod +x ${program}) or run it through its interpreter`,
      });
    }
    return program;
  }
  let found: string | null = null;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir || ".", program);
    const why = unusable(candidate);
    if (why === null) return candidate;
    if (why === "not-executable") found ??= candidate;
  }
  if (found) {
    throw new IpcatError("cannot_invoke", `${found}: not executable`, {
      hint: `make it executable (chmod +x ${found})`,
    });
  }
  throw new IpcatError("command_not_found", `${program}: command not found in PATH`, {
    hint: "give the command's full path, or fix PATH",
  });
}
