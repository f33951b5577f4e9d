/**
 * Finding and stopping the processes a benchmark module started, by their pids.
 *
 * The runner uses this to stop what a module left running, or everything a module that
 * outran its time budget was still running, without touching anything it did not start.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";

/** A live process: its pid and the start of its command line. */
export interface ProcessInfo {
  pid: number;
  command: string;
}

/**
 * Every live (not zombie) descendant of `root`, found through `/proc/PID/stat`.
 *
 * @example
 * ```ts
 * import process from "node:process";
 * import { descendantsOf } from "./processes.ts";
 * for (const child of descendantsOf(process.pid)) console.log(child.pid, child.command);
 * ```
 */
export function descendantsOf(root: number): ProcessInfo[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name sits in parentheses and may itself contain spaces and ")".
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state !== "Z") parentOf.set(Number(entry), Number(ppid));
    } catch {
      // The process ended while we looked.
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 0; p = parentOf.get(p)) {
      if (p === root) return true;
    }
    return false;
  };
  const found: ProcessInfo[] = [];
  for (const pid of parentOf.keys()) {
    if (!isDescendant(pid)) continue;
    let command = "";
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim().slice(
        0,
        80,
      );
    } catch {
      // Gone already; it is still worth naming by pid.
    }
    found.push({ pid, command });
  }
  return found;
}

function signal(pid: number, name: "SIGTERM" | "SIGKILL"): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * Sends SIGTERM to each process (so that ipcat can remove its sockets and queues), then
 * SIGKILL to those still alive after `graceMs`. Resolves once all are gone or killed.
 *
 * @example
 * ```ts
 * import process from "node:process";
 * import { descendantsOf, stopProcesses } from "./processes.ts";
 * await stopProcesses(descendantsOf(process.pid).map((p) => p.pid));
 * ```
 */
export async function stopProcesses(pids: readonly number[], graceMs = 2000): Promise<void> {
  for (const pid of pids) signal(pid, "SIGTERM");
  const until = performance.now() + graceMs;
  while (pids.some(alive) && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const pid of pids.filter(alive)) signal(pid, "SIGKILL");
}
