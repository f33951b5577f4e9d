/**
 * `ipcat sock` benchmarks, each against a real peer measured in the same run, alternately:
 *
 * - raw byte throughput through `serve --raw` + `connect` (a `cat` behind the server),
 *   against socat with `-b 131072` and against a C relay (`bench/c/relay.c`);
 * - routed echo round trip, one message at a time, p50, against a C framed echo
 *   (`bench/c/echo.c`) speaking the same frames;
 * - routed echo pipelined with 4 clients, messages/s, against the same C echo;
 * - the peak RSS of `ipcat sock serve` under 200 clients x 100 echo round trips.
 *
 * The C programs are compiled here with gcc -O2. Run it on its own with
 * `bun bench/sock.bench.ts` (prints the rows as JSON) or through the bench runner.
 *
 * @module
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { connect } from "../src/sock/mod.ts";
import type { BenchContext, BenchModule, BenchRow } from "./lib.ts";
import { compileC, stats } from "./measure.ts";
import { alternateRuns, pipelined, runToEnd, startServer, stop } from "./sock_peers.ts";

const HERE = dirname(fileURLToPath(import.meta.url));

/** Which family this module measures. */
export const family: BenchModule["family"] = "sock";

/** MiB/s of `bytes` pushed through `client` (stdin -> socket -> server's cat -> stdout). */
async function throughput(client: string, bytes: number): Promise<number> {
  const started = performance.now();
  const out = await runToEnd(["sh", "-c", `head -c ${bytes} /dev/zero | ${client} | wc -c`]);
  const seconds = (performance.now() - started) / 1000;
  if (Number(out.trim()) !== bytes) {
    throw new Error(`${client} relayed ${out.trim()} bytes of ${bytes}`);
  }
  return bytes / 2 ** 20 / seconds;
}

/**
 * Peak RSS (MiB, from /proc VmHWM) of `ipcat sock serve` (the given binary) while 200
 * clients each make `roundTrips` echo round trips at once. Usable by the bench runner.
 *
 * @example
 * ```ts
 * import { servePeakRssMiB } from "./sock.bench.ts";
 * console.log(await servePeakRssMiB("dist/ipcat", "/tmp", 100));
 * ```
 */
export async function servePeakRssMiB(
  binary: string,
  workDir: string,
  roundTrips = 100,
): Promise<number> {
  const path = join(workDir, "rss.sock");
  const server = await startServer([binary, "sock", "serve", path], path);
  try {
    const clients = await Promise.all(Array.from({ length: 200 }, () => connect(path)));
    await Promise.all(clients.map(async (client, c) => {
      const channel = client.open("ipcat.echo", `client ${c}`);
      await channel.read();
      for (let i = 0; i < roundTrips; i++) {
        void channel.send(`client ${c} message ${i}`);
        await channel.read();
      }
      client.close();
    }));
    const status = readFileSync(`/proc/${server.pid}/status`, "utf8");
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)![1]) / 1024;
  } finally {
    await stop(server);
  }
}

/** Runs every sock benchmark. */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const dir = join(ctx.workDir, "sock");
  mkdirSync(dir, { recursive: true });
  const relay = compileC({ workDir: dir }, "c/relay.c", { name: "sock-relay" });
  const echo = compileC({ workDir: dir }, "c/echo.c", { name: "sock-echo" });
  const bin = ctx.binary;
  const bun = process.execPath;
  const times = ctx.quick ? 3 : 5;
  const bytes = (ctx.quick ? 256 : 1024) * 2 ** 20;
  const rows: BenchRow[] = [];
  const servers: ChildProcess[] = [];
  try {
    const ipcatRaw = join(dir, "ipcat-raw.sock");
    const socatRaw = join(dir, "socat-raw.sock");
    const cRaw = join(dir, "c-raw.sock");
    servers.push(
      await startServer([bin, "sock", "serve", "--raw", ipcatRaw, "--", "cat"], ipcatRaw),
    );
    servers.push(
      await startServer(
        ["socat", "-b131072", `UNIX-LISTEN:${socatRaw},fork`, "EXEC:cat"],
        socatRaw,
      ),
    );
    servers.push(await startServer([relay, "listen", cRaw, "cat"], cRaw));
    const ipcatClient = `${bin} sock connect ${ipcatRaw}`;
    const [rawIpcat, rawSocat] = await alternateRuns(
      times,
      () => throughput(ipcatClient, bytes),
      () => throughput(`socat -b131072 - UNIX-CONNECT:${socatRaw}`, bytes),
    );
    const [rawIpcat2, rawC] = await alternateRuns(
      times,
      () => throughput(ipcatClient, bytes),
      () => throughput(`${relay} connect ${cRaw}`, bytes),
    );
    // Where the time goes: the same C client in front of each server.
    const [serverIpcat, serverSocat] = await alternateRuns(
      times,
      () => throughput(`${relay} connect ${ipcatRaw}`, bytes),
      () => throughput(`${relay} connect ${socatRaw}`, bytes),
    );
    const [clientIpcat, clientC] = await alternateRuns(
      times,
      () => throughput(`${bin} sock connect ${cRaw}`, bytes),
      () => throughput(`${relay} connect ${cRaw}`, bytes),
    );
    const rawNote =
      `${
        bytes / 2 ** 20
      } MiB: head -c | client | wc -c, server runs cat; C relay = one process per direction, 128 KiB buffers. ` +
      `Split: ipcat server alone (C client) ${serverIpcat.median.toFixed(0)} vs socat server ${
        serverSocat.median.toFixed(0)
      } MiB/s; ` +
      `ipcat connect alone (C server) ${clientIpcat.median.toFixed(0)} vs C client ${
        clientC.median.toFixed(0)
      } MiB/s.`;
    rows.push({
      name: "raw throughput, serve --raw + connect",
      unit: "MiB/s",
      ipcat: rawIpcat,
      peer: "socat -b131072",
      peerStats: rawSocat,
      higherIsBetter: true,
      target: ">= 1.2x socat",
      met: rawIpcat.median >= 1.2 * rawSocat.median,
      note: rawNote,
    });
    rows.push({
      name: "raw throughput, serve --raw + connect",
      unit: "MiB/s",
      ipcat: rawIpcat2,
      peer: "C relay (gcc -O2)",
      peerStats: rawC,
      higherIsBetter: true,
      target: ">= 50% of C",
      met: rawIpcat2.median >= 0.5 * rawC.median,
      note: rawNote,
    });

    const ipcatEcho = join(dir, "ipcat-echo.sock");
    const cEcho = join(dir, "c-echo.sock");
    servers.push(await startServer([bin, "sock", "serve", ipcatEcho], ipcatEcho));
    servers.push(await startServer([echo, "serve", cEcho], cEcho));
    const client = join(HERE, "sock_client.ts");
    const rtCount = ctx.quick ? 5000 : 20000;
    const [latIpcat, latC] = await alternateRuns(
      times,
      async () =>
        Number(await runToEnd([bun, client, "latency", ipcatEcho, String(rtCount), "32"])) / 1000,
      async () => Number(await runToEnd([echo, "latency", cEcho, String(rtCount), "32"])) / 1000,
    );
    rows.push({
      name: "routed echo round trip p50, 32-byte messages",
      unit: "us",
      ipcat: latIpcat,
      peer: "C framed echo (gcc -O2)",
      peerStats: latC,
      higherIsBetter: false,
      target: "p50 <= 2x C",
      met: latIpcat.median <= 2 * latC.median,
      note:
        `${rtCount} round trips per sample; ipcat client = the library under Bun (bench/sock_client.ts), server = ${bin} sock serve`,
    });
    const perClient = ctx.quick ? 250_000 : 1_000_000;
    const [pipeIpcat, pipeC] = await alternateRuns(
      times,
      () =>
        pipelined(
          Array.from(
            { length: 4 },
            () => [bun, client, "pipeline", ipcatEcho, String(perClient), "32", "256"],
          ),
        ),
      () =>
        pipelined(
          Array.from(
            { length: 4 },
            () => [echo, "pipeline", cEcho, String(perClient), "32", "256"],
          ),
        ),
    );
    rows.push({
      name: "routed echo pipelined, 4 clients, 32-byte messages",
      unit: "msg/s",
      ipcat: pipeIpcat,
      peer: "C framed echo (gcc -O2)",
      peerStats: pipeC,
      higherIsBetter: true,
      target: ">= 1,000,000 msg/s",
      met: pipeIpcat.median >= 1_000_000,
      note:
        `${perClient} messages per client, 256 in flight each; messages echoed / (last end - first start); ${navigatorCpus()} CPUs shared by server and clients`,
    });
  } finally {
    for (const server of servers) await stop(server);
  }
  const peaks: number[] = [];
  for (let i = 0; i < (ctx.quick ? 1 : 3); i++) peaks.push(await servePeakRssMiB(bin, dir));
  const peak = stats(peaks);
  rows.push({
    name: "peak RSS of sock serve, 200 clients x 100 echo round trips",
    unit: "MiB",
    ipcat: peak,
    peer: "none",
    peerStats: null,
    higherIsBetter: false,
    target: "bounded (< 300 MiB)",
    met: peak.median < 300,
    note: "VmHWM of the server process; clients are the library in the bench process",
  });
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

function navigatorCpus(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency ?? 0;
}

if (import.meta.main) {
  const workDir = join(process.env.TMPDIR ?? "/tmp", `ipcat-sock-bench-${process.pid}`);
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
