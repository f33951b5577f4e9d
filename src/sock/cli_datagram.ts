/**
 * `ipcat sock send` and `ipcat sock recv`: unix datagram sockets (`/dev/log`, a
 * `NOTIFY_SOCKET`, or between two scripts), one message per datagram.
 *
 * @module
 */
import { defineCommand } from "../cli/command.ts";
import { readStdin, writeOut } from "../cli/io.ts";
import { count, flag, mode } from "../cli/options.ts";
import { bindDatagram, sendDatagram } from "./datagram.ts";
import { socketPath } from "./paths.ts";
import { onStopSignals } from "./signals.ts";

/** `ipcat sock send`. */
export const send = defineCommand({
  name: "send",
  summary: "Send DATA (or all of stdin for '-') as one datagram to a unix datagram socket",
  usage: "PATH DATA | -",
  description: [
    "For /dev/log, a NOTIFY_SOCKET or an 'ipcat sock recv'. Exits 3 when nothing is at PATH,",
    "8 when its receiver is gone, 2 when PATH is a stream socket, 9 when DATA is too large.",
  ].join("\n"),
  options: {},
  positionals: { min: 2, max: 2 },
  examples: [
    ["ipcat sock send /tmp/events.sock 'job 7 done'", "One message to a receiver"],
    ["printf '<13>ipcat: hello' | ipcat sock send /dev/log -", "A line for the system log"],
  ],
  async run({ args }) {
    const path = socketPath(args[0]!);
    const data = args[1] === "-" ? await readStdin() : new TextEncoder().encode(args[1]!);
    sendDatagram(path, data);
    return 0;
  },
});

/** `ipcat sock recv`. */
export const recv = defineCommand({
  name: "recv",
  summary: "Bind a unix datagram socket at PATH and print each datagram received",
  usage: "PATH",
  description: [
    'Prints each datagram on its own line (with --json: {"data": text} or {"base64": …}),',
    "until --count datagrams arrived or SIGINT, SIGTERM or SIGHUP; the socket file is removed",
    "on every exit. PATH may be @name (abstract).",
  ].join("\n"),
  options: {
    count: count("N", "Exit 0 after N datagrams (default: until stopped)"),
    json: flag("Print one JSON object per datagram"),
    mode: mode("Socket file mode, octal (0600: owner and root only)", { default: "0600" }),
  },
  positionals: { min: 1, max: 1 },
  examples: [
    ["ipcat sock recv --count 1 /tmp/events.sock", "Wait for one message, print it"],
  ],
  async run({ options, args }) {
    const path = socketPath(args[0]!);
    const receiver = bindDatagram(path, options.mode);
    const stop = onStopSignals(() => Promise.resolve(receiver.close()));
    const decoder = new TextDecoder("utf-8", { fatal: true });
    try {
      for (let received = 0; options.count === undefined || received < options.count; received++) {
        const datagram = await receiver.receive();
        if (stop.stopped) break;
        if (!options.json) {
          await writeOut(datagram);
          await writeOut("\n");
          continue;
        }
        let line: string;
        try {
          line = JSON.stringify({ data: decoder.decode(datagram) });
        } catch {
          line = JSON.stringify({ base64: Buffer.from(datagram).toString("base64") });
        }
        await writeOut(line + "\n");
      }
    } finally {
      receiver.close();
    }
    return stop.stopped ? await stop.stopped : 0;
  },
});
