/**
 * Measurement helpers shared by every benchmark module (`bench/*.bench.ts`).
 *
 * The method the report promises lives here, once: repeated samples summarised as a
 * median with min–max ({@link stats}), two programs measured alternately in the same
 * session so that drift on a shared machine cancels out ({@link alternate}), wall time of
 * a whole process ({@link timeCommand}), peak resident memory from `/proc`
 * ({@link peakRss}, {@link sampleRss}), and C peers compiled with `gcc -O2` into the
 * run's scratch directory ({@link compileC}).
 *
 * Only `node:` builtins are used, so the helpers (and their tests) run under Bun and Deno.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { BenchContext, BenchRow, Stats } from "./lib.ts";

/** The `bench/` directory, where the C peers' sources live. */
export const BENCH_DIR: string = dirname(fileURLToPath(import.meta.url));

/**
 * Median, min and max of repeated samples. An even count takes the mean of the two
 * middle samples. Throws on an empty list or a non-finite sample, because a figure
 * computed from nothing (or from a failed run) must never reach the report.
 *
 * @example
 * ```ts
 * import { stats } from "./measure.ts";
 * stats([3, 1, 2]); // { median: 2, min: 1, max: 3, samples: 3 }
 * ```
 */
export function stats(samples: readonly number[]): Stats {
  if (samples.length === 0) throw new Error("stats: no samples (did every run fail?)");
  if (samples.some((s) => !Number.isFinite(s))) {
    throw new Error(`stats: a sample is not a finite number (${samples.join(", ")})`);
  }
  const sorted = [...samples].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples: sorted.length };
}

/** Which of the two measured functions runs in a slot of {@link alternate}. */
export type Side = "a" | "b";

/**
 * The order in which {@link alternate} runs its two sides: `a b b a a b b a …`.
 *
 * Pairs swap their order every time, so that neither side always goes first (a cold
 * cache, a CPU frequency step) and a linear drift over the session hits both equally.
 * Each side appears exactly `runs` times.
 *
 * @example
 * ```ts
 * import { alternationOrder } from "./measure.ts";
 * alternationOrder(2); // ["a", "b", "b", "a"]
 * ```
 */
export function alternationOrder(runs: number): Side[] {
  if (!Number.isInteger(runs) || runs < 0) {
    throw new Error(`alternationOrder: runs must be a whole number >= 0, got ${runs}`);
  }
  const order: Side[] = [];
  for (let i = 0; i < runs; i++) {
    order.push(...(i % 2 === 0 ? (["a", "b"] as const) : (["b", "a"] as const)));
  }
  return order;
}

/** One measurement: returns the figure of one run (milliseconds, MiB/s, msg/s …). */
export type Measure = () => number | Promise<number>;

/** Options for {@link alternate}. */
export interface AlternateOptions {
  /** Runs of each side before measuring, in the same alternating order; their figures are dropped. */
  warmup: number;
  /** Measured runs of each side. */
  runs: number;
  /** Usually ipcat. */
  a: Measure;
  /** Usually the peer. */
  b: Measure;
}

/** The figures of both sides of an {@link alternate} session. */
export interface Alternation {
  a: Stats;
  b: Stats;
  /** The raw figures, in the order they were taken. */
  aSamples: number[];
  bSamples: number[];
}

/**
 * Measures two things alternately in one session (see {@link alternationOrder}), after
 * a warm-up of both, and summarises each side with {@link stats}.
 *
 * @example
 * ```ts
 * import { alternate, timeCommand } from "./measure.ts";
 * const { a, b } = await alternate({
 *   warmup: 2,
 *   runs: 10,
 *   a: () => timeCommand(["dist/ipcat", "--version"]),
 *   b: () => timeCommand(["socat", "-V"]),
 * });
 * console.log(`ipcat ${a.median} ms, socat ${b.median} ms`);
 * ```
 */
export async function alternate(options: AlternateOptions): Promise<Alternation> {
  if (options.runs < 1) throw new Error(`alternate: runs must be at least 1, got ${options.runs}`);
  for (const side of alternationOrder(options.warmup)) await options[side]();
  const taken: Record<Side, number[]> = { a: [], b: [] };
  for (const side of alternationOrder(options.runs)) taken[side].push(await options[side]());
  return { a: stats(taken.a), b: stats(taken.b), aSamples: taken.a, bSamples: taken.b };
}

/**
 * Milliseconds that `action` takes, from just before the call until its promise settles.
 *
 * @example
 * ```ts
 * import { elapsedMs } from "./measure.ts";
 * const ms = await elapsedMs(() => new Promise((r) => setTimeout(r, 10)));
 * ```
 */
export async function elapsedMs(action: () => unknown): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

/** Options for {@link timeCommand}. */
export interface TimeCommandOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Bytes given on stdin (default: none, stdin is closed). */
  input?: string | Uint8Array;
  /** Kill the process after this long and throw (default 60 s). */
  timeoutMs?: number;
  /** Exit status that counts as success (default 0). */
  expectStatus?: number;
}

/**
 * Wall time in milliseconds of running `argv` to completion: process creation, the
 * program's whole run and its exit, as a user at a shell sees it. Output is discarded.
 * Throws, with the end of stderr, when the program fails, so that a broken run never
 * passes for a fast one.
 *
 * @example
 * ```ts
 * import { timeCommand } from "./measure.ts";
 * const ms = timeCommand(["socat", "-V"]);
 * ```
 */
export function timeCommand(argv: readonly string[], options: TimeCommandOptions = {}): number {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("timeCommand: empty argv");
  const started = performance.now();
  const result = spawnSync(command, args, {
    env: options.env ? { ...process.env, ...options.env } : process.env,
    cwd: options.cwd,
    input: options.input,
    stdio: ["pipe", "ignore", "pipe"],
    timeout: options.timeoutMs ?? 60_000,
  });
  const ms = performance.now() - started;
  if (result.error) throw new Error(`${argv.join(" ")}: ${result.error.message}`);
  const expected = options.expectStatus ?? 0;
  if (result.status !== expected) {
    const why = result.signal ? `killed by ${result.signal}` : `exit status ${result.status}`;
    const stderr = result.stderr?.toString().trim().split("\n").slice(-3).join(" | ") ?? "";
    throw new Error(`${argv.join(" ")}: ${why}${stderr ? `: ${stderr}` : ""}`);
  }
  return ms;
}

/**
 * The peak resident set size of a live process in bytes (`VmHWM` in `/proc/PID/status`),
 * or `null` once the process is gone. The kernel keeps the high-water mark, so one read
 * just before the process ends gives its peak; use {@link sampleRss} when its end is not
 * under your control.
 *
 * @example
 * ```ts
 * import { peakRss } from "./measure.ts";
 * const bytes = peakRss(process.pid);
 * ```
 */
export function peakRss(pid: number): number | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const kib = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kib === undefined ? null : Number(kib) * 1024;
}

/** A running {@link sampleRss} sampler. */
export interface RssSampler {
  /** The highest peak seen so far, in bytes (`null` if the process was never seen). */
  readonly peak: number | null;
  /** Stops sampling (after one last read) and returns the peak in bytes. */
  stop(): number | null;
}

/**
 * Samples a process's peak RSS ({@link peakRss}) every `intervalMs` until stopped, so
 * that the peak survives the process's exit.
 *
 * @example
 * ```ts
 * import { sampleRss } from "./measure.ts";
 * const sampler = sampleRss(process.pid, 50);
 * // … put the load on the process …
 * const peakBytes = sampler.stop();
 * ```
 */
export function sampleRss(pid: number, intervalMs = 100): RssSampler {
  let peak: number | null = null;
  const read = () => {
    const now = peakRss(pid);
    if (now !== null && (peak === null || now > peak)) peak = now;
  };
  read();
  const timer = setInterval(read, intervalMs);
  return {
    get peak() {
      return peak;
    },
    stop() {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

/** Options for {@link compileC}. */
export interface CompileOptions {
  /** Name of the executable in `ctx.workDir` (default: the source's base name without `.c`). */
  name?: string;
  /** Extra gcc arguments after the source, e.g. `["-pthread", "-lrt"]`. */
  flags?: readonly string[];
}

/**
 * Compiles a C peer with `gcc -O2` into the run's scratch directory and returns the
 * executable's path. `source` is a path relative to `bench/` (where the C peers live)
 * or absolute. Throws with gcc's own messages when it does not compile.
 *
 * @example
 * ```ts ignore
 * import { compileC } from "./measure.ts";
 * import type { BenchContext } from "./lib.ts";
 * declare const ctx: BenchContext;
 * const relay = compileC(ctx, "c/relay.c", { flags: ["-pthread"] });
 * ```
 */
export function compileC(
  ctx: Pick<BenchContext, "workDir">,
  source: string,
  options: CompileOptions = {},
): string {
  const path = isAbsolute(source) ? source : join(BENCH_DIR, source);
  const output = join(ctx.workDir, options.name ?? basename(path).replace(/\.c$/, ""));
  const result = spawnSync("gcc", ["-O2", "-Wall", "-o", output, path, ...(options.flags ?? [])], {
    encoding: "utf8",
  });
  if (result.error) {
    throw new Error(`gcc: ${result.error.message} (install gcc: apt-get install gcc)`);
  }
  if (result.status !== 0) {
    throw new Error(
      `gcc -O2 ${source} failed: ${result.stderr.trim().split("\n").slice(0, 5).join(" | ")}`,
    );
  }
  return output;
}

/**
 * Writes C source text to `ctx.workDir/NAME.c` and compiles it with {@link compileC}:
 * for peers small enough to live inside their benchmark module.
 *
 * @example
 * ```ts ignore
 * import { compileCSource } from "./measure.ts";
 * import type { BenchContext } from "./lib.ts";
 * declare const ctx: BenchContext;
 * const hello = compileCSource(ctx, "hello", "int main(void) { return 0; }");
 * ```
 */
export function compileCSource(
  ctx: Pick<BenchContext, "workDir">,
  name: string,
  code: string,
  flags: readonly string[] = [],
): string {
  const path = join(ctx.workDir, `${name}.c`);
  writeFileSync(path, code);
  return compileC(ctx, path, { name, flags });
}

/**
 * ipcat's median divided by the peer's: the figure every target is written against
 * (">= 1.2x socat" for throughput, "<= 0.9x the CLI" for times).
 *
 * @example
 * ```ts
 * import { ratio } from "./measure.ts";
 * ratio({ median: 3, min: 3, max: 3, samples: 1 }, { median: 2, min: 2, max: 2, samples: 1 }); // 1.5
 * ```
 */
export function ratio(ipcat: Stats, peer: Stats): number {
  return ipcat.median / peer.median;
}

/**
 * A row for a measurement that failed: the report shows the reason instead of figures.
 * Use it when one measurement of a module fails and the others can still run.
 *
 * @example
 * ```ts
 * import { failedRow } from "./measure.ts";
 * const row = failedRow({ name: "raw throughput", unit: "MiB/s", peer: "socat", target: ">= 1.2x socat" }, new Error("socat not found"));
 * ```
 */
export function failedRow(
  what: Pick<BenchRow, "name" | "unit" | "peer" | "target"> & { higherIsBetter?: boolean },
  error: unknown,
): BenchRow {
  const nothing: Stats = { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples: 0 };
  return {
    name: what.name,
    unit: what.unit,
    ipcat: nothing,
    peer: what.peer,
    peerStats: null,
    higherIsBetter: what.higherIsBetter ?? true,
    target: what.target,
    met: null,
    failure: error instanceof Error ? error.message : String(error),
  };
}
