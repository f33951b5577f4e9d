/**
 * `ipcat mq send`: one message, or a stream of them from stdin.
 *
 * @module
 */
import { runtime } from "../adapter/mod.ts";
import { defineCommand } from "../cli/command.ts";
import { choice, duration, flag, option } from "../cli/options.ts";
import { countBetween } from "../cli/values.ts";
import { readStdin } from "../cli/io.ts";
import { IpcatError } from "../errors.ts";
import { enterNamedNamespace, NAMESPACE_OPTIONS } from "./target_cli.ts";
import { type MessageQueue, openQueue, STREAM_INLINE_WAIT_MS } from "./queue.ts";
import { abortOnSignals, abortStatus } from "./signals.ts";

/** The kernel's bound on priorities (`MQ_PRIO_MAX` is 32768). */
const PRIORITY = countBetween(0, 32767);

export const send = defineCommand({
  name: "send",
  summary: "Send a message, or each line of stdin",
  usage: "NAME [MESSAGE | -]",
  description:
    "Sends MESSAGE to the queue NAME. With '-' (or no MESSAGE), each line of stdin is one\nmessage, newline removed (-0: each NUL-terminated piece); --split none sends the whole of\nstdin as one message.\nWaits while the queue is full, unless --nonblock or --timeout says otherwise.",
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
    null: flag("Stdin messages end with a NUL, not a newline (as find -print0 writes)", {
      short: "0",
    }),
    ...NAMESPACE_OPTIONS,
  },
  positionals: { min: 1, max: 2 },
  examples: [
    ["ipcat mq send /jobs hello", "Sends one message"],
    ["printf 'a\\nb\\n' | ipcat mq send /jobs -", "Sends two messages, a and b"],
    ["ipcat mq send /jobs -p 9 urgent", "Sends with priority 9"],
    ["ipcat mq send /jobs --split none - < blob.bin", "Sends a file as one message"],
    ["find . -print0 | ipcat mq send /jobs -0 -", "One message per file name, newlines and all"],
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
        if (options.null) {
          throw new IpcatError("usage", "--split none and --null do not go together", {
            hint: "--null cuts stdin at each NUL; --split none sends it whole",
          });
        }
        await queue.send(await readStdin(signal), options.priority, wait);
        return 0;
      }
      await sendLines(queue, options.priority, wait, options.null ? 0 : 10);
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

/**
 * Sends each piece of stdin up to the byte `end` (newline, or NUL for `-0`) as a message,
 * without it; the final piece needs no terminator.
 */
async function sendLines(
  queue: MessageQueue,
  priority: number,
  wait: { timeoutMs?: number; signal: AbortSignal; inlineWaitMs: number },
  end: number,
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
    for (let nl = chunk.indexOf(end); nl >= 0; nl = chunk.indexOf(end, start)) {
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
