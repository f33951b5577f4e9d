/**
 * The raw queue commands: `create`, `unlink`, `stat`, `ls`, `send`, `recv`.
 *
 * @module
 */
import { runtime } from "../adapter/mod.ts";
import { defineCommand } from "../cli/command.ts";
import { choice, duration, flag, mode, option } from "../cli/options.ts";
import { countBetween } from "../cli/values.ts";
import { note, readStdin, writeOut } from "../cli/io.ts";
import { IpcatError } from "../errors.ts";
import { listQueues, type QueueInfo, statQueue } from "./admin.ts";
import { ownMqueueView } from "./mqueue_fs.ts";
import { enterNamedNamespace, NAMESPACE_OPTIONS } from "./target_cli.ts";
import { type MessageQueue, openQueue, STREAM_INLINE_WAIT_MS, unlinkQueue } from "./queue.ts";
import { queueError } from "./queue_errors.ts";
import { abortOnSignals, abortStatus } from "./signals.ts";
import { Errno } from "./libc.ts";

/** The kernel's bound on priorities (`MQ_PRIO_MAX` is 32768). */
const PRIORITY = countBetween(0, 32767);
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

function table(infos: QueueInfo[]): string {
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
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")
  ).join("\n") + "\n";
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
    await writeOut(options.json ? JSON.stringify(infos) + "\n" : table(infos));
    return 0;
  },
});

const send = defineCommand({
  name: "send",
  summary: "Send a message, or each line of stdin",
  usage: "NAME [MESSAGE | -]",
  description:
    "Sends MESSAGE to the queue NAME. With '-' (or no MESSAGE), each line of stdin is one\nmessage, newline removed; --split none sends the whole of stdin as one message.\nWaits while the queue is full, unless --nonblock or --timeout says otherwise.",
  options: {
    priority: option("P", "Priority 0-32767, higher is received first", PRIORITY, {
      short: "p",
      default: "0",
    }),
    timeout: duration("Give up when the queue stays full this long (e.g. 5, 0.5, 250ms)", {
      short: "t",
    }),
    nonblock: flag("Fail at once when the queue is full", { short: "n" }),
    create: flag("Create the queue (default sizes, mode 0600) when it does not exist", {
      short: "c",
    }),
    split: choice(["line", "none"], "How stdin is cut into messages", { default: "line" }),
    ...NAMESPACE_OPTIONS,
  },
  positionals: { min: 1, max: 2 },
  examples: [
    ["ipcat mq send /jobs hello", "Sends one message"],
    ["printf 'a\\nb\\n' | ipcat mq send /jobs -", "Sends two messages, a and b"],
    ["ipcat mq send /jobs -p 9 urgent", "Sends with priority 9"],
    ["ipcat mq send /jobs --split none - < blob.bin", "Sends a file as one message"],
  ],
  async run({ options, args }) {
    await enterNamedNamespace(options);
    // Signals first: once the queue is open (visible in /proc), Ctrl-C must be ours to handle.
    const { signal, dispose } = abortOnSignals();
    let queue: MessageQueue;
    try {
      queue = openQueue(args[0]!, {
        access: "write",
        create: options.create,
        nonblocking: options.nonblock,
      });
    } catch (error) {
      dispose();
      throw error;
    }
    const wait = { timeoutMs: options.timeout, signal, inlineWaitMs: STREAM_INLINE_WAIT_MS };
    try {
      const message = args[1] ?? "-";
      if (message !== "-") {
        await queue.send(new TextEncoder().encode(message), options.priority, wait);
        return 0;
      }
      if (options.split === "none") {
        await queue.send(await readStdin(signal), options.priority, wait);
        return 0;
      }
      await sendLines(queue, options.priority, wait);
      return 0;
    } catch (error) {
      if (signal.aborted && error === signal.reason) return abortStatus(signal);
      throw error;
    } finally {
      dispose();
      queue.close();
    }
  },
});

/** Sends each stdin line as a message; the final line needs no newline. */
async function sendLines(
  queue: MessageQueue,
  priority: number,
  wait: { timeoutMs?: number; signal: AbortSignal; inlineWaitMs: number },
): Promise<void> {
  let carry: Uint8Array | null = null;
  const join = (head: Uint8Array, tail: Uint8Array): Uint8Array => {
    const joined = new Uint8Array(head.byteLength + tail.byteLength);
    joined.set(head);
    joined.set(tail, head.byteLength);
    return joined;
  };
  for (let chunk = await runtime.stdin.read(); chunk !== null; chunk = await runtime.stdin.read()) {
    if (wait.signal.aborted) throw wait.signal.reason;
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      let line = chunk.subarray(start, nl);
      if (carry) {
        line = join(carry, line);
        carry = null;
      }
      // The synchronous attempt first: an await per line would halve the throughput.
      if (!queue.trySend(line, priority)) await queue.send(line, priority, wait);
      start = nl + 1;
    }
    if (start < chunk.byteLength) {
      carry = carry ? join(carry, chunk.subarray(start)) : chunk.slice(start);
    }
  }
  if (carry && !queue.trySend(carry, priority)) await queue.send(carry, priority, wait);
}

const recv = defineCommand({
  name: "recv",
  summary: "Receive messages (highest priority first)",
  usage: "NAME",
  description:
    'Receives one message (or --count N, or every message with --follow) and prints each on its\nown line; --json prints {"priority":P,"data":"..."} per line, with data that is not UTF-8\nin base64 and "encoding":"base64" added. Waits for messages unless --nonblock.\nCtrl-C stops at once; every message received is printed first.',
  options: {
    count: option("N", "Receive N messages (default 1)", countBetween(1, Number.MAX_SAFE_INTEGER), {
      short: "n",
    }),
    follow: flag("Keep receiving until Ctrl-C (or --timeout of silence)", { short: "f" }),
    timeout: duration(
      "Wait at most DURATION for each message; with --follow, stop after that much silence",
      { short: "t" },
    ),
    nonblock: flag("Do not wait: fail when the queue is empty (with --follow: stop)"),
    json: flag("One JSON object per message"),
    ...NAMESPACE_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  examples: [
    ["ipcat mq recv /jobs", "Waits for one message and prints it"],
    ["ipcat mq recv /jobs --follow --json", "Prints every message as JSON until Ctrl-C"],
    ["ipcat mq recv /jobs -n 5 -t 2", "Five messages, waiting at most 2 s for each"],
    ["ipcat mq recv /jobs --follow --nonblock", "Drains the queue and exits"],
  ],
  async run({ options, args }) {
    if (options.follow && options.count !== undefined) {
      throw new IpcatError("usage", "--count and --follow do not go together", {
        hint: "use --count N for N messages, --follow for all",
      });
    }
    await enterNamedNamespace(options);
    const { signal, dispose } = abortOnSignals();
    let queue: MessageQueue;
    try {
      queue = openQueue(args[0]!, { access: "read", nonblocking: options.nonblock });
    } catch (error) {
      dispose();
      throw error;
    }
    try {
      return await receiveLoop(queue, {
        ...options,
        count: options.follow ? Infinity : options.count ?? 1,
      }, signal);
    } finally {
      dispose();
      queue.close();
    }
  },
});

/** Output collected in one buffer and written in large pieces, for throughput. */
class OutputBuffer {
  #buffer = new Uint8Array(1 << 17);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#buffer.byteLength) return;
    const bigger = new Uint8Array(Math.max(this.#buffer.byteLength * 2, this.#length + extra));
    bigger.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = bigger;
  }

  add(bytes: Uint8Array): void {
    this.#reserve(bytes.byteLength);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.byteLength;
  }

  addByte(byte: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = byte;
  }

  async flush(): Promise<void> {
    if (this.#length === 0) return;
    const out = this.#buffer.slice(0, this.#length);
    this.#length = 0;
    await writeOut(out);
  }
}

const FLUSH_AT = 1 << 16;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * One message as a JSON line: text as is, anything that is not UTF-8 in base64 with
 * `"encoding":"base64"`, so that every byte survives.
 *
 * @example
 * ```ts
 * import { messageJson } from "./raw_cli.ts";
 * console.assert(messageJson(new Uint8Array([0xff]), 1) === '{"priority":1,"data":"/w==","encoding":"base64"}');
 * ```
 */
export function messageJson(data: Uint8Array, priority: number): string {
  try {
    return JSON.stringify({ priority, data: utf8.decode(data) });
  } catch {
    return JSON.stringify({
      priority,
      data: Buffer.from(data).toString("base64"),
      encoding: "base64",
    });
  }
}

async function receiveLoop(
  queue: MessageQueue,
  options: { count: number; follow: boolean; timeout?: number; nonblock: boolean; json: boolean },
  signal: AbortSignal,
): Promise<number> {
  const buffer = new Uint8Array(queue.msgsize);
  const out = new OutputBuffer();
  const nextDeadline =
    () => (options.timeout === undefined ? Infinity : Date.now() + options.timeout);
  let deadline = nextDeadline();
  let received = 0;
  try {
    while (received < options.count) {
      let n = queue.tryReceiveInto(buffer);
      if (n < 0) {
        await out.flush();
        if (signal.aborted) return abortStatus(signal);
        if (options.nonblock) {
          if (options.follow) return 0;
          throw queueError(Errno.EAGAIN, "receive", queue.name);
        }
        if (Date.now() >= deadline) {
          if (options.follow) return 0;
          throw new IpcatError(
            "timeout",
            `no message arrived on queue ${queue.name} within ${options.timeout! / 1000} s${
              received ? ` (after ${received} of ${options.count})` : ""
            }`,
            {
              hint: "is anything sending? raise --timeout to wait longer",
            },
          );
        }
        n = await queue.waitReceiveInto(buffer, deadline, STREAM_INLINE_WAIT_MS);
        if (n < 0) continue;
      }
      const message = buffer.subarray(0, n);
      if (options.json) out.add(encoder.encode(messageJson(message, queue.lastPriority)));
      else out.add(message);
      out.addByte(10);
      received++;
      if (options.timeout !== undefined) deadline = nextDeadline();
      if (out.length >= FLUSH_AT) {
        await out.flush();
        if (signal.aborted) return abortStatus(signal);
      }
    }
    return 0;
  } finally {
    await out.flush();
  }
}

/** The raw queue commands, in help order. */
export const rawCommands = [create, send, recv, stat, ls, unlink];
