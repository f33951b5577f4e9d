/**
 * What the docker end-to-end tests share: the daemon `npm test` started
 * (IPCAT_TEST_DOCKER_HOST), a busybox image made with `ipcat docker import` from Debian's
 * busybox-static, unique container names, and cleanup through ipcat itself.
 *
 * The docker CLI is used only as the reference to compare output and exit codes against.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import process from "node:process";
import { it } from "node:test";
import { BUSYBOX, busyboxRootfsTar } from "./docker_rootfs.ts";
import {
  cliCommand,
  type CliResult,
  runCli,
  type RunOptions,
  runProcess,
  type Way,
} from "./harness.ts";
import { seededBytes } from "./fixtures/random.ts";

export { busyboxRootfsTar };

/** The test daemon, or undefined (the tests then skip, saying why). */
export const DOCKER_HOST = process.env.IPCAT_TEST_DOCKER_HOST;
/** Why docker tests skip, or false. */
export const SKIP: string | false = DOCKER_HOST
  ? false
  : "no test dockerd: IPCAT_TEST_DOCKER_HOST is unset (npm test starts one when run as root with docker.io installed)";
if (SKIP) console.log(`docker tests skipped: ${SKIP}`);

/** The image every test container runs. */
export const IMAGE = "ipcat-test-busybox:latest";
/** The docker CLI, pointed at the test daemon (reference only). */
export const DOCKER_CLI = ["docker", "-H", DOCKER_HOST ?? "unix:///nonexistent"];

/** `it` that skips with the reason when there is no daemon; `timeoutMs` for slow daemon work. */
export function dockerIt(name: string, fn: () => Promise<void>, timeoutMs?: number): void {
  it(name, { skip: SKIP, ...(timeoutMs ? { timeout: timeoutMs } : {}) }, fn);
}

/** Runs `ipcat docker …` against the test daemon. */
export function ipcatDocker(
  way: Way,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CliResult> {
  return runCli(way, ["docker", ...args], { ...options, env: { DOCKER_HOST, ...options.env } });
}

let counter = 0;
/** A container name unique to this run. */
export function uniqueName(prefix: string): string {
  return `ipcat-${prefix}-${process.pid}-${++counter}`;
}

let imported: Promise<void> | null = null;
/** Imports the test image once per process, with ipcat itself (bun way: fastest to start). */
export function ensureImage(): Promise<void> {
  imported ??= (async () => {
    if (!existsSync(BUSYBOX)) {
      throw new Error(`${BUSYBOX} is missing: apt-get install busybox-static`);
    }
    const tar = busyboxRootfsTar();
    const result = await ipcatDocker("bun", ["import", tar, IMAGE]);
    rmSync(tar, { force: true });
    if (result.code !== 0) throw new Error(`import failed: ${result.stderr}`);
  })();
  return imported;
}

const created: string[] = [];
/** Remembers a container name for {@link removeContainers}. */
export function track(name: string): string {
  created.push(name);
  return name;
}

/** Removes every tracked container, through ipcat. */
export async function removeContainers(): Promise<void> {
  if (!DOCKER_HOST || created.length === 0) return;
  await ipcatDocker("bun", ["rm", "-f", ...created.splice(0)]);
}

/** Runs the docker CLI (reference) with `args`. */
export function dockerCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return runProcess([...DOCKER_CLI, ...args], options);
}

/** A finished process with both outputs as bytes (binary-safe, unlike the harness's stderr). */
export interface ByteResult {
  code: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
}

/** Runs `argv` with `stdin` through the harness's one runner, stdout and stderr as bytes. */
export async function runBytes(
  argv: readonly string[],
  options: {
    stdin?: Uint8Array | string;
    env?: Record<string, string | undefined>;
    timeoutMs?: number;
  } = {},
): Promise<ByteResult> {
  const r = await runProcess(argv, { ...options, timeoutMs: options.timeoutMs ?? 120_000 });
  return {
    code: r.code,
    signal: r.signal,
    stdout: Buffer.from(r.stdoutBytes),
    stderr: Buffer.from(r.stderrBytes),
  };
}

/** `ipcat docker …` in `way`, binary-safe. */
export function ipcatDockerBytes(
  way: Way,
  args: readonly string[],
  options: {
    stdin?: Uint8Array | string;
    env?: Record<string, string | undefined>;
    timeoutMs?: number;
  } = {},
): Promise<ByteResult> {
  return runBytes([...cliCommand(way), "docker", ...args], {
    ...options,
    env: { DOCKER_HOST, ...options.env },
  });
}

/** What a comparison with the docker CLI runs with. */
export interface CompareOptions {
  stdin?: Uint8Array | string;
  env?: Record<string, string>;
}

/** Runs the same docker arguments through the docker CLI and through ipcat, in that order. */
export async function bothWays(
  way: Way,
  args: readonly string[],
  options: CompareOptions = {},
): Promise<{ reference: ByteResult; ours: ByteResult; what: string }> {
  const reference = await runBytes([...DOCKER_CLI, ...args], options);
  const ours = await ipcatDockerBytes(way, args, options);
  return { reference, ours, what: args.join(" ") };
}

/**
 * Asserts that ipcat gives the docker CLI's exit status and stdout, byte for byte. When
 * the CLI wrote an error, `stderr` says what ipcat must write: `"line"`, one line of its
 * own (`ipcat: …`); `"same"`, the CLI's text after that prefix; `"any"`, anything.
 */
export async function sameAsCli(
  way: Way,
  args: readonly string[],
  options: CompareOptions & { stderr?: "line" | "same" | "any" } = {},
): Promise<ByteResult> {
  const { reference, ours, what } = await bothWays(way, args, options);
  assert.equal(ours.code, reference.code, `${what}: ${ours.stderr}`);
  assert.equal(ours.stdout.toString(), reference.stdout.toString(), what);
  const stderr = options.stderr ?? "line";
  if (reference.stderr.byteLength && stderr === "line") {
    assert.match(ours.stderr.toString(), /^ipcat: [^\n]+\n$/, what);
  }
  if (reference.stderr.byteLength && stderr === "same") {
    assert.equal(ours.stderr.toString().replace(/^ipcat: /, ""), reference.stderr.toString(), what);
  }
  return ours;
}

/** Pseudo-random bytes, every value present, reproducible from `seed`. */
export function binaryData(length: number, seed: number): Buffer {
  return Buffer.from(seededBytes(length, seed).buffer);
}
