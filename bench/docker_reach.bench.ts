/**
 * Issue 15's rows, against the docker CLI in the same run, alternating: push and pull of
 * a 64 MiB image to and from a local registry (a fresh one per push, so that no layer is
 * already there), a 3-step classic build with a 50 MiB context, `ps` through ssh:// (a
 * local sshd, the CLI's dial-stdio on the far side for both), and the docker CLI's `ps`
 * through `ipcat docker proxy` against the socket directly.
 *
 * Run through the bench runner (`npm run bench`; `--only docker` does not select it, its
 * file name being its own), or alone:
 * `DOCKER_HOST=unix:///… bun bench/docker_reach.bench.ts [--quick]`.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { BenchContext, BenchRow, Stats } from "./lib.ts";
import { failedRow } from "./measure.ts";
import { busyboxRootfsTar } from "../test/docker_rootfs.ts";
import { startRegistry } from "../test/docker_registry_env.ts";
import { startSshd } from "../test/docker_sshd.ts";

/** This module's family. */
export const family = "docker";

const IMAGE = "ipcat-bench-busybox:latest";
const MiB = 1024 * 1024;

/** Runs `argv` to the end with stdout to /dev/null; its wall time in ms. */
function timed(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const devNull = openSync("/dev/null", "w");
  const started = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ["ignore", devNull, "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      closeSync(devNull);
      if (code !== 0) reject(new Error(`${argv.join(" ")} exited ${code}: ${stderr.trim()}`));
      else resolve(performance.now() - started);
    });
  });
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, samples: sorted.length };
}

/** `rounds` alternating samples of ipcat (`true`) and the peer, `prepare` untimed before each. */
async function alternate(
  rounds: number,
  measure: (mine: boolean) => Promise<number>,
): Promise<[Stats, Stats]> {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const mine of i % 2 === 0 ? [true, false] : [false, true]) {
      (mine ? ours : theirs).push(await measure(mine));
    }
  }
  return [stats(ours), stats(theirs)];
}

/** A row of times where a ratio `ours/theirs` of at most `limit` meets the target. */
function timeRow(
  name: string,
  [ours, theirs]: [Stats, Stats],
  peer: string,
  target: string,
  limit: number,
  note: string,
): BenchRow {
  const ratio = ours.median / theirs.median;
  return {
    name,
    unit: "ms",
    ipcat: ours,
    peer,
    peerStats: theirs,
    higherIsBetter: false,
    target,
    met: ratio <= limit,
    note: `${ratio.toFixed(2)}x the ${peer}'s time; ${note}`,
  };
}

/** A file of `bytes` pseudo-random bytes (incompressible, so no layer is cheap). */
function randomFile(path: string, bytes: number): void {
  const fd = openSync(path, "w");
  const chunk = new Uint8Array(MiB);
  let x = 0x9e3779b9;
  for (let written = 0; written < bytes; written += chunk.byteLength) {
    for (let i = 0; i < chunk.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      chunk[i] = x & 0xff;
    }
    writeSync(fd, chunk);
  }
  closeSync(fd);
}

/** The rows of issue 15. */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const host = ctx.dockerHost ?? process.env.DOCKER_HOST;
  if (!host) {
    console.error("docker_reach bench: no DOCKER_HOST; skipped");
    return [];
  }
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: "0" };
  const ipcat = [ctx.binary, "docker"];
  const cli = ["docker"];
  const tool = (mine: boolean) => (mine ? ipcat : cli);
  const rounds = ctx.quick ? 3 : 7;
  const rows: BenchRow[] = [];
  const tar = busyboxRootfsTar();
  await timed([...ipcat, "import", tar, IMAGE], env);
  rmSync(tar, { force: true });

  // A 64 MiB image: busybox plus one layer of random bytes.
  const work = join(ctx.workDir, "reach");
  mkdirSync(join(work, "big"), { recursive: true });
  randomFile(join(work, "big", "blob"), 64 * MiB);
  writeFileSync(join(work, "big", "Dockerfile"), `FROM ${IMAGE}\nCOPY blob /blob\n`);
  await timed([...ipcat, "build", "-q", "-t", "ipcat-bench-big:v1", join(work, "big")], env);

  const registryRow = { unit: "ms", peer: "docker CLI", target: ">= 1.0x docker CLI" };
  try {
    const pushes = await alternate(rounds, async (mine) => {
      const registry = await startRegistry();
      try {
        const name = `${registry.host}/big:v1`;
        await timed([...cli, "tag", "ipcat-bench-big:v1", name], env);
        const ms = await timed([...tool(mine), "push", name], env);
        await timed([...cli, "rmi", name], env);
        return ms;
      } finally {
        await registry.stop();
      }
    });
    rows.push(
      timeRow(
        "push of a 64 MiB image to a local registry",
        pushes,
        "docker CLI",
        registryRow.target,
        1.0,
        "a fresh registry per push; the daemon does the upload for both",
      ),
    );
  } catch (error) {
    rows.push(
      failedRow({ ...registryRow, name: "push of a 64 MiB image to a local registry" }, error),
    );
  }
  try {
    const registry = await startRegistry();
    try {
      const name = `${registry.host}/big:v1`;
      await timed([...cli, "tag", "ipcat-bench-big:v1", name], env);
      await timed([...cli, "push", name], env);
      await timed([...cli, "rmi", name, "ipcat-bench-big:v1"], env);
      const pulls = await alternate(rounds, async (mine) => {
        const ms = await timed([...tool(mine), "pull", name], env);
        await timed([...cli, "rmi", name], env);
        return ms;
      });
      rows.push(
        timeRow(
          "pull of a 64 MiB image from a local registry",
          pulls,
          "docker CLI",
          registryRow.target,
          1.0,
          "the image removed between pulls, so each downloads the layer",
        ),
      );
    } finally {
      await registry.stop();
    }
  } catch (error) {
    rows.push(
      failedRow({ ...registryRow, name: "pull of a 64 MiB image from a local registry" }, error),
    );
  }

  const buildName = "classic build, 3 steps, 50 MiB context";
  try {
    const context = join(work, "context");
    mkdirSync(context, { recursive: true });
    randomFile(join(context, "data"), 50 * MiB);
    writeFileSync(join(context, "Dockerfile"), `FROM ${IMAGE}\nCOPY . /ctx\nRUN true\n`);
    const builds = await alternate(
      rounds,
      (mine) => timed([...tool(mine), "build", "--no-cache", "-q", context], env),
    );
    rows.push(
      timeRow(
        buildName,
        builds,
        "docker CLI",
        ">= 1.0x docker CLI",
        1.0,
        "--no-cache, the CLI with DOCKER_BUILDKIT=0",
      ),
    );
  } catch (error) {
    rows.push(
      failedRow(
        { name: buildName, unit: "ms", peer: "docker CLI", target: ">= 1.0x docker CLI" },
        error,
      ),
    );
  }

  const sshName = "ps through ssh:// (local sshd)";
  try {
    const sshd = await startSshd(host);
    try {
      const sshEnv = {
        ...env,
        DOCKER_HOST: `ssh://root@127.0.0.1:${sshd.port}`,
        PATH: `${sshd.clientBin}:${process.env.PATH}`,
        IPCAT_REMOTE: "cli",
      };
      const ps = await alternate(rounds + 2, (mine) => timed([...tool(mine), "ps"], sshEnv));
      rows.push(
        timeRow(
          sshName,
          ps,
          "docker CLI",
          "<= 1.0x docker CLI",
          1.0,
          "the CLI's dial-stdio on the far side for both; one ssh per connection, as the CLI",
        ),
      );
    } finally {
      await sshd.stop();
    }
  } catch (error) {
    rows.push(
      failedRow(
        { name: sshName, unit: "ms", peer: "docker CLI", target: "<= 1.0x docker CLI" },
        error,
      ),
    );
  }

  const proxyName = "docker CLI ps through ipcat docker proxy";
  let proxy: ChildProcess | undefined;
  try {
    const socket = join(work, "proxy.sock");
    proxy = spawn(ctx.binary, ["docker", "proxy", socket], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      proxy!.stderr!.on("data", (chunk: Buffer) => {
        seen += chunk.toString("utf8");
        if (seen.includes("proxying")) resolve();
      });
      proxy!.once("exit", (code) => reject(new Error(`the proxy exited ${code}: ${seen}`)));
    });
    const ps = await alternate(
      rounds + 2,
      (viaProxy) => timed(["docker", "-H", viaProxy ? `unix://${socket}` : host, "ps"], env),
    );
    rows.push(
      timeRow(
        proxyName,
        ps,
        "direct socket",
        "<= 1.1x direct",
        1.1,
        "the same docker CLI, through the proxy or straight to the daemon",
      ),
    );
  } catch (error) {
    rows.push(
      failedRow(
        { name: proxyName, unit: "ms", peer: "direct socket", target: "<= 1.1x direct" },
        error,
      ),
    );
  } finally {
    proxy?.kill("SIGTERM");
  }
  await timed([...cli, "rmi", "-f", "ipcat-bench-big:v1"], env).catch(() => {});
  return rows;
}

if (import.meta.main) {
  const workDir = join(process.env.TMPDIR ?? "/tmp", `ipcat-bench-reach-${process.pid}`);
  mkdirSync(workDir, { recursive: true });
  try {
    const rows = await run({
      quick: process.argv.includes("--quick"),
      binary: join(import.meta.dirname ?? ".", "..", "dist", "ipcat"),
      workDir,
    });
    for (const r of rows) {
      console.log(
        `${r.name}: ${
          r.failure ??
            `ipcat ${r.ipcat.median.toFixed(1)} ${r.unit}, ${r.peer} ${
              r.peerStats?.median.toFixed(1)
            } ${r.unit} (target ${r.target}: ${r.met}) ${r.note ?? ""}`
        }`,
      );
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
