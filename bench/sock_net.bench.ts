/**
 * `ipcat sock` over TCP and TLS (issue 13): raw throughput of `serve --raw` + `connect`
 * on tls:// against socat OPENSSL and on tcp:// against socat TCP, and the routed echo
 * round trip over TLS against the same over a unix socket. 127.0.0.1 only; the
 * certificates are made here with openssl.
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { BenchContext, BenchModule, BenchRow, Stats } from "./lib.ts";

const HERE = dirname(fileURLToPath(import.meta.url));

/** Which family this module measures. */
export const family: BenchModule["family"] = "sock";

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: sorted[sorted.length >> 1]!,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    samples: sorted.length,
  };
}

function runToEnd(argv: string[], env?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ...env },
    });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.on(
      "close",
      (code) =>
        code === 0 ? resolve(out) : reject(new Error(`${argv.join(" ")} exited with ${code}`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a server and resolves once its port accepts (or its unix socket does). */
async function startServer(argv: string[], port: number | string): Promise<ChildProcess> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "ignore"] });
  for (let i = 0; i < 400; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = typeof port === "number" ? net.connect(port, "127.0.0.1") : net.connect(port);
      socket.on("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill("SIGKILL");
  throw new Error(`${argv.join(" ")} did not start listening`);
}

async function throughput(client: string, bytes: number): Promise<number> {
  const started = performance.now();
  const out = await runToEnd(["sh", "-c", `head -c ${bytes} /dev/zero | ${client} | wc -c`]);
  const seconds = (performance.now() - started) / 1000;
  if (Number(out.trim()) !== bytes) {
    throw new Error(`${client} relayed ${out.trim()} of ${bytes} bytes`);
  }
  return bytes / 2 ** 20 / seconds;
}

async function alternate(
  times: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<[Stats, Stats]> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < times; i++) {
    as.push(await a());
    bs.push(await b());
  }
  return [stats(as), stats(bs)];
}

/** A CA and a server certificate for 127.0.0.1 in `dir`. */
function certificates(dir: string): { ca: string; cert: string; key: string } {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  const file = (name: string) => join(dir, name);
  writeFileSync(file("ext.cnf"), "[server]\nsubjectAltName=IP:127.0.0.1\n");
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=bench CA",
  );
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("server.key"),
    "-out",
    file("server.csr"),
    "-subj",
    "/CN=server",
  );
  openssl(
    "x509",
    "-req",
    "-in",
    file("server.csr"),
    "-CA",
    file("ca.pem"),
    "-CAkey",
    file("ca.key"),
    "-CAcreateserial",
    "-out",
    file("server.pem"),
    "-days",
    "2",
    "-extfile",
    file("ext.cnf"),
    "-extensions",
    "server",
  );
  return { ca: file("ca.pem"), cert: file("server.pem"), key: file("server.key") };
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const dir = join(ctx.workDir, "sock-net");
  mkdirSync(dir, { recursive: true });
  const { ca, cert, key } = certificates(dir);
  const bin = ctx.binary;
  const times = ctx.quick ? 3 : 5;
  const bytes = (ctx.quick ? 128 : 512) * 2 ** 20;
  const rows: BenchRow[] = [];
  const servers: ChildProcess[] = [];
  try {
    const [ipcatTls, socatTls, ipcatTcp, socatTcp, ipcatEchoTls] = (await Promise.all(
      [1, 2, 3, 4, 5].map(() => freePort()),
    )) as [number, number, number, number, number];
    servers.push(
      await startServer([
        bin,
        "sock",
        "serve",
        "--raw",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
        `tls://127.0.0.1:${ipcatTls}`,
        "--",
        "cat",
      ], ipcatTls),
    );
    servers.push(
      await startServer([
        "socat",
        "-b131072",
        `OPENSSL-LISTEN:${socatTls},bind=127.0.0.1,reuseaddr,fork,cert=${cert},key=${key},verify=0`,
        "EXEC:cat",
      ], socatTls),
    );
    servers.push(
      await startServer(
        [bin, "sock", "serve", "--raw", `tcp://127.0.0.1:${ipcatTcp}`, "--", "cat"],
        ipcatTcp,
      ),
    );
    servers.push(
      await startServer([
        "socat",
        "-b131072",
        `TCP-LISTEN:${socatTcp},bind=127.0.0.1,reuseaddr,fork`,
        "EXEC:cat",
      ], socatTcp),
    );
    const [tlsIpcat, tlsSocat] = await alternate(
      times,
      () => throughput(`${bin} sock connect --tls-ca ${ca} tls://127.0.0.1:${ipcatTls}`, bytes),
      () => throughput(`socat -b131072 - OPENSSL:127.0.0.1:${socatTls},cafile=${ca}`, bytes),
    );
    const note = `${bytes / 2 ** 20} MiB: head -c | client | wc -c, server runs cat, 127.0.0.1`;
    rows.push({
      name: "TLS raw throughput, serve --raw + connect (tls://)",
      unit: "MiB/s",
      ipcat: tlsIpcat,
      peer: "socat -b131072 OPENSSL",
      peerStats: tlsSocat,
      higherIsBetter: true,
      target: ">= 1.0x socat",
      met: tlsIpcat.median >= tlsSocat.median,
      note,
    });
    const [tcpIpcat, tcpSocat] = await alternate(
      times,
      () => throughput(`${bin} sock connect tcp://127.0.0.1:${ipcatTcp}`, bytes),
      () => throughput(`socat -b131072 - TCP:127.0.0.1:${socatTcp}`, bytes),
    );
    rows.push({
      name: "TCP raw throughput, serve --raw + connect (tcp://)",
      unit: "MiB/s",
      ipcat: tcpIpcat,
      peer: "socat -b131072 TCP",
      peerStats: tcpSocat,
      higherIsBetter: true,
      target: ">= 1.2x socat",
      met: tcpIpcat.median >= 1.2 * tcpSocat.median,
      note,
    });

    const unixEcho = join(dir, "echo.sock");
    servers.push(await startServer([bin, "sock", "serve", unixEcho], unixEcho));
    servers.push(
      await startServer([
        bin,
        "sock",
        "serve",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
        `tls://127.0.0.1:${ipcatEchoTls}`,
      ], ipcatEchoTls),
    );
    const client = join(HERE, "sock_client.ts");
    const count = ctx.quick ? 5000 : 20000;
    const latency = async (endpoint: string) =>
      Number(
        await runToEnd([process.execPath, client, "latency", endpoint, String(count), "32"], {
          IPCAT_BENCH_CA: ca,
        }),
      ) / 1000;
    const [latTls, latUnix] = await alternate(
      times,
      () => latency(`tls://127.0.0.1:${ipcatEchoTls}`),
      () => latency(unixEcho),
    );
    rows.push({
      name: "routed echo round trip p50 over TLS, 32-byte messages",
      unit: "us",
      ipcat: latTls,
      peer: "the same over a unix socket",
      peerStats: latUnix,
      higherIsBetter: false,
      target: "p50 <= 2x unix",
      met: latTls.median <= 2 * latUnix.median,
      note:
        `${count} round trips per sample, the library under Bun (bench/sock_client.ts) against ${bin} sock serve`,
    });
  } finally {
    for (const child of servers) {
      if (child.exitCode === null && child.signalCode === null) {
        const done = new Promise((r) => child.on("exit", r));
        child.kill("SIGTERM");
        await done;
      }
    }
  }
  return rows;
}
