/**
 * The mq family's benchmark: ipcat side by side with a small C program (bench/c/mq_bench.c,
 * compiled here with the machine's gcc), measured alternately in the same run.
 *
 * 1. In-process send+receive of 8-byte messages: ipcat's mq module vs C (target >= 85 %).
 * 2. Two processes, `ipcat mq send -` into `ipcat mq recv --count N` vs a C sender and
 *    receiver doing the same line-per-message work (target >= 60 %).
 * 3. Request/response round trip of `{"req":1}` against `ipcat mq serve` (target p50 < 1 ms).
 *
 * @module
 */
import { execFileSync, spawn } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { BenchContext, BenchRow, Stats } from "./lib.ts";
import { openQueue, request, unlinkQueue } from "../src/mq/mod.ts";

export const family = "mq" as const;

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, samples: sorted.length };
}

/** Pairs per second of send-then-receive through ipcat's module, in this process. */
function ipcatInProcess(count: number): number {
  const name = `/ipcat-bench-js-${process.pid}`;
  const queue = openQueue(name, { create: true, exclusive: true, maxmsg: 10, msgsize: 64 });
  unlinkQueue(name);
  const message = new TextEncoder().encode("12345678");
  const buffer = new Uint8Array(64);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (!queue.trySend(message, 0) || queue.tryReceiveInto(buffer) < 0) {
      throw new Error("queue misbehaved");
    }
  }
  const rate = count / ((performance.now() - start) / 1000);
  queue.close();
  return rate;
}

/** Runs a sender and a receiver process over a fresh queue; returns messages per second. */
async function twoProcesses(
  sender: string[],
  receiver: string[],
  input: string,
  count: number,
  queueName: string,
): Promise<number> {
  openQueue(queueName, { create: true, exclusive: true, maxmsg: 10, msgsize: 64 }).close();
  try {
    const stdin = openSync(input, "r");
    const start = performance.now();
    const run = (argv: string[], stdinFd: number | "ignore") =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(argv[0]!, argv.slice(1), { stdio: [stdinFd, "ignore", "inherit"] });
        child.on("error", reject);
        child.on(
          "exit",
          (
            code,
          ) => (code === 0 ? resolve() : reject(new Error(`${argv.join(" ")} exited ${code}`))),
        );
      });
    await Promise.all([run(receiver, "ignore"), run(sender, stdin)]);
    const rate = count / ((performance.now() - start) / 1000);
    closeSync(stdin);
    return rate;
  } finally {
    unlinkQueue(queueName);
  }
}

/** Round-trip times in ms of `{"req":1}` against a running `ipcat mq serve`. */
async function roundTrips(binary: string, count: number): Promise<number[]> {
  const asPid = 970000 + (process.pid % 20000);
  const server = spawn(binary, ["mq", "serve", "--as-pid", String(asPid), "--quiet"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  await new Promise<void>((resolve) =>
    server.stderr!.on("data", (c: Buffer) => c.toString().includes("Ctrl-C stops") && resolve())
  );
  const times: number[] = [];
  try {
    const target = {
      inQueue: `/ScopeIPCIn.${asPid}`,
      outQueue: `/ScopeIPCOut.${asPid}`,
      timeoutMs: 5000,
    };
    for (let i = 0; i < 50; i++) await request({ req: 1 }, target);
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await request({ req: 1 }, target);
      times.push(performance.now() - start);
    }
  } finally {
    server.kill("SIGTERM");
    await new Promise((resolve) => server.on("exit", resolve));
  }
  return times;
}

/** Measures the three rows; see the module comment. */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const cBinary = join(ctx.workDir, "mq_bench");
  execFileSync("gcc", ["-O2", "-o", cBinary, join(import.meta.dirname, "c", "mq_bench.c")]);
  const runs = ctx.quick ? 3 : 7;

  const pairs = ctx.quick ? 200_000 : 1_000_000;
  const ipcatRates: number[] = [];
  const cRates: number[] = [];
  ipcatInProcess(pairs / 10);
  for (let i = 0; i < runs; i++) {
    cRates.push(
      Number(execFileSync(cBinary, ["inproc", String(pairs)], { encoding: "utf8" }).trim()),
    );
    ipcatRates.push(ipcatInProcess(pairs));
  }

  const lines = ctx.quick ? 200_000 : 1_000_000;
  const input = join(ctx.workDir, "mq-lines.txt");
  writeFileSync(input, Array.from({ length: lines }, (_, i) => `message ${i}`).join("\n") + "\n");
  const queueName = `/ipcat-bench-pair-${process.pid}`;
  const ipcatPair: number[] = [];
  const cPair: number[] = [];
  for (let i = 0; i < runs; i++) {
    cPair.push(
      await twoProcesses(
        [cBinary, "send", queueName],
        [cBinary, "recv", queueName, String(lines)],
        input,
        lines,
        queueName,
      ),
    );
    ipcatPair.push(
      await twoProcesses(
        [ctx.binary, "mq", "send", queueName, "-"],
        [ctx.binary, "mq", "recv", queueName, "--count", String(lines)],
        input,
        lines,
        queueName,
      ),
    );
  }

  const times = await roundTrips(ctx.binary, ctx.quick ? 300 : 2000);
  const inProcess = stats(ipcatRates);
  const cInProcess = stats(cRates);
  const pair = stats(ipcatPair);
  const cPairStats = stats(cPair);
  const latency = stats(times);
  const percent = (a: Stats, b: Stats) => `${((a.median / b.median) * 100).toFixed(0)} % of C`;
  return [
    {
      name: "in-process send+receive, 8-byte messages (mq module)",
      unit: "msg/s",
      ipcat: inProcess,
      peer: "C (gcc -O2, mq_send/mq_receive)",
      peerStats: cInProcess,
      higherIsBetter: true,
      target: ">= 85% of C",
      met: inProcess.median >= 0.85 * cInProcess.median,
      note: `${percent(inProcess, cInProcess)}; one FFI call per send and per receive (bun:ffi)`,
    },
    {
      name: `two processes, 'mq send -' into 'mq recv --count', ${lines} lines`,
      unit: "msg/s",
      ipcat: pair,
      peer: "C sender (getline) + C receiver (fwrite)",
      peerStats: cPairStats,
      higherIsBetter: true,
      target: ">= 60% of C",
      met: pair.median >= 0.6 * cPairStats.median,
      note: `${percent(pair, cPairStats)}; queue maxmsg 10, msgsize 64; includes process start-up`,
    },
    {
      name: "request/response round trip against 'mq serve'",
      unit: "ms",
      ipcat: latency,
      peer: "none (target is absolute)",
      peerStats: null,
      higherIsBetter: false,
      target: "p50 < 1 ms",
      met: latency.median < 1,
      note:
        `p50 of ${times.length} requests {"req":1}, fresh queue pair each time, as the real CLI`,
    },
  ];
}
