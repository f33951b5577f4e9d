/**
 * `npm run bench`: runs every benchmark module in `bench/` and writes one report.
 *
 *   npm run bench                      full run (under 20 minutes) → bench/REPORT.md
 *   npm run bench -- --quick           quick look (under 3 minutes) → bench/REPORT.partial.md
 *   npm run bench -- --only sock       one family (repeatable) → bench/REPORT.partial.md
 *   npm run bench -- --out FILE        write the report elsewhere
 *
 * Builds `dist/ipcat` when it is missing or older than the source, starts the project's
 * own dockerd (scripts/dockerd.sh) when root and no DOCKER_HOST is set, runs each
 * `bench/*.bench.ts` module within its share of the time budget, and prints the report.
 * Each module runs in its own process (bench/run-module.ts); one that throws, crashes,
 * hangs or returns malformed rows gets a row saying so and the run continues. Exit
 * status: 0 when every figure was taken (missed targets included: the report says so),
 * 1 when a module or a measurement failed, 2 for a bad command line, 130/143 when
 * interrupted by SIGINT/SIGTERM (no report is written then).
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join, relative } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import * as v from "valibot";
import type { BenchContext, BenchRow } from "./lib.ts";
import { BENCH_DIR } from "./measure.ts";
import { descendantsOf, stopProcesses } from "./processes.ts";
import { decodeOutcome } from "./run-module.ts";
import { type ModuleResult, renderReport } from "./report.ts";

const ROOT = join(BENCH_DIR, "..");
const BINARY = join(ROOT, "dist", "ipcat");
/** Whole-run budgets from the issue (3 and 20 minutes), less a margin for build, dockerd and cleanup. */
const BUDGET_MS = { quick: 150_000, full: 18 * 60_000 };
const FAMILIES = ["docker", "mq", "sock", "general"] as const;

const OptionsSchema = v.object({
  quick: v.boolean(),
  only: v.array(v.picklist(FAMILIES, `--only takes one of ${FAMILIES.join(", ")}`)),
  out: v.optional(v.pipe(v.string(), v.nonEmpty("--out needs a file name"))),
  help: v.boolean(),
});

const StatsSchema = v.object({
  median: v.number(),
  min: v.number(),
  max: v.number(),
  samples: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
const RowSchema = v.object({
  name: v.pipe(v.string(), v.nonEmpty()),
  unit: v.string(),
  ipcat: StatsSchema,
  peer: v.string(),
  peerStats: v.nullable(StatsSchema),
  higherIsBetter: v.boolean(),
  target: v.string(),
  met: v.nullable(v.boolean()),
  note: v.optional(v.string()),
  failure: v.optional(v.string()),
});
const RowsSchema = v.array(RowSchema);

const USAGE = `usage: npm run bench [-- --quick] [-- --only FAMILY …] [-- --out FILE]

Runs every bench/*.bench.ts module, writes the report and prints it.
  --quick          fewer runs and smaller sizes; the whole run stays under 3 minutes
  --only FAMILY    run only this family's module (docker, mq, sock, general); repeatable
  --out FILE       where to write the report (default: bench/REPORT.md for a full run of
                   every module, bench/REPORT.partial.md otherwise)`;

/** Prints one line and exits, as ipcat's own commands do for a bad command line. */
function usageError(message: string): never {
  process.stderr.write(`bench: ${message} (npm run bench -- --help)\n`);
  process.exit(2);
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function parseOptions(argv: string[]): v.InferOutput<typeof OptionsSchema> {
  let raw;
  try {
    raw = parseArgs({
      args: argv,
      options: {
        quick: { type: "boolean", default: false },
        only: { type: "string", multiple: true, default: [] },
        out: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: false,
    }).values;
  } catch (error) {
    usageError((error as Error).message);
  }
  const parsed = v.safeParse(OptionsSchema, raw);
  if (!parsed.success) usageError(parsed.issues.map((i) => i.message).join("; "));
  return parsed.output;
}

/** First line of a tool's version output, or why there is none. */
function toolVersion(
  argv: string[],
  pick: (out: string) => string | undefined = (out) => out.split("\n")[0],
): string {
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 15_000 });
  if (result.error) {
    return (result.error as NodeJS.ErrnoException).code === "ENOENT"
      ? "not installed"
      : result.error.message;
  }
  return pick(`${result.stdout}${result.stderr}`.trim())?.trim() || `exit status ${result.status}`;
}

function newestMtime(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Builds dist/ipcat when it is missing or older than anything it is built from. */
function ensureBinary(): void {
  const sources = ["src", "package.json", "build.ts"].map((p) => join(ROOT, p));
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= Math.max(...sources.map(newestMtime))) {
    return;
  }
  log(
    existsSync(BINARY) ? "dist/ipcat is older than the source: rebuilding" : "building dist/ipcat",
  );
  // Build output goes to stderr: stdout carries only the report.
  const result = spawnSync("bun", ["build.ts"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
  if (result.status !== 0) {
    log("could not build dist/ipcat (run `npm run build` to see why); nothing to measure");
    process.exit(1);
  }
}

/** The daemon the docker benchmarks talk to, and how to stop it if this run started it. */
interface Docker {
  host?: string;
  description: string;
  stop(): void;
}

function startDocker(): Docker {
  const none = (description: string): Docker => ({ description, stop() {} });
  if (process.env.DOCKER_HOST) {
    return {
      host: process.env.DOCKER_HOST,
      description: `DOCKER_HOST=${process.env.DOCKER_HOST} (given)`,
      stop() {},
    };
  }
  if (process.getuid?.() !== 0) {
    return none("none: not root, so the project's dockerd was not started (set DOCKER_HOST)");
  }
  // Its own directory, so that a bench run never shares (or stops) the daemon of `npm test`.
  const dir = `/tmp/ipcat-bench-dockerd-${
    createHash("md5").update(ROOT).digest("hex").slice(0, 8)
  }`;
  const env = { ...process.env, IPCAT_DOCKERD_DIR: dir };
  const script = join(ROOT, "scripts", "dockerd.sh");
  log("starting the project's dockerd (scripts/dockerd.sh)");
  const started = spawnSync("bash", [script, "start"], { env, encoding: "utf8", timeout: 90_000 });
  const host = /^DOCKER_HOST=(\S+)$/m.exec(started.stdout ?? "")?.[1];
  if (started.status !== 0 || host === undefined) {
    return none(
      `none: scripts/dockerd.sh start failed: ${
        (started.stderr ?? "").trim().split("\n").at(-1) ?? started.status
      }`,
    );
  }
  return {
    host,
    description: `the project's own, started for this run (${host})`,
    stop() {
      spawnSync("bash", [script, "stop"], { env, stdio: "ignore", timeout: 60_000 });
    },
  };
}

function machine(docker: Docker): Array<[string, string]> {
  const cpu = cpus();
  const osName = existsSync("/etc/os-release")
    ? /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1]
    : undefined;
  const commit = toolVersion(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]);
  const dirty = spawnSync("git", [
    "-C",
    ROOT,
    "status",
    "--porcelain",
    "--untracked-files=no",
    "--",
    ".",
    ":!bench/REPORT.md",
  ], { encoding: "utf8" }).stdout?.trim();
  return [
    ["CPU", `${cpu.length} cores, ${cpu[0]?.model ?? "unknown model"}`],
    ["memory", `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ["kernel", `Linux ${release()} ${process.arch}${osName ? ` (${osName})` : ""}`],
    ["load average at start", loadavg().map((l) => l.toFixed(2)).join(", ")],
    [
      "ipcat",
      `${toolVersion([BINARY, "--version"])}, commit ${commit}${
        dirty ? " with uncommitted changes" : ""
      }`,
    ],
    ["Bun", toolVersion(["bun", "--version"])],
    [
      "Deno",
      toolVersion([join(ROOT, "node_modules", "@deno", "linux-x64-glibc", "deno"), "--version"]),
    ],
    ["gcc", toolVersion(["gcc", "--version"])],
    ["socat", toolVersion(["socat", "-V"], (out) => /^socat version .*/m.exec(out)?.[0])],
    ["docker CLI", toolVersion(["docker", "--version"])],
    ["dockerd", `${toolVersion(["dockerd", "--version"])}; daemon: ${docker.description}`],
  ];
}

/**
 * Runs one module in its own process (bench/run-module.ts) within `budgetMs`. A throw, a
 * crash, a hang or malformed rows become the result's failure; a module that outruns its
 * budget is stopped with everything it started.
 */
async function runModule(
  file: string,
  ctxBase: Omit<BenchContext, "workDir" | "budgetMs">,
  workRoot: string,
  budgetMs: number,
): Promise<ModuleResult> {
  const started = performance.now();
  const stem = file.replace(/\.bench\.ts$/, "");
  const result: ModuleResult = { family: stem, file: `bench/${file}`, rows: [], seconds: 0 };
  const workDir = join(workRoot, stem);
  mkdirSync(workDir, { recursive: true });
  const resultFile = join(workRoot, `${stem}.result.json`);
  const context: BenchContext = { ...ctxBase, workDir, budgetMs };
  // The module's stdout goes to our stderr: our stdout carries only the report. Its
  // DOCKER_HOST is the run's daemon, so the docker CLI peer and ipcat meet the same one.
  const child = spawn("bun", [
    join(BENCH_DIR, "run-module.ts"),
    join(BENCH_DIR, file),
    resultFile,
    JSON.stringify(context),
  ], {
    cwd: ROOT,
    env: ctxBase.dockerHost ? { ...process.env, DOCKER_HOST: ctxBase.dockerHost } : process.env,
    stdio: ["ignore", 2, 2],
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
    child.on("error", () => resolve({ code: null, signal: null }));
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outOfTime = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), budgetMs);
  });
  const ended = await Promise.race([exited, outOfTime]);
  clearTimeout(timer);
  try {
    if (ended === "timeout") {
      const running = child.pid === undefined
        ? []
        : [{ pid: child.pid, command: "" }, ...descendantsOf(child.pid)];
      await stopProcesses(running.map((p) => p.pid));
      if (running.length > 1) {
        result.leftovers = running.slice(1).map((p) => `${p.pid} ${p.command}`);
      }
      throw new Error(
        `did not finish within its ${Math.round(budgetMs / 1000)} s share of the time budget`,
      );
    }
    if (!existsSync(resultFile)) {
      const how = ended.signal
        ? `was killed by ${ended.signal}`
        : `exited with status ${ended.code}`;
      throw new Error(`its process ${how} before reporting (see its stderr in the run's output)`);
    }
    const outcome = decodeOutcome(readFileSync(resultFile, "utf8"));
    if (outcome.family) result.family = outcome.family;
    if (outcome.leftovers?.length) result.leftovers = outcome.leftovers;
    if (outcome.failure !== undefined) throw new Error(outcome.failure);
    const rows = v.safeParse(RowsSchema, outcome.rows);
    if (!rows.success) {
      const issue = rows.issues[0]!;
      throw new Error(
        `returned malformed rows: ${v.getDotPath(issue) ?? "(rows)"}: ${issue.message}`,
      );
    }
    result.rows = rows.output as BenchRow[];
  } catch (error) {
    result.failure = error instanceof Error ? error.message : String(error);
    log(`${file} failed: ${result.failure}`);
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/**
 * The peak memory of `ipcat sock serve` under the 200-client load belongs to the sock
 * module; when no sock row reports it, the general table says so instead of staying silent.
 */
function peakMemoryRow(results: ModuleResult[]): BenchRow | undefined {
  const sock = results.find((r) => r.family === "sock");
  if (sock?.rows.some((row) => /peak|rss|vmhwm|memory/i.test(row.name))) return undefined;
  const why = sock === undefined
    ? "bench/sock.bench.ts is not in this checkout"
    : sock.failure !== undefined
    ? "bench/sock.bench.ts failed"
    : 'bench/sock.bench.ts returned no row named "peak memory …"';
  return {
    name: "peak memory of `ipcat sock serve`, 200 clients × 100 echo round trips",
    unit: "MiB",
    ipcat: { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples: 0 },
    peer: "—",
    peerStats: null,
    higherIsBetter: false,
    target: "bounded (issue 4)",
    met: null,
    note: `measured by the sock module, not here: ${why}`,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // `npm run bench` puts node_modules/.bin on PATH; running run.ts directly should work too.
  process.env.PATH = `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}`;
  const startedAt = new Date();
  const clock = performance.now();
  const deadline = clock + (options.quick ? BUDGET_MS.quick : BUDGET_MS.full);

  const files = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) =>
      options.only.length === 0 || options.only.includes(f.replace(/\.bench\.ts$/, "") as never)
    )
    // General first: it is short, so the family modules share what it leaves of the budget.
    .sort((
      x,
      y,
    ) => (x === "general.bench.ts" ? -1 : y === "general.bench.ts" ? 1 : x.localeCompare(y)));
  if (files.length === 0) {
    usageError(`no benchmark module matches --only ${options.only.join(", ")}`);
  }

  ensureBinary();
  const workRoot = mkdtempSync(join(tmpdir(), "ipcat-bench-"));
  // The general module never talks to a daemon: a run of it alone starts none.
  const docker = files.every((f) => f === "general.bench.ts")
    ? { description: "none: not needed by the modules of this run", stop() {} }
    : startDocker();
  const cleanUp = () => {
    docker.stop();
    rmSync(workRoot, { recursive: true, force: true });
  };
  // Ctrl-C or SIGTERM: stop the running module and what it started, write no report (a
  // partial one must not replace the full one), clean up, and exit 128+N.
  let interrupted: { signal: string; status: number } | undefined;
  for (const [signal, status] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = { signal, status };
      log(`${signal}: stopping the running module and everything it started; no report is written`);
      void stopProcesses(descendantsOf(process.pid).map((p) => p.pid), 1000);
    });
  }

  const results: ModuleResult[] = [];
  const machineInfo = machine(docker);
  try {
    for (const [index, file] of files.entries()) {
      const budgetMs = Math.round(
        Math.max(10_000, (deadline - performance.now()) / (files.length - index)),
      );
      log(
        `${file}: running (${options.quick ? "quick, " : ""}up to ${
          Math.round(budgetMs / 1000)
        } s)`,
      );
      const result = await runModule(
        file,
        { quick: options.quick, binary: BINARY, dockerHost: docker.host },
        workRoot,
        budgetMs,
      );
      if (interrupted) break;
      log(
        `${file}: ${result.failure ? "failed" : `${result.rows.length} rows`} in ${
          result.seconds.toFixed(1)
        } s`,
      );
      results.push(result);
    }
  } finally {
    cleanUp();
  }
  if (interrupted) process.exit(interrupted.status);

  const extra = options.only.length === 0 || options.only.includes("general")
    ? peakMemoryRow(results)
    : undefined;
  if (extra) {
    const general = results.find((r) => r.family === "general");
    if (general) general.rows.push(extra);
    else {results.push({
        family: "general",
        file: "bench/general.bench.ts",
        rows: [extra],
        seconds: 0,
      });}
  }

  const complete = !options.quick && options.only.length === 0;
  const out = options.out ?? join(BENCH_DIR, complete ? "REPORT.md" : "REPORT.partial.md");
  // A busy shared machine widens the min–max spreads; the load at both ends tells the reader.
  machineInfo.splice(4, 0, ["load average at end", loadavg().map((l) => l.toFixed(2)).join(", ")]);
  const report = renderReport(
    {
      quick: options.quick,
      only: options.only,
      startedAt,
      seconds: (performance.now() - clock) / 1000,
      machine: machineInfo,
    },
    results,
  );
  writeFileSync(out, report);
  process.stdout.write(report);
  const shown = relative(process.cwd(), out);
  log(`report written to ${shown.startsWith("..") ? out : shown}`);
  const failed = results.some((r) =>
    r.failure !== undefined || r.rows.some((row) => row.failure !== undefined)
  );
  process.exit(failed ? 1 : 0);
}

await main();
