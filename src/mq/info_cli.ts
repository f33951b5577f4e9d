/**
 * Commands that look around rather than move messages: `limits`, `ps` (the processes that
 * can answer) and `inspect` (what `scope inspect` gathers, for one process or all).
 *
 * @module
 */
import { defineCommand } from "../cli/command.ts";
import * as v from "valibot";
import { choice, duration, flag, option } from "../cli/options.ts";
import { countBetween } from "../cli/values.ts";
import { note, writeOut } from "../cli/io.ts";
import { MQ_TABLE, table } from "../cli/table.ts";
import { IpcatError } from "../errors.ts";
import { listResponders, type Responder, responderKind } from "./discovery.ts";
import { inspectProcess } from "./inspect.ts";
import type { Flavor } from "./protocol.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS } from "./client.ts";
import { PidSchema } from "./target_cli.ts";
import { abortOnSignals, abortStatus } from "./signals.ts";
import { queueLimits } from "./limits.ts";
import { ownMqueueView } from "./mqueue_fs.ts";
import { enterNamedNamespace, NAMESPACE_OPTIONS } from "./target_cli.ts";

const QUEUE_SIZE = countBetween(1, 1 << 30);

const limits = defineCommand({
  name: "limits",
  summary: "Show the kernel's queue limits and your RLIMIT_MSGQUEUE budget",
  usage: "",
  description:
    "Shows msg_max, msgsize_max and queues_max (and the defaults) of this IPC namespace, from\n/proc/sys/fs/mqueue, and RLIMIT_MSGQUEUE with an estimate of what your queues use (the\nkernel shows no total: the estimate counts the queues you own in this namespace). With\n--maxmsg/--msgsize it says how many more queues of that size fit.",
  options: {
    maxmsg: option("N", "Size the queue you want to make: messages", QUEUE_SIZE),
    msgsize: option("N", "Size the queue you want to make: bytes per message", QUEUE_SIZE),
    json: flag("Print one JSON object"),
    ...NAMESPACE_OPTIONS,
  },
  positionals: { min: 0, max: 0 },
  examples: [
    ["ipcat mq limits", "The limits, and the bytes left"],
    ["ipcat mq limits --maxmsg 100 --msgsize 4096", "How many more such queues fit"],
  ],
  async run({ options }) {
    await enterNamedNamespace(options);
    let queuesVisible = true;
    try {
      ownMqueueView();
    } catch {
      // the limits themselves need no mqueue filesystem; only the count of queues does
      queuesVisible = false;
    }
    const sized = options.maxmsg !== undefined || options.msgsize !== undefined;
    const report = queueLimits(sized ? options : undefined, { queuesVisible });
    if (options.json) {
      await writeOut(JSON.stringify(report) + "\n");
      return 0;
    }
    const bytes = (n: number | null) => (n === null ? "unlimited" : `${n} bytes`);
    const rows: Array<[string, string]> = [
      ["msg_max", `${report.msg_max} messages (default ${report.msg_default})`],
      ["msgsize_max", `${report.msgsize_max} bytes (default ${report.msgsize_default})`],
      [
        "queues_max",
        `${report.queues_max} queues${
          report.queues === null
            ? " (how many there are: not visible here)"
            : ` (${report.queues} now)`
        }`,
      ],
      ["RLIMIT_MSGQUEUE", bytes(report.rlimit_msgqueue)],
      ["used", `${report.used_estimate} bytes (estimate: your queues here)`],
      ["left", bytes(report.left_estimate)],
    ];
    if (report.fit) {
      const { maxmsg, msgsize, bytes: cost, more, why } = report.fit;
      rows.push([
        "fit",
        `${
          more ?? "any number of"
        } more queue(s) of ${maxmsg} x ${msgsize} (${cost} bytes each; bound: ${why})`,
      ]);
    }
    const width = Math.max(...rows.map(([k]) => k.length));
    await writeOut(rows.map(([k, value]) => `${k.padEnd(width)}  ${value}`).join("\n") + "\n");
    return 0;
  },
});

function responderTable(found: Responder[]): string {
  const rows = [["PID", "NSPID", "IPC NAMESPACE", "FLAVOR", "VIA", "COMMAND"]];
  for (const r of found) {
    rows.push([String(r.pid), String(r.nspid), r.ipcNamespace, r.flavor, r.via, r.command]);
  }
  return table(rows, MQ_TABLE);
}

const ps = defineCommand({
  name: "ps",
  summary: "List the processes that can answer requests (as 'scope ps')",
  usage: "",
  description:
    "Lists the processes with libscope or the AppView library mapped, and every 'ipcat mq serve':\nPID (NSPID: as its own PID namespace sees it, which names its queues), IPC namespace,\nflavor and command. Other users' processes show only when you may read their /proc (root).",
  options: { json: flag("Print a JSON array") },
  positionals: { min: 0, max: 0 },
  examples: [["ipcat mq ps", "PID, NSPID, IPC NAMESPACE, FLAVOR, VIA, COMMAND"], [
    "ipcat mq ps --json",
    "The same for scripts",
  ]],
  async run({ options }) {
    const found = listResponders();
    await writeOut(options.json ? JSON.stringify(found) + "\n" : responderTable(found));
    return 0;
  },
});

const inspect = defineCommand({
  name: "inspect",
  summary: "Gather a process's cfg, transports and details into one JSON document",
  usage: "PID... | --all",
  description:
    "Asks each process for its configuration, transports and process details, as 'scope\ninspect' does, and prints one JSON document per process: {\"cfg\", \"interfaces\",\n\"process\"}, indented (--json: one line each). --all inspects every process 'ipcat mq ps'\nlists. The flavor of each process is found as 'ps' finds it (--flavor overrides).\nExit 1 when a process could not be inspected; the others are printed all the same.",
  options: {
    all: flag("Inspect every process that can answer"),
    flavor: choice(["scope", "appview"], "Speak this flavor to every process"),
    timeout: duration("How long to wait for each answer", {
      short: "t",
      default: `${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s`,
    }),
    json: flag("One JSON document per line"),
  },
  positionals: { min: 0 },
  examples: [["ipcat mq inspect 4242", "cfg, interfaces and process of 4242"], [
    "ipcat mq inspect --all --json",
    "One line per process that can answer",
  ]],
  async run({ options, args }) {
    if (options.all === (args.length > 0)) {
      throw new IpcatError("usage", "name the processes to inspect, or --all", {
        hint: "e.g. 'ipcat mq inspect 4242' or 'ipcat mq inspect --all'",
      });
    }
    const targets: Array<{ pid: number; flavor: Flavor }> = options.all
      ? listResponders().map((r) => ({ pid: r.pid, flavor: r.flavor }))
      : args.map((arg) => {
        const pid = v.safeParse(PidSchema, arg);
        if (!pid.success) {
          throw new IpcatError("usage", `'${arg}' is not a process id`, {
            hint: "e.g. 'ipcat mq inspect 4242'",
          });
        }
        return {
          pid: pid.output,
          flavor: responderKind(pid.output)?.flavor ?? "scope",
        };
      });
    const { signal, dispose } = abortOnSignals();
    let failed = 0;
    try {
      for (const target of targets) {
        try {
          const doc = await inspectProcess(target.pid, {
            flavor: options.flavor ?? target.flavor,
            timeoutMs: options.timeout,
            signal,
          });
          await writeOut(
            (options.json ? JSON.stringify(doc) : JSON.stringify(doc, null, 3)) + "\n",
          );
        } catch (error) {
          if (signal.aborted) return abortStatus(signal);
          if (!(error instanceof IpcatError)) throw error;
          failed++;
          await note(`cannot inspect process ${target.pid}: ${error.message}`);
        }
      }
    } finally {
      dispose();
    }
    return failed ? 1 : 0;
  },
});

/** The looking-around commands, in help order. */
export const infoCommands = [limits, ps, inspect];
