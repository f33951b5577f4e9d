/**
 * `ipcat sock` under load and abuse (issue 11), each against a peer measured in the same
 * run, alternately:
 *
 * - pipelined echo, 4 C clients x 256 in flight x 32 bytes, with per-channel flow control
 *   (the C client of `bench/c/echo.c` offers it; ipcat accepts), against the C server;
 * - round trip p50 of the same C client, ipcat server against the C server;
 * - head-of-line: the library client's round trip p50 on channel B while channel A holds
 *   64 MiB unread, against B's p50 with A idle;
 * - 10,000 idle clients: the server's RSS, and a new client's round trip p50 against the
 *   same with no idle clients.
 *
 * Run it on its own with `bun bench/sock_flow.bench.ts [--quick]` (prints the rows as JSON).
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { BenchContext, BenchModule, BenchRow } from "./lib.ts";
import { compileC, stats } from "./measure.ts";
import { alternateRuns, pipelined, runToEnd, startServer, stop } from "./sock_peers.ts";

const HERE = dirname(fileURLToPath(import.meta.url));

/** Which family this module measures. */
export const family: BenchModule["family"] = "sock";

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

/** Starts `sock_client.ts hold PATH count` and resolves once its connections are up. */
async function holdIdle(bun: string, path: string, count: number): Promise<ChildProcess> {
  const holder = spawn(bun, [join(HERE, "sock_client.ts"), "hold", path, String(count)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    holder.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("ready")) resolve();
    });
    holder.on("exit", (code) => reject(new Error(`the idle-client holder exited with ${code}`)));
  });
  return holder;
}

/** Runs the rows. */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const dir = join(ctx.workDir, "sock-flow");
  mkdirSync(dir, { recursive: true });
  const echo = compileC({ workDir: dir }, "c/echo.c", { name: "sock-echo" });
  const bin = ctx.binary;
  const bun = process.execPath;
  const client = join(HERE, "sock_client.ts");
  const times = ctx.quick ? 3 : 5;
  const rows: BenchRow[] = [];
  const ipcatPath = join(dir, "ipcat.sock");
  const cPath = join(dir, "c.sock");
  const ipcat = await startServer(
    [bin, "sock", "serve", "--max-per-uid", "0", ipcatPath],
    ipcatPath,
  );
  const cServer = await startServer([echo, "serve", cPath], cPath);
  let idleServer: ChildProcess | undefined;
  try {
    const perClient = ctx.quick ? 250_000 : 1_000_000;
    const four = (path: string) =>
      Array.from({ length: 4 }, () => [echo, "pipeline", path, String(perClient), "32", "256"]);
    const [pipeIpcat, pipeC] = await alternateRuns(
      times,
      () => pipelined(four(ipcatPath)),
      () => pipelined(four(cPath)),
    );
    rows.push({
      name: "routed echo pipelined with per-channel flow control, 4 C clients",
      unit: "msg/s",
      ipcat: pipeIpcat,
      peer: "C framed echo server (gcc -O2, protocol 1.0)",
      peerStats: pipeC,
      higherIsBetter: true,
      target: ">= 25% of C",
      met: pipeIpcat.median >= 0.25 * pipeC.median,
      note:
        `${perClient} messages per client, 256 in flight, 32 bytes; the same C client (bench/c/echo.c) against both servers; with ipcat it negotiates 1.1 and sends CREDIT`,
    });
    const rtCount = ctx.quick ? 5000 : 20000;
    const [latIpcat, latC] = await alternateRuns(
      times,
      async () =>
        Number(await runToEnd([echo, "latency", ipcatPath, String(rtCount), "32"])) / 1000,
      async () => Number(await runToEnd([echo, "latency", cPath, String(rtCount), "32"])) / 1000,
    );
    rows.push({
      name: "routed echo round trip p50, C client",
      unit: "us",
      ipcat: latIpcat,
      peer: "C framed echo server (gcc -O2)",
      peerStats: latC,
      higherIsBetter: false,
      target: "p50 <= 1.3x C",
      met: latIpcat.median <= 1.3 * latC.median,
      note: `${rtCount} round trips per sample, one in flight, 32 bytes`,
    });
    const [holBusy, holIdle] = await alternateRuns(
      times,
      async () =>
        Number(await runToEnd([bun, client, "hol", ipcatPath, String(rtCount), "32"])) / 1000,
      async () =>
        Number(await runToEnd([bun, client, "latency", ipcatPath, String(rtCount), "32"])) / 1000,
    );
    rows.push({
      name: "head-of-line: round trip p50 on channel B while channel A holds 64 MiB unread",
      unit: "us",
      ipcat: holBusy,
      peer: "the same, channel A idle",
      peerStats: holIdle,
      higherIsBetter: false,
      target: "<= 1.5x idle",
      met: holBusy.median <= 1.5 * holIdle.median,
      note: "library client under Bun (bench/sock_client.ts), one connection, ipcat sock serve",
    });
    const idleCount = ctx.quick ? 2000 : 10000;
    // A fresh server for the idle rows: the heap the rows above grew (64 MiB held in one
    // channel, millions of echoes) stays in RSS after it is collected, and is not what
    // idle clients cost.
    await stop(ipcat);
    const idlePath = join(dir, "idle.sock");
    idleServer = await startServer(
      [bin, "sock", "serve", "--max-per-uid", "0", idlePath],
      idlePath,
    );
    const baseRss = rssMiB(idleServer.pid!);
    const holder = await holdIdle(bun, idlePath, idleCount);
    let rss: number;
    const busy: number[] = [];
    const quiet: number[] = [];
    try {
      rss = rssMiB(idleServer.pid!);
      for (let i = 0; i < times; i++) {
        busy.push(
          Number(await runToEnd([bun, client, "latency", idlePath, String(rtCount), "32"])) / 1000,
        );
      }
    } finally {
      const gone = new Promise((r) => holder.on("exit", r));
      holder.stdin!.end();
      await gone;
    }
    for (let i = 0; i < times; i++) {
      quiet.push(
        Number(await runToEnd([bun, client, "latency", idlePath, String(rtCount), "32"])) / 1000,
      );
    }
    rows.push({
      name: `${idleCount} idle clients: RSS of sock serve`,
      unit: "MiB",
      ipcat: stats([rss]),
      peer: "none",
      peerStats: null,
      higherIsBetter: false,
      target: "<= 150 MiB",
      met: rss <= 150,
      note:
        `VmRSS with every client connected (CONNECT done, no channel open), on a server started for these rows (${
          baseRss.toFixed(0)
        } MiB before the first)`,
    });
    rows.push({
      name: `${idleCount} idle clients: a new client's round trip p50`,
      unit: "us",
      ipcat: stats(busy),
      peer: "the same with no idle clients",
      peerStats: stats(quiet),
      higherIsBetter: false,
      target: "<= 2x without",
      met: stats(busy).median <= 2 * stats(quiet).median,
      note: "library client under Bun",
    });
  } finally {
    await stop(ipcat);
    if (idleServer) await stop(idleServer);
    await stop(cServer);
  }
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

if (import.meta.main) {
  const workDir = join(process.env.TMPDIR ?? "/tmp", `ipcat-sock-flow-bench-${process.pid}`);
  mkdirSync(workDir, { recursive: true });
  const rows = await run({
    quick: process.argv.includes("--quick"),
    binary: join(HERE, "..", "dist", "ipcat"),
    workDir,
  });
  console.log(JSON.stringify(rows, null, 2));
  rmSync(workDir, { recursive: true, force: true });
  process.exit(0);
}
