/**
 * `ipcat mq recv`: one message, N, or all of them, as text, JSON, a hex dump or NUL-delimited.
 *
 * @module
 */
import { defineCommand } from "../cli/command.ts";
import { duration, flag, option } from "../cli/options.ts";
import { countBetween } from "../cli/values.ts";
import { IpcatError } from "../errors.ts";
import { enterNamedNamespace, NAMESPACE_OPTIONS } from "./target_cli.ts";
import { type MessageQueue, openQueue, STREAM_INLINE_WAIT_MS } from "./queue.ts";
import { queueError } from "./queue_errors.ts";
import { abortOnSignals, abortStatus } from "./signals.ts";
import { Errno } from "../libc/mod.ts";
import { hexDump, messageJson, OutputBuffer } from "./message_output.ts";

export const recv = defineCommand({
  name: "recv",
  summary: "Receive messages (highest priority first)",
  usage: "NAME",
  description:
    'Receives one message (or --count N, or every message with --follow) and prints each on its\nown line (-0: followed by a NUL instead); --json prints {"priority":P,"data":"...",\n"received":"<ISO 8601 time>"} per line, with data that is not UTF-8 in base64 and\n"encoding":"base64" added; --hex prints "priority P, N bytes" and a hexdump -C of it. Waits for messages unless --nonblock.\nCtrl-C stops at once; every message received is printed first.',
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
    json: flag("One JSON object per message, with the time it was received"),
    hex: flag("A hex and ASCII dump of each message (as hexdump -C), after a header line"),
    null: flag("End each message with a NUL instead of a newline (for xargs -0)", {
      short: "0",
    }),
    ...NAMESPACE_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  examples: [
    ["ipcat mq recv /jobs", "Waits for one message and prints it"],
    ["ipcat mq recv /jobs --follow --json", "Prints every message as JSON until Ctrl-C"],
    ["ipcat mq recv /jobs -n 5 -t 2", "Five messages, waiting at most 2 s for each"],
    ["ipcat mq recv /jobs --follow --nonblock", "Drains the queue and exits"],
    ["ipcat mq recv /jobs --hex", "Shows the bytes of one message"],
    ["ipcat mq recv /jobs -f -0 | xargs -0 -n1 echo", "Messages that may hold newlines"],
  ],
  async run({ options, args }) {
    if ([options.json, options.hex, options.null].filter(Boolean).length > 1) {
      throw new IpcatError("usage", "--json, --hex and --null do not go together", {
        hint: "choose one way to print the messages",
      });
    }
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
const FLUSH_AT = 1 << 16;
const encoder = new TextEncoder();

async function receiveLoop(
  queue: MessageQueue,
  options: {
    count: number;
    follow: boolean;
    timeout?: number;
    nonblock: boolean;
    json: boolean;
    hex: boolean;
    null: boolean;
  },
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
      if (options.json) {
        out.add(encoder.encode(messageJson(message, queue.lastPriority, Date.now())));
        out.addByte(10);
      } else if (options.hex) {
        out.add(encoder.encode(`priority ${queue.lastPriority}, ${n} bytes\n${hexDump(message)}`));
      } else {
        out.add(message);
        out.addByte(options.null ? 0 : 10);
      }
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
