/**
 * `ipcat docker` against the docker CLI on the same daemon, alternating runs:
 * wall time of `run --rm IMAGE true`, `ps -a` and `images`, throughput of a container
 * writing to stdout through `run`, of `logs`, and of `cp` into and out of a container,
 * and time to the first byte of `attach`.
 *
 * Run through the bench runner (`npm run bench`), or alone:
 * `DOCKER_HOST=unix:///… bun bench/docker.bench.ts [--quick]`.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { BenchContext, BenchRow, Stats } from "./lib.ts";
import { busyboxRootfsTar } from "../test/docker_rootfs.ts";

/** This module's family. */
export const family = "docker";

const IMAGE = "ipcat-bench-busybox:latest";

interface Timed {
  ms: number;
  code: number | null;
  firstByteMs: number | null;
}

/** Runs `argv` with stdout to /dev/null (or watched for its first byte), timing it. */
function timed(
  argv: string[],
  env: NodeJS.ProcessEnv,
  options: { stopAtFirstByte?: boolean } = {},
): Promise<Timed> {
  const devNull = openSync("/dev/null", "w");
  const started = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    env,
    stdio: ["pipe", options.stopAtFirstByte ? "pipe" : devNull, "inherit"],
  });
  let firstByteMs: number | null = null;
  child.stdout?.once("data", () => {
    firstByteMs = performance.now() - started;
    child.kill("SIGKILL");
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      closeSync(devNull);
      resolve({ ms: performance.now() - started, code, firstByteMs });
    });
  });
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, samples: sorted.length };
}

/** Alternates ipcat and the CLI `rounds` times; returns both sample sets. */
async function alternate(
  rounds: number,
  measure: (argv: string[]) => Promise<number>,
  ipcat: string[],
  cli: string[],
): Promise<[number[], number[]]> {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [true, false] : [false, true];
    for (const mine of order) (mine ? ours : theirs).push(await measure(mine ? ipcat : cli));
  }
  return [ours, theirs];
}

/** The benchmark rows for the docker family. */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const host = ctx.dockerHost ?? process.env.DOCKER_HOST;
  if (!host) {
    console.error("docker bench: no DOCKER_HOST; skipped");
    return [];
  }
  const env = { ...process.env, DOCKER_HOST: host };
  const ipcat = [ctx.binary, "docker"];
  const cli = ["docker", "-H", host];
  const tar = busyboxRootfsTar();
  const imported = await timed([...ipcat, "import", tar, IMAGE], env);
  rmSync(tar, { force: true });
  if (imported.code !== 0) throw new Error("docker bench: importing the busybox image failed");

  const rows: BenchRow[] = [];
  const rounds = ctx.quick ? 5 : 15;

  const runTrue = ["run", "--rm", "--network", "none", IMAGE, "true"];
  await timed([...ipcat, ...runTrue], env);
  await timed([...cli, ...runTrue], env);
  const [startOurs, startTheirs] = await alternate(
    rounds,
    async (argv) => {
      const t = await timed([...argv, ...runTrue], env);
      if (t.code !== 0) throw new Error(`${argv.join(" ")} run --rm true exited ${t.code}`);
      return t.ms;
    },
    ipcat,
    cli,
  );
  const start = [stats(startOurs), stats(startTheirs)] as const;
  const startRatio = start[0].median / start[1].median;
  rows.push({
    name: "run --rm IMAGE true, wall time",
    unit: "ms",
    ipcat: start[0],
    peer: "docker CLI",
    peerStats: start[1],
    higherIsBetter: false,
    target: "<= 0.9x docker CLI",
    met: startRatio <= 0.9,
    note: `${
      startRatio.toFixed(2)
    }x the CLI; the daemon's create, start and auto-remove take ~95% of it (ipcat's own work: ~9 ms process start, ~5 ms of API calls), and ipcat must wait for the removal as the CLI does`,
  });

  const mib = ctx.quick ? 64 : 512;
  // --log-driver none: otherwise the daemon's JSON log of every byte is the bottleneck for both.
  const bulk = [
    "run",
    "--rm",
    "--network",
    "none",
    "--log-driver",
    "none",
    IMAGE,
    "head",
    "-c",
    String(mib * 1024 * 1024),
    "/dev/zero",
  ];
  const [bulkOurs, bulkTheirs] = await alternate(
    ctx.quick ? 2 : 5,
    async (argv) => {
      const t = await timed([...argv, ...bulk], env);
      if (t.code !== 0) throw new Error(`${argv.join(" ")} bulk run exited ${t.code}`);
      return mib / (t.ms / 1000);
    },
    ipcat,
    cli,
  );
  const bulkStats = [stats(bulkOurs), stats(bulkTheirs)] as const;
  const bulkRatio = bulkStats[0].median / bulkStats[1].median;
  rows.push({
    name: `run: ${mib} MiB to stdout (to /dev/null), throughput`,
    unit: "MiB/s",
    ipcat: bulkStats[0],
    peer: "docker CLI",
    peerStats: bulkStats[1],
    higherIsBetter: true,
    target: ">= 1.0x docker CLI",
    met: bulkRatio >= 1.0,
    note: `${
      bulkRatio.toFixed(2)
    }x the CLI; includes container start; --log-driver none; stdcopy frames demultiplexed`,
  });

  const ticker = `ipcat-bench-ticker-${process.pid}`;
  const made = await timed([
    ...ipcat,
    "run",
    "-d",
    "--name",
    ticker,
    "--network",
    "none",
    IMAGE,
    "sh",
    "-c",
    "while :; do echo t; usleep 1000; done",
  ], env);
  if (made.code !== 0) throw new Error("docker bench: could not start the ticker container");
  try {
    const [ttfbOurs, ttfbTheirs] = await alternate(
      rounds,
      async (argv) => {
        const t = await timed([...argv, "attach", "--no-stdin", ticker], env, {
          stopAtFirstByte: true,
        });
        if (t.firstByteMs === null) throw new Error(`${argv.join(" ")} attach printed nothing`);
        return t.firstByteMs;
      },
      ipcat,
      cli,
    );
    const ttfb = [stats(ttfbOurs), stats(ttfbTheirs)] as const;
    rows.push({
      name: "attach --no-stdin: time to first byte",
      unit: "ms",
      ipcat: ttfb[0],
      peer: "docker CLI",
      peerStats: ttfb[1],
      higherIsBetter: false,
      target: "measured (no target)",
      met: null,
      note: `${
        (ttfb[0].median / ttfb[1].median).toFixed(2)
      }x the CLI; the container prints a line every ~1 ms, from process start to first stdout byte`,
    });
  } finally {
    await timed([...ipcat, "rm", "-f", ticker], env);
  }
  rows.push(...await listingRows(env, ipcat, cli, rounds));
  rows.push(...await transferRows(ctx, env, ipcat, cli));
  return rows;
}

/** One row of ipcat against the CLI on the same command tail, alternating runs. */
async function compare(
  env: NodeJS.ProcessEnv,
  ipcat: string[],
  cli: string[],
  spec: {
    name: string;
    tail: string[];
    rounds: number;
    /** From the wall time of one run to the figure (ms, or MiB/s for a size). */
    figure?: (ms: number) => number;
    unit: string;
    target: string;
    ratio: number;
    note: string;
    before?: () => void;
  },
): Promise<BenchRow> {
  const higherIsBetter = spec.figure !== undefined;
  const [ours, theirs] = await alternate(
    spec.rounds,
    async (argv) => {
      spec.before?.();
      const t = await timed([...argv, ...spec.tail], env);
      if (t.code !== 0) {
        throw new Error(`${argv.join(" ")} ${spec.tail.join(" ")} exited ${t.code}`);
      }
      return spec.figure ? spec.figure(t.ms) : t.ms;
    },
    ipcat,
    cli,
  );
  const [mine, peer] = [stats(ours), stats(theirs)];
  const ratio = mine.median / peer.median;
  return {
    name: spec.name,
    unit: spec.unit,
    ipcat: mine,
    peer: "docker CLI",
    peerStats: peer,
    higherIsBetter,
    target: spec.target,
    met: higherIsBetter ? ratio >= spec.ratio : ratio <= spec.ratio,
    note: `${ratio.toFixed(2)}x the CLI; ${spec.note}`,
  };
}

/** `ps -a` and `images`: the wall time of a listing, at most the CLI's. */
async function listingRows(
  env: NodeJS.ProcessEnv,
  ipcat: string[],
  cli: string[],
  rounds: number,
): Promise<BenchRow[]> {
  const common = { rounds, unit: "ms", target: "<= 1.0x docker CLI", ratio: 1.0 };
  return [
    await compare(env, ipcat, cli, {
      ...common,
      name: "ps -a, wall time",
      tail: ["ps", "-a"],
      note: "one GET /containers/json and the table; process start included",
    }),
    await compare(env, ipcat, cli, {
      ...common,
      name: "images, wall time",
      tail: ["images"],
      note: "one GET /images/json and the table; process start included",
    }),
  ];
}

/** `cp` into and out of a container, and `logs`, of large files: throughput. */
async function transferRows(
  ctx: BenchContext,
  env: NodeJS.ProcessEnv,
  ipcat: string[],
  cli: string[],
): Promise<BenchRow[]> {
  const cpMib = ctx.quick ? 64 : 256;
  const logMib = ctx.quick ? 32 : 100;
  const rounds = ctx.quick ? 2 : 5;
  const box = `ipcat-bench-cp-${process.pid}`;
  const logger = `ipcat-bench-logs-${process.pid}`;
  const local = join(ctx.workDir, "cp-in.bin");
  const back = join(ctx.workDir, "cp-out.bin");
  await timed(["sh", "-c", `head -c ${cpMib << 20} /dev/urandom > ${local}`], env);
  const started = await timed(
    [...ipcat, "run", "-d", "--name", box, "--network", "none", IMAGE, "sleep", "3600"],
    env,
  );
  if (started.code !== 0) throw new Error("docker bench: could not start the cp container");
  const logged = await timed([
    ...ipcat,
    "run",
    "--name",
    logger,
    "--network",
    "none",
    IMAGE,
    "head",
    "-c",
    String(logMib << 20),
    "/dev/zero",
  ], env);
  if (logged.code !== 0) throw new Error("docker bench: could not make the logs container");
  const throughput = (mib: number) => (ms: number) => mib / (ms / 1000);
  try {
    return [
      await compare(env, ipcat, cli, {
        name: `cp of ${cpMib} MiB into a container, throughput`,
        tail: ["cp", local, `${box}:/tmp/in.bin`],
        rounds,
        figure: throughput(cpMib),
        unit: "MiB/s",
        target: ">= 1.0x docker CLI",
        ratio: 1.0,
        note: "a tar packed as it is sent (src/framing/tar.ts)",
      }),
      await compare(env, ipcat, cli, {
        name: `cp of ${cpMib} MiB out of a container, throughput`,
        tail: ["cp", `${box}:/tmp/in.bin`, back],
        rounds,
        figure: throughput(cpMib),
        unit: "MiB/s",
        target: ">= 1.0x docker CLI",
        ratio: 1.0,
        note: "the daemon's tar unpacked as it arrives",
        before: () => rmSync(back, { force: true }),
      }),
      await compare(env, ipcat, cli, {
        name: `logs of ${logMib} MiB (to /dev/null), throughput`,
        tail: ["logs", logger],
        rounds,
        figure: throughput(logMib),
        unit: "MiB/s",
        target: ">= 1.0x docker CLI",
        ratio: 1.0,
        note: "json-file driver; stdcopy frames demultiplexed",
      }),
    ];
  } finally {
    await timed([...ipcat, "rm", "-f", box, logger], env);
    rmSync(local, { force: true });
    rmSync(back, { force: true });
  }
}

if (import.meta.main) {
  const quick = process.argv.includes("--quick");
  const rows = await run({
    quick,
    binary: join(import.meta.dirname ?? ".", "..", "dist", "ipcat"),
    workDir: "/tmp",
    dockerHost: process.env.DOCKER_HOST,
  });
  for (const r of rows) {
    console.log(
      `${r.name}: ipcat ${r.ipcat.median.toFixed(1)} ${r.unit} vs ${r.peer} ${
        r.peerStats?.median.toFixed(1)
      } ${r.unit} (target ${r.target}: ${r.met})`,
    );
  }
}
