/**
 * Runs the ipcat CLI as a real subprocess, in each of the three ways users run it:
 * the compiled binary, `bun src/main.ts`, and `deno run -A src/main.ts`.
 *
 * End-to-end tests say which ways they need (default: all three) and get one
 * `describe` block per way. The binary must have been built (`npm test` does it).
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The three ways to run ipcat. */
export type Way = "binary" | "bun" | "deno";
export const ALL_WAYS: readonly Way[] = ["binary", "bun", "deno"];

const BIN = join(ROOT, "node_modules", ".bin");
/**
 * Deno's own linux-x64 package: the registry here carries no other platform's build, so
 * the `deno` wrapper package (which wants them all in the lock file) cannot be pinned.
 */
export const DENO = join(ROOT, "node_modules", "@deno", "linux-x64-glibc", "deno");
/** Bun, pinned from the npm registry. */
export const BUN = join(BIN, "bun");

/** The argv prefix that runs ipcat in `way`. */
export function cliCommand(way: Way): string[] {
  switch (way) {
    case "binary":
      return [join(ROOT, "dist", "ipcat")];
    case "bun":
      return [BUN, join(ROOT, "src", "main.ts")];
    case "deno":
      return [DENO, "run", "-A", "--quiet", join(ROOT, "src", "main.ts")];
  }
}

/** The ways a test file should cover: all three, or the subset in `IPCAT_WAYS=binary,bun`. */
export function waysToTest(wanted: readonly Way[] = ALL_WAYS): Way[] {
  const only = process.env.IPCAT_WAYS?.split(",").filter(Boolean) as Way[] | undefined;
  return wanted.filter((w) => !only || only.includes(w)).filter((w) =>
    w !== "binary" || existsSync(cliCommand("binary")[0]!)
  );
}

/** What a finished CLI run produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
  stderrBytes: Uint8Array;
}

/** Options for {@link runCli}. */
export interface RunOptions {
  stdin?: string | Uint8Array;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill the run after this many milliseconds (default 60 s); the test then fails on the signal. */
  timeoutMs?: number;
}

/** Runs `ipcat ...args` in `way` to completion. */
export function runCli(
  way: Way,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CliResult> {
  const [cmd, ...pre] = cliCommand(way);
  return runProcess([cmd!, ...pre, ...args], options);
}

/** Runs any command to completion, collecting its output. */
export function runProcess(argv: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const child = startProcess(argv, options);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on("data", (c: Buffer) => out.push(c));
  child.stderr!.on("data", (c: Buffer) => err.push(c));
  // A child that exits without reading its stdin must not fail the run with EPIPE.
  child.stdin!.on("error", () => {});
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  else child.stdin!.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = new Uint8Array(Buffer.concat(out));
      const stderrBytes = new Uint8Array(Buffer.concat(err));
      resolve({
        code,
        signal,
        stdout: Buffer.from(stdoutBytes).toString("utf8"),
        stderr: Buffer.from(stderrBytes).toString("utf8"),
        stdoutBytes,
        stderrBytes,
      });
    });
  });
}

/** Starts a long-running process (a server); the caller stops it. */
export function startProcess(argv: readonly string[], options: RunOptions = {}): ChildProcess {
  const [cmd, ...args] = argv;
  return spawn(cmd!, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env } as NodeJS.ProcessEnv,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Starts `ipcat ...args` in `way` without waiting for it. */
export function startCli(
  way: Way,
  args: readonly string[],
  options: RunOptions = {},
): ChildProcess {
  return startProcess([...cliCommand(way), ...args], options);
}

/** Resolves once `child`'s stderr or stdout contains `text` (rejects after `timeoutMs`). */
export function waitForOutput(
  child: ChildProcess,
  text: string,
  timeoutMs = 30_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      if (seen.includes(text)) {
        cleanup();
        resolve(seen);
      }
    };
    const onExit = () => {
      cleanup();
      reject(
        new Error(`process exited before printing ${JSON.stringify(text)}; it printed: ${seen}`),
      );
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${JSON.stringify(text)}; saw: ${seen}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", onExit);
  });
}

/** Resolves with the exit code (or signal) once `child` exits. */
export function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
}

/** A fresh temporary directory name under the system temp dir, unique per call. */
export function tempName(prefix: string): string {
  return join(
    process.env.TMPDIR ?? "/tmp",
    `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
  );
}

/**
 * Polls `predicate` until it holds, and fails with `what` once `timeoutMs` has passed:
 * tests wait for a condition, never for a fixed time.
 */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 5; !(await predicate()); pause = Math.min(pause * 2, 100)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** True when `tool` is on the PATH (tests that need it skip, saying so, when not). */
export function hasCommand(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}
