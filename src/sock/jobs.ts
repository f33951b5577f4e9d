/**
 * The commands a server runs for its clients, each in its own session (process group),
 * and how they are ended: the whole group gets SIGTERM, then SIGKILL once `killAfter`
 * passed with a member still alive. Nothing a client started outlives its run, its
 * connection or the server, grandchildren included (`sh -c 'job & wait'`).
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { type Child, runtime, type SignalName, type SpawnOptions } from "../adapter/mod.ts";

/** The default grace between SIGTERM and SIGKILL (`--kill-after`). */
export const DEFAULT_KILL_AFTER_MS = 5000;
/** How often a group being ended is checked for living members. */
const GROUP_POLL_MS = 20;

/**
 * The process groups of session `sid` that have a member other than a zombie. Zombies do
 * not count: a killed orphan may wait long for a pid 1 that reaps (in containers, pid 1
 * often never does), and it runs nothing any more.
 *
 * @example
 * ```ts ignore
 * import { liveGroups } from "./jobs.ts";
 * console.log(liveGroups({ session: 1 }));
 * ```
 */
export function liveGroups(of: { group: number } | { session: number }): number[] {
  const groups = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    if (entry.charCodeAt(0) > 57) continue; // not a pid: self, sys, ...
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // exited while we looked
    }
    // `pid (comm) state ppid pgrp session ...`; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 4);
    if (fields[0] === "Z") continue;
    const group = Number(fields[2]);
    if ("group" in of ? group === of.group : Number(fields[3]) === of.session) groups.add(group);
  }
  return [...groups];
}

/**
 * True while a process other than a zombie belongs to process group `pgid`.
 *
 * @example
 * ```ts ignore
 * import { groupAlive } from "./jobs.ts";
 * console.log(groupAlive(1)); // init's group, in most namespaces
 * ```
 */
export function groupAlive(pgid: number): boolean {
  return liveGroups({ group: pgid }).length > 0;
}

/** A command run for a client, in its own process group. */
export interface Job {
  readonly child: Child;
  /**
   * Ends the whole group (SIGTERM, SIGKILL after the grace) and resolves once no member
   * is alive. `why` goes into the log line. Calling it again joins the first call.
   */
  end(why: string): Promise<void>;
  /**
   * After the command itself exited: ends what it left running in its group, if
   * anything (logged), and resolves once nothing is.
   */
  endLeftovers(): Promise<void>;
}

/**
 * The running jobs of one server. `endAll` is what a server's shutdown awaits.
 *
 * @example
 * ```ts ignore
 * import { Jobs } from "./jobs.ts";
 * const jobs = new Jobs(5000, console.error);
 * const job = jobs.spawn(["sh", "-c", "sleep 1000 & wait"], {}, "client 1: sh");
 * await job.end("example");
 * ```
 */
export class Jobs {
  readonly #killAfterMs: number;
  readonly #log: (line: string) => void;
  readonly #running = new Set<Job>();

  constructor(killAfterMs: number, log: (line: string) => void) {
    this.#killAfterMs = killAfterMs;
    this.#log = log;
  }

  /**
   * Starts `argv` in a new session; throws what spawn throws. `label` prefixes log lines.
   * On a terminal (`options.terminal`) the whole session is the job: a shell there puts
   * each of its jobs in a process group of its own.
   */
  spawn(argv: readonly string[], options: SpawnOptions, label: string): Job {
    const child = runtime.spawn(argv, { ...options, newSession: true });
    let leaderExited = false;
    const members = options.terminal ? sessionMembers(child) : groupMembers(child);
    // Until the command itself exited it counts as alive, even before its setsid(2) ran.
    const alive = () => !leaderExited || members.alive();
    let ending: Promise<void> | null = null;
    const job: Job = {
      child,
      end: (why) => (ending ??= this.#endMembers(child, members, alive, label, why)),
      endLeftovers: () => {
        if (ending) return ending;
        if (!alive()) {
          ending = Promise.resolve();
          this.#running.delete(job);
          return ending;
        }
        return job.end("the command exited and left processes running in its group");
      },
    };
    this.#running.add(job);
    void child.exited.then(() => {
      leaderExited = true;
      if (!members.alive()) this.#running.delete(job);
    });
    return job;
  }

  /** Ends every running job's group (server shutdown); resolves once all are gone. */
  async endAll(why: string): Promise<void> {
    await Promise.all([...this.#running].map((job) => job.end(why)));
  }

  async #endMembers(
    child: Child,
    members: Members,
    alive: () => boolean,
    label: string,
    why: string,
  ): Promise<void> {
    if (!alive()) return this.#forget(child);
    this.#log(`${label}: ${why}: ${members.stopSignals.join(" and ")} to ${members.name}`);
    for (const signal of members.stopSignals) members.signal(signal);
    const deadline = performance.now() + this.#killAfterMs;
    while (alive()) {
      if (performance.now() >= deadline) {
        this.#log(
          `${label}: ${members.name} still running ${this.#killAfterMs / 1000} s after ${
            members.stopSignals.join(" and ")
          } (--kill-after): SIGKILL`,
        );
        members.signal("SIGKILL");
        while (alive()) await pause(GROUP_POLL_MS);
        break;
      }
      await pause(GROUP_POLL_MS);
    }
    this.#forget(child);
  }

  #forget(child: Child): void {
    for (const job of this.#running) if (job.child === child) this.#running.delete(job);
  }
}

/** The processes a job stands for, and how they are asked to stop. */
interface Members {
  /** For the log: `process group 4242`. */
  readonly name: string;
  /** What asks them to stop, before SIGKILL. */
  readonly stopSignals: readonly SignalName[];
  alive(): boolean;
  signal(signal: SignalName): void;
}

/** A command on pipes: its process group. */
function groupMembers(child: Child): Members {
  return {
    name: `process group ${child.pid}`,
    stopSignals: ["SIGTERM"],
    alive: () => groupAlive(child.pid),
    // The command itself too, in case it has not reached its setsid(2) yet.
    signal: (signal) => {
      if (!child.signalGroup(signal)) child.kill(signal);
    },
  };
}

/**
 * A command on a terminal: every process group of its session. SIGHUP first, as when a
 * terminal goes away: an interactive shell ignores SIGTERM, and hangs up its jobs on SIGHUP.
 */
function sessionMembers(child: Child): Members {
  const session = { session: child.pid };
  return {
    name: `the terminal's session ${child.pid}`,
    stopSignals: ["SIGHUP", "SIGTERM"],
    alive: () => liveGroups(session).length > 0,
    signal: (signal) => {
      const groups = liveGroups(session);
      if (groups.length === 0) child.kill(signal);
      for (const group of groups) {
        try {
          process.kill(-group, signal);
        } catch {
          // the group emptied since we looked
        }
      }
    },
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
