/**
 * What the sock benchmark modules share: running a peer to its end, starting and stopping
 * a server, summing pipelined clients, and alternating ipcat and its peer.
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Stats } from "./lib.ts";
import { stats } from "./measure.ts";

/** Runs `argv` to completion; resolves with stdout (rejects on a non-zero exit). */
export function runToEnd(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.on(
      "close",
      (
        code,
      ) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(" ")} exited with ${code}`))),
    );
  });
}

/** Starts a server and resolves once its socket accepts. */
export async function startServer(argv: string[], path: string): Promise<ChildProcess> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "ignore"] });
  for (let i = 0; i < 400; i++) {
    if (existsSync(path)) {
      try {
        execFileSync("socat", ["-u", "/dev/null", `UNIX-CONNECT:${path}`], { stdio: "ignore" });
        return child;
      } catch {
        // not accepting yet
      }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill("SIGKILL");
  throw new Error(`${argv.join(" ")} did not start listening on ${path}`);
}

/** Stops a server with SIGTERM and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.on("exit", r));
  child.kill("SIGTERM");
  await done;
}

/** Total messages/s of `clients` run at once: all messages over first start to last end. */
export async function pipelined(clients: string[][]): Promise<number> {
  const results = await Promise.all(clients.map((argv) => runToEnd(argv)));
  let count = 0;
  let start = Infinity;
  let end = 0;
  for (const line of results) {
    const [n, s, e] = line.trim().split(" ").map(Number) as [number, number, number];
    count += n;
    start = Math.min(start, s);
    end = Math.max(end, e);
  }
  return count / ((end - start) / 1000);
}

/** Alternates `ipcat` and `peer` measurements `times` times. */
export async function alternateRuns(
  times: number,
  ipcat: () => Promise<number>,
  peer: () => Promise<number>,
): Promise<[Stats, Stats]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < times; i++) {
    a.push(await ipcat());
    b.push(await peer());
  }
  return [stats(a), stats(b)];
}
