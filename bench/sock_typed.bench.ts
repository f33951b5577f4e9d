/**
 * Typed services (issue 12): a typed unary call's round trip p50 (validation on both
 * sides, JSON, the typed envelope) against a raw unary echo call (open with 32 bytes,
 * half-close, read the echo, END) on the same connection to the same library server, in
 * the same run, alternately. Goal: at most 1.5x.
 *
 * Run it on its own with `bun bench/sock_typed.bench.ts [--quick]` (prints the rows as JSON).
 *
 * @module
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import * as v from "valibot";
import { connect, defineService, echoService, implement, serve } from "../src/sock/mod.ts";
import type { BenchContext, BenchModule, BenchRow, Stats } from "./lib.ts";

/** Which family this module measures. */
export const family: BenchModule["family"] = "sock";

const Echo = defineService({
  name: "bench.echo",
  version: "1.0.0",
  open: v.object({ text: v.string() }),
  result: v.object({ text: v.string() }),
});
const TEXT = "x".repeat(32);

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: sorted[sorted.length >> 1]!,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    samples: sorted.length,
  };
}

/** The p50 in microseconds of `count` sequential runs of `once`. */
async function p50(count: number, once: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  return stats(times).median * 1000;
}

/** Runs the typed service's benchmark and returns its row. */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const dir = join(ctx.workDir, "sock-typed");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "typed.sock");
  const server = await serve(path, {
    services: {
      "ipcat.echo": echoService,
      [Echo.name]: implement(Echo, ({ input }) => ({ text: input.text })),
    },
  });
  const client = await connect(path);
  const rounds = ctx.quick ? 5 : 9;
  const count = ctx.quick ? 2000 : 10000;
  const raw = async () => {
    const channel = client.open("ipcat.echo", TEXT);
    channel.closeWrite();
    if ((await channel.read())?.byteLength !== TEXT.length) throw new Error("bad echo");
    await channel.done;
  };
  const typed = async () => {
    if ((await client.call(Echo, { text: TEXT })).text !== TEXT) throw new Error("bad reply");
  };
  try {
    await p50(500, raw); // warm-up of both paths, not counted
    await p50(500, typed);
    const typedRounds: number[] = [];
    const rawRounds: number[] = [];
    for (let i = 0; i < rounds; i++) {
      typedRounds.push(await p50(count, typed));
      rawRounds.push(await p50(count, raw));
    }
    const typedStats = stats(typedRounds);
    const rawStats = stats(rawRounds);
    return [{
      name: "typed unary call round trip p50 (valibot both sides, JSON)",
      unit: "us",
      ipcat: typedStats,
      peer: "raw unary echo call, same connection and server",
      peerStats: rawStats,
      higherIsBetter: false,
      target: "p50 <= 1.5x raw",
      met: typedStats.median <= 1.5 * rawStats.median,
      note:
        `${count} calls per sample, one in flight, 32-byte text; library client and server in one Bun process, alternating rounds`,
    }];
  } finally {
    await client.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const workDir = join(process.env.TMPDIR ?? "/tmp", `ipcat-sock-typed-bench-${process.pid}`);
  mkdirSync(workDir, { recursive: true });
  const rows = await run({ quick: process.argv.includes("--quick"), binary: "", workDir });
  console.log(JSON.stringify(rows, null, 2));
  rmSync(workDir, { recursive: true, force: true });
  process.exit(0);
}
