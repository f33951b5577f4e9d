/**
 * `ipcat sock …`: unix-socket script servers and the routed multi-client protocol. The
 * clients are here; `serve` is in `cli_serve.ts`.
 *
 * @module
 */
import * as v from "valibot";
import { runtime } from "../adapter/mod.ts";
import { defineCommand, type Family } from "../cli/command.ts";
import { readStdin, writeOut } from "../cli/io.ts";
import { duration, flag, list } from "../cli/options.ts";
import { EXIT_CODES, IpcatError } from "../errors.ts";
import { systemCode } from "../transport/dial.ts";
import { MSG_OVERHEAD, STATUS_CODES } from "../framing/sock.ts";
import type { Channel, ChannelEnd } from "./channel.ts";
import { serve } from "./cli_serve.ts";
import { introspectCommand, subscribeCommand, typedCall } from "./cli_typed.ts";
import { connectCommand } from "./cli_connect.ts";
import { recv, send } from "./cli_datagram.ts";
import { proxy } from "./cli_proxy.ts";
import { connect, type SockClient, waitForSocket } from "./client.ts";
import { clientTarget, sockEndpoint, tlsClientOptions, WAIT_HELP, waitForPort } from "./network.ts";
import { describeTarget } from "../transport/endpoint.ts";
import { EXEC_STREAMS, ExecExitSchema, exitStatusOf } from "./services.ts";
import { onStopSignals } from "./signals.ts";
import { timeoutOptions, watchChannel } from "./timeouts.ts";
import { attachTerminal, requireTerminalServer, terminalRequest } from "./run_terminal.ts";
import { checkTty } from "../cli/terminal.ts";

const EnvPair = v.pipe(v.string(), v.regex(/^[^=]+=/, "expected KEY=VALUE"));

/** The user-facing error for a channel that ended with a non-zero code. */
function channelError(end: ChannelEnd, path: string, service: string): IpcatError {
  const detail = end.reason ? `: ${end.reason}` : "";
  switch (end.code) {
    case STATUS_CODES.disconnected:
      return new IpcatError(
        "unavailable",
        `the server on ${path} went away before ${service} finished${detail}`,
        {
          hint: "check that the server is still running, and its log",
        },
      );
    case STATUS_CODES.no_entry:
      return new IpcatError(
        "not_found",
        `the server on ${path} has no service ${service}${detail}`,
        {
          hint: service === "ipcat.exec"
            ? "start it with a command: ipcat sock serve PATH -- CMD"
            : "list them with 'ipcat sock call PATH ipcat.services'",
        },
      );
    case STATUS_CODES.permission_denied:
      return new IpcatError("permission", `${service} on ${path} refused${detail}`, {
        hint: "ask for the server to allow it",
      });
    case STATUS_CODES.too_large:
      return new IpcatError("limit", `${service} on ${path}: message too large${detail}`, {
        hint: "send smaller messages",
      });
    case STATUS_CODES.invalid_argument:
      return new IpcatError("protocol", `${service} on ${path} rejected the request${detail}`);
    case STATUS_CODES.invalid:
      return new IpcatError("usage", `${service} on ${path} refused the message${detail}`, {
        hint: `see its schema with 'ipcat sock introspect ${path} ${service}'`,
      });
    case STATUS_CODES.tty_not_allowed:
      return new IpcatError("tty_refused", `${service} on ${path} refused a terminal${detail}`, {
        hint: "start the server with --allow-tty, or run without -t",
      });
    case STATUS_CODES.deadline_exceeded:
      return new IpcatError("timeout", `${service} on ${path}: the deadline passed${detail}`, {
        hint: "give it longer with --timeout",
      });
    default:
      return new IpcatError("failed", `${service} on ${path} ended with ${end.name}${detail}`);
  }
}

/** True for the error of a write to a stdout whose reader went away. */
function outputClosed(error: unknown): boolean {
  return (error instanceof IpcatError && error.code === "broken_pipe") ||
    systemCode(error) === "EPIPE";
}

/**
 * Stdout's reader went away (`| head -1`): the rest of the answer has nowhere to go, so
 * the channel is cancelled (the server ends a run's group) and we exit as with SIGPIPE.
 */
async function readerGone(channel: Channel, client: SockClient): Promise<number> {
  channel.end(STATUS_CODES.canceled, "the client's output was closed");
  await client.close();
  return EXIT_CODES.broken_pipe;
}

/** The exit message of `ipcat.exec`, validated. */
function parseExit(body: Uint8Array, path: string) {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    json = undefined;
  }
  const exit = v.safeParse(ExecExitSchema, json);
  if (!exit.success) {
    throw new IpcatError("protocol", `the server on ${path} sent a malformed exit status`);
  }
  return exit.output;
}

const run = defineCommand({
  name: "run",
  summary: "Run the server's command (ipcat.exec): stdin in, stdout/stderr out, its exit code",
  usage: "PATH [-- ARGS...]",
  description: [
    "Streams stdin to the remote command and half-closes it at EOF; the command's stdout and",
    "stderr arrive on local stdout and stderr as they are written. The exit status is the",
    "remote command's (128+N when it died of signal N). If the server goes away mid-call,",
    "run fails at once with exit status 8. SIGINT, SIGTERM and SIGHUP cancel the remote run",
    "(the server ends its whole process group) and exit 130, 143 and 129.",
    "",
    "-t runs the command on a terminal, as 'docker exec -it': stdin must be a terminal,",
    "which is put in raw mode (Ctrl-C goes to the remote command) and restored on every way",
    "out; its size is sent at the start and on each SIGWINCH; everything the remote terminal",
    "shows arrives on stdout. The server needs --allow-tty (exit 13 otherwise).",
  ].join("\n"),
  options: {
    tty: flag("Run the command on a terminal (the server needs --allow-tty)", { short: "t" }),
    wait: duration(WAIT_HELP, { default: "0" }),
    ...timeoutOptions,
    env: list("KEY=VALUE", "Set a variable for the command (server needs --allow-env)", EnvPair, {
      short: "e",
    }),
    ...tlsClientOptions,
  },
  positionals: { min: 1 },
  examples: [
    [
      "echo START | ipcat sock run /ipc/app.sock",
      "Run the served script once; its exit code becomes ours",
    ],
    [
      "ipcat sock run --wait 30 /ipc/app.sock -- --verbose",
      "Wait for the server (instead of polling with ss), pass an argument",
    ],
    [
      "ipcat sock run -t /ipc/shell.sock",
      "An interactive shell served with 'ipcat sock serve --allow-tty /ipc/shell.sock -- bash'",
    ],
  ],
  async run({ options, args, rest }) {
    if (args.length - rest.length > 1) {
      throw new IpcatError("usage", `unexpected '${args[1]}' before --`, {
        hint: "write the command's arguments after --",
      });
    }
    const target = clientTarget(args[0]!, options);
    const path = describeTarget(target);
    const env = Object.fromEntries(
      options.env.map((
        pair,
      ) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    );
    if (options.tty) checkTty(true, true);
    const client = await connect(target, { wait: options.wait / 1000 });
    if (options.tty) await requireTerminalServer(client, path);
    const channel = client.open(
      "ipcat.exec",
      JSON.stringify({ args: rest, env, ...(options.tty ? terminalRequest() : { tty: false }) }),
    );
    const restoreTerminal = options.tty ? attachTerminal(channel) : () => {};
    try {
      return await runExec(channel, client, path, options, restoreTerminal);
    } finally {
      restoreTerminal();
    }
  },
});

/** Streams stdin to a run, its output to ours, and returns its exit status. */
async function runExec(
  channel: Channel,
  client: SockClient,
  path: string,
  options: { "idle-timeout"?: number; timeout?: number },
  restoreTerminal: () => void,
): Promise<number> {
  const deadlines = watchChannel(options, path, channel, client);
  // Interrupted: a final END cancels the remote run (the server ends its process group).
  const stop = onStopSignals(async () => {
    restoreTerminal();
    channel.end(STATUS_CODES.canceled, "the client was interrupted");
    await client.close();
  });
  void (async () => {
    for (
      let chunk = await runtime.stdin.read();
      chunk !== null && !channel.writeEnded;
      chunk = await runtime.stdin.read()
    ) {
      deadlines.touch();
      const max = channel.maxData - 1;
      for (let off = 0; off < chunk.byteLength && !channel.writeEnded; off += max) {
        const piece = chunk.subarray(off, off + max);
        const message = new Uint8Array(piece.byteLength + 1);
        message[0] = EXEC_STREAMS.stdin;
        message.set(piece, 1);
        await channel.send(message).catch(() => {});
      }
    }
    channel.closeWrite();
  })();
  let exitStatus: number | null = null;
  try {
    for await (const data of channel) {
      deadlines.touch();
      const body = data.subarray(1);
      if (data[0] === EXEC_STREAMS.stdout) await runtime.stdout.write(body);
      else if (data[0] === EXEC_STREAMS.stderr) await runtime.stderr.write(body);
      else if (data[0] === EXEC_STREAMS.exit) {
        exitStatus = exitStatusOf(parseExit(body, path));
      }
    }
  } catch (error) {
    if (!outputClosed(error)) throw error;
    return await readerGone(channel, client);
  }
  const end = await channel.done;
  deadlines.stop();
  if (stop.stopped) return await stop.stopped;
  await client.close();
  if (deadlines.expired) throw deadlines.expired;
  if (exitStatus !== null) return exitStatus;
  if (end.code === 0) {
    throw new IpcatError(
      "protocol",
      `the server on ${path} ended the command without an exit status`,
    );
  }
  throw channelError(end, path, "ipcat.exec");
}

const call = defineCommand({
  name: "call",
  summary: "Open a channel to any service, send DATA, print the replies until END",
  usage: "PATH SERVICE [DATA | -]",
  description: [
    "Sends DATA (or all of stdin for '-', or nothing) as the opening message, half-closes,",
    "and prints every reply as it arrives. With --json, each reply is one line of JSON:",
    '{"data": "text"} when it is UTF-8, {"base64": "..."} when not. A non-zero END code is',
    "an error (no_entry: exit 3, permission_denied: 5, disconnected: 8, other: 1).",
    "A typed service (protocol 1.2, see 'ipcat sock introspect') takes DATA as JSON, checked",
    "against its published schema before anything is sent (exit 2 naming the field path);",
    'its replies print as JSON lines, {"message": ...} then {"result": ...}. --timeout',
    "sends the deadline (END deadline_exceeded, exit 6). ipcat.services without DATA keeps",
    "its names-only answer (see 'ipcat sock introspect' for versions and schemas).",
  ].join("\n"),
  options: {
    json: flag("Print one JSON object per reply"),
    wait: duration(WAIT_HELP, { default: "0" }),
    ...timeoutOptions,
    ...tlsClientOptions,
  },
  positionals: { min: 2, max: 3 },
  examples: [
    ["ipcat sock call /ipc/app.sock ipcat.services --json", "List the server's services"],
    ["ipcat sock call /ipc/app.sock ipcat.echo hello", "Round trip through the echo service"],
    [
      `ipcat sock call /ipc/app.sock app.greet --json '{"name":"ada"}' --timeout 2s`,
      "Call a typed service",
    ],
  ],
  async run({ options, args }) {
    const [spec, service, data] = args as [string, string, string | undefined];
    const target = clientTarget(spec, options);
    const path = describeTarget(target);
    const opening = data === "-" ? await readStdin() : new TextEncoder().encode(data ?? "");
    const client = await connect(target, { wait: options.wait / 1000 });
    if (opening.byteLength > client.server.maxPayload - MSG_OVERHEAD) {
      client.close();
      throw new IpcatError(
        "limit",
        `the message of ${opening.byteLength} bytes is over the server's ${client.server.maxPayload}-byte limit`,
        {
          hint: "send less, or start the server with a larger --max-payload",
        },
      );
    }
    const typedEnd = await typedCall(client, path, service, opening, options.timeout)
      .catch(async (error) => {
        await client.close();
        throw error;
      });
    if (typedEnd) {
      await client.close();
      if (typedEnd.code !== 0) throw channelError(typedEnd, path, service);
      return 0;
    }
    const channel = client.open(service, opening);
    channel.closeWrite();
    const deadlines = watchChannel(options, path, channel, client);
    const decoder = new TextDecoder("utf-8", { fatal: true });
    try {
      for await (const reply of channel) {
        deadlines.touch();
        if (!options.json) {
          await writeOut(reply);
          continue;
        }
        let line: string;
        try {
          line = JSON.stringify({ data: decoder.decode(reply) });
        } catch {
          line = JSON.stringify({ base64: Buffer.from(reply).toString("base64") });
        }
        await writeOut(line + "\n");
      }
    } catch (error) {
      if (!outputClosed(error)) throw error;
      return await readerGone(channel, client);
    }
    const end = await channel.done;
    deadlines.stop();
    client.close();
    if (deadlines.expired) throw deadlines.expired;
    if (end.code !== 0) throw channelError(end, path, service);
    return 0;
  },
});

const wait = defineCommand({
  name: "wait",
  summary: "Wait until something accepts on PATH: exit 0, or 1 on timeout",
  usage: "PATH",
  description: [
    "Works across containers sharing the socket's volume, where 'ss' sees nothing. For",
    "tcp:// and tls:// it waits for the port to accept a TCP connection (no handshake).",
  ].join("\n"),
  options: {
    timeout: duration("Give up after DURATION", { default: "30s" }),
  },
  positionals: { min: 1, max: 1 },
  examples: [[
    "ipcat sock wait --timeout 60 /ipc/app.sock && ./client_app.sh",
    "Start the client once the server is up",
  ]],
  async run({ options, args }) {
    const target = sockEndpoint(args[0]!);
    const path = describeTarget(target);
    const seconds = options.timeout / 1000;
    const up = "unix" in target
      ? await waitForSocket(target.unix, seconds)
      : await waitForPort(target, seconds);
    if (up) return 0;
    throw new IpcatError(
      "failed",
      `nothing accepted connections on ${path} within ${options.timeout / 1000} s`,
      {
        hint: "start the server, or wait longer with --timeout",
      },
    );
  },
});

/** The sock family's commands. */
export const sockFamily: Family = {
  name: "sock",
  summary: "Unix-socket IPC: script server and client, socat-style raw relay, routed channels",
  description:
    "Run a script in one container from another through a socket on a shared volume, with\nexit codes and no cut-off replies, or serve the routed, multiplexed ipcat protocol.",
  commands: [
    serve,
    run,
    call,
    connectCommand,
    wait,
    send,
    recv,
    proxy,
    introspectCommand,
    subscribeCommand,
  ],
};
