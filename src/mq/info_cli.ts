/**
 * Commands that look around rather than move messages: `limits`.
 *
 * @module
 */
import { defineCommand } from "../cli/command.ts";
import { flag, option } from "../cli/options.ts";
import { countBetween } from "../cli/values.ts";
import { writeOut } from "../cli/io.ts";
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

/** The looking-around commands, in help order. */
export const infoCommands = [limits];
