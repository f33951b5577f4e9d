/**
 * The figures that belong to no single family: start-up time of the binary against
 * socat and the docker CLI, and the size of every built binary.
 *
 * (Peak memory of `ipcat sock serve` under load is the sock module's; the runner says
 * so in this table when that module does not report it.)
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext, BenchRow } from "./lib.ts";
import { alternate, BENCH_DIR, failedRow, timeCommand } from "./measure.ts";

/** This module's family in the report. */
export const family = "general";

const ROOT = join(BENCH_DIR, "..");
const MIB = 2 ** 20;

/** Where a program on PATH lives, for its size; `undefined` when it is not installed. */
function which(program: string): string | undefined {
  const found = spawnSync("sh", ["-c", 'command -v "$1"', "sh", program], { encoding: "utf8" })
    .stdout.trim();
  return found || undefined;
}

/**
 * A compiled Bun program that only prints a line: the start-up floor of any Bun binary,
 * so the report can tell the runtime's share of ipcat's start-up from ipcat's own.
 */
function bunFloor(ctx: BenchContext): string {
  const source = join(ctx.workDir, "hello.ts");
  const binary = join(ctx.workDir, "bun-hello");
  writeFileSync(source, 'console.log("hello");\n');
  const build = spawnSync("bun", [
    "build",
    source,
    "--compile",
    "--minify",
    "--bytecode",
    `--outfile=${binary}`,
  ], { encoding: "utf8" });
  if (build.status !== 0) {
    throw new Error(
      `bun build --compile of a hello-world failed: ${build.stderr.trim().split("\n").at(-1)}`,
    );
  }
  return binary;
}

async function startup(
  ctx: BenchContext,
  peerName: string,
  peerArgv: () => string[],
  note?: string,
  maxRatio?: number,
): Promise<BenchRow> {
  const what = {
    name: `start-up: \`ipcat --version\` vs ${peerName}`,
    unit: "ms",
    peer: peerName,
    target: maxRatio ? `<= ${maxRatio}x` : "none (informational)",
    higherIsBetter: false,
  };
  try {
    const peer = peerArgv();
    const { a, b } = await alternate({
      warmup: ctx.quick ? 3 : 20,
      runs: ctx.quick ? 20 : 200,
      a: () => timeCommand([ctx.binary, "--version"]),
      b: () => timeCommand(peer),
    });
    return {
      ...what,
      ipcat: a,
      peerStats: b,
      met: maxRatio ? a.median <= maxRatio * b.median : null,
      ...(note ? { note } : {}),
    };
  } catch (error) {
    return failedRow(what, error);
  }
}

/** Builds every target with `bun build.ts --all` and reports what each weighs. */
function binarySizes(): BenchRow[] {
  const build = spawnSync("bun", ["build.ts", "--all"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 300_000,
  });
  const context = ["socat", "docker"]
    .map((program) => [program, which(program)] as const)
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined)
    .map(([program, path]) => `${program} ${(statSync(path).size / MIB).toFixed(1)} MiB`)
    .join(", ");
  const rows: BenchRow[] = [];
  // build.ts prints one "built dist/NAME (TARGET, …)" line per target it finished.
  for (const [, file, target] of (build.stdout ?? "").matchAll(/^built (\S+) \(([^,]+),/gm)) {
    const bytes = statSync(join(ROOT, file!)).size;
    rows.push({
      name: `binary size, ${target} (\`${file}\`)`,
      unit: "MiB",
      ipcat: { median: bytes / MIB, min: bytes / MIB, max: bytes / MIB, samples: 1 },
      peer: "—",
      peerStats: null,
      higherIsBetter: false,
      target: "none (informational)",
      met: null,
      note: rows.length === 0
        ? `${bytes.toLocaleString("en-US")} bytes, the Bun runtime included; for scale: ${
          context || "no peer installed"
        }`
        : `${bytes.toLocaleString("en-US")} bytes`,
    });
  }
  if (build.status !== 0 || rows.length === 0) {
    const why = build.error?.message ??
      (build.stderr ?? "").trim().split("\n").slice(-3).join(" | ");
    rows.push(failedRow(
      {
        name: "binary size, the --all targets not built",
        unit: "MiB",
        peer: "—",
        target: "none (informational)",
        higherIsBetter: false,
      },
      new Error(`\`bun build.ts --all\` failed (exit status ${build.status}): ${why}`),
    ));
  }
  return rows;
}

/**
 * Start-up against socat and the docker CLI (alternating, medians), then binary sizes.
 *
 * @example
 * ```ts
 * import { run } from "./general.bench.ts";
 * const rows = await run({ quick: true, binary: "dist/ipcat", workDir: "/tmp" });
 * ```
 */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  return [
    await startup(ctx, "`socat -V`", () => ["socat", "-V"]),
    await startup(ctx, "`docker --version`", () => ["docker", "--version"]),
    await startup(
      ctx,
      "a compiled Bun hello-world",
      () => [bunFloor(ctx)],
      "the Bun runtime's own start-up floor (`bun build --compile --minify --bytecode` of one console.log): the part of ipcat's start-up that is not ipcat's code. `--version` loads no family and no option parser, and build.ts splits each family into its own chunk (`--splitting`), so no start-up loads all three",
      1.5,
    ),
    ...binarySizes(),
  ];
}
