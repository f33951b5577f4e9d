/**
 * The raw queue commands that manage queues: `create`, `unlink`, `stat`, `ls`.
 *
 * @module
 */
import { defineCommand } from "../cli/command.ts";
import { flag, mode, option } from "../cli/options.ts";
import { countBetween } from "../cli/values.ts";
import { note, writeOut } from "../cli/io.ts";
import { MQ_TABLE, table } from "../cli/table.ts";
import { IpcatError } from "../errors.ts";
import { listQueues, type QueueInfo, statQueue } from "./admin.ts";
import { ownMqueueView } from "./mqueue_fs.ts";
import { enterNamedNamespace, NAMESPACE_OPTIONS } from "./target_cli.ts";
import { openQueue, unlinkQueue } from "./queue.ts";

/** Queue sizes: at least 1, and far over any kernel's limits at the top. */
const QUEUE_SIZE = countBetween(1, 1 << 30);

const create = defineCommand({
  name: "create",
  summary: "Create a queue",
  usage: "NAME",
  description:
    "Creates the queue NAME (with or without the leading '/'). The mode is applied exactly,\nwhatever the umask. Unprivileged users are capped by /proc/sys/fs/mqueue/msg_max and msgsize_max.",
  options: {
    maxmsg: option(
      "N",
      "Most messages the queue holds (default: the kernel's msg_default, usually 10)",
      QUEUE_SIZE,
    ),
    msgsize: option(
      "N",
      "Largest message in bytes (default: the kernel's msgsize_default, usually 8192)",
      QUEUE_SIZE,
    ),
    mode: mode("Permissions, octal", { default: "0600" }),
    "exist-ok": flag("Succeed when the queue already exists"),
    ...NAMESPACE_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  examples: [
    ["ipcat mq create /jobs", "Creates /jobs with the kernel's default sizes, mode 0600"],
    ["ipcat mq create jobs --maxmsg 10 --msgsize 1024 --mode 0666", "A queue anyone may use"],
  ],
  async run({ options, args }) {
    await enterNamedNamespace(options);
    openQueue(args[0]!, {
      create: true,
      exclusive: !options["exist-ok"],
      mode: options.mode,
      maxmsg: options.maxmsg,
      msgsize: options.msgsize,
      access: "read",
      nonblocking: true,
    }).close();
    return 0;
  },
});

const unlink = defineCommand({
  name: "unlink",
  summary: "Remove queues",
  usage: "NAME...",
  description:
    "Removes the queue names; processes that have a queue open keep it until they close it.",
  options: {
    force: flag("Ignore queues that do not exist", { short: "f" }),
    ...NAMESPACE_OPTIONS,
  },
  positionals: { min: 1 },
  examples: [["ipcat mq unlink /jobs", "Removes /jobs"], [
    "ipcat mq unlink -f a b",
    "Removes a and b if they exist",
  ]],
  async run({ options, args }) {
    await enterNamedNamespace(options);
    for (const name of args) {
      try {
        unlinkQueue(name);
      } catch (error) {
        if (!(options.force && error instanceof IpcatError && error.code === "not_found")) {
          throw error;
        }
      }
    }
    return 0;
  },
});

const show = (value: number | string | null) => (value === null ? "-" : String(value));

const stat = defineCommand({
  name: "stat",
  summary: "Show a queue's attributes and message count",
  usage: "NAME",
  options: { json: flag("Print one JSON object"), ...NAMESPACE_OPTIONS },
  positionals: { min: 1, max: 1 },
  examples: [["ipcat mq stat /jobs", "maxmsg, msgsize, messages waiting, bytes, mode, owner"], [
    "ipcat mq stat jobs --json",
    "The same for scripts",
  ]],
  async run({ options, args }) {
    await enterNamedNamespace(options);
    const info = statQueue(args[0]!);
    if (options.json) {
      await writeOut(JSON.stringify(info) + "\n");
      return 0;
    }
    const rows: Array<[string, string]> = [
      ["name", info.name],
      ["maxmsg", show(info.maxmsg)],
      ["msgsize", show(info.msgsize)],
      ["curmsgs", show(info.curmsgs)],
      ["bytes", show(info.bytes)],
      ["mode", show(info.mode)],
      ["owner", info.uid === null ? "-" : `${info.uid}:${info.gid}`],
    ];
    await writeOut(rows.map(([k, val]) => `${k.padEnd(8)} ${val}`).join("\n") + "\n");
    return 0;
  },
});

function queueTable(infos: QueueInfo[]): string {
  const rows = [["NAME", "MSGS", "MAXMSG", "MSGSIZE", "BYTES", "MODE", "OWNER"]];
  for (const q of infos) {
    rows.push([
      q.name,
      show(q.curmsgs),
      show(q.maxmsg),
      show(q.msgsize),
      show(q.bytes),
      show(q.mode),
      q.uid === null ? "-" : `${q.uid}:${q.gid}`,
    ]);
  }
  return table(rows, MQ_TABLE);
}

const ls = defineCommand({
  name: "ls",
  summary: "List the queues",
  usage: "",
  description:
    "Lists the queues of this IPC namespace (or that of --pid/--container) from the mqueue\nfilesystem. When /dev/mqueue is absent or shows another namespace (after unshare --ipc,\nnsenter --ipc or --pid), ipcat mounts the right one for itself alone, in a private mount\nnamespace (root).",
  options: { json: flag("Print a JSON array"), ...NAMESPACE_OPTIONS },
  positionals: { min: 0, max: 0 },
  examples: [["ipcat mq ls", "NAME, MSGS, MAXMSG, MSGSIZE, BYTES, MODE, OWNER per queue"], [
    "ipcat mq ls --json",
    "The same for scripts",
  ]],
  async run({ options }) {
    await enterNamedNamespace(options);
    if (ownMqueueView()) {
      await note(
        "mounted this IPC namespace's mqueue filesystem at /dev/mqueue, for ipcat alone (a private mount namespace)",
      );
    }
    const infos = listQueues();
    await writeOut(options.json ? JSON.stringify(infos) + "\n" : queueTable(infos));
    return 0;
  },
});

/** The queue management commands, in help order. */
export const adminCommands = { create, unlink, stat, ls };
