/**
 * `ipcat sock connect`: stdin and stdout (or a command's) relayed to a socket, raw.
 *
 * @module
 */
import { fstatSync } from "node:fs";
import { type ByteReader, type ByteWriter, runtime } from "../adapter/mod.ts";
import { defineCommand } from "../cli/command.ts";
import { duration, flag } from "../cli/options.ts";
import { formatProgress, type ProgressLine, startProgressLine } from "../cli/progress.ts";
import { IpcatError } from "../errors.ts";
import type { RawRefusal } from "../framing/raw_refusal.ts";
import { describeTarget } from "../transport/endpoint.ts";
import { dialWithWait, retryWhileStarting } from "./client.ts";
import { execOverConnection } from "./client_exec.ts";
import { checkCommand } from "./command_check.ts";
import { connectFd, connectTcpFd, relayFds } from "./fdrelay.ts";
import { connectSeqpacket, connectSeqpacketFd } from "./seqpacket.ts";
import { relaySeqpacketFds } from "./seqpacket_relay.ts";
import { clientTarget, tlsClientOptions, WAIT_HELP } from "./network.ts";
import { relay } from "./raw.ts";
import { Deadlines, timeoutOptions } from "./timeouts.ts";
import { stderrTracer, tracedReader, tracedWriter } from "./trace.ts";

/** `reader`, telling `seen` of every chunk it yields. */
function watchedReader(reader: ByteReader, seen: (chunk: Uint8Array | null) => void): ByteReader {
  return {
    async read() {
      const chunk = await reader.read();
      seen(chunk);
      return chunk;
    },
    cancel: () => reader.cancel(),
  };
}

/** `writer`, telling `seen` of every chunk it is given. */
function watchedWriter(writer: ByteWriter, seen: (chunk: Uint8Array) => void): ByteWriter {
  return {
    write(data) {
      seen(data);
      return writer.write(data);
    },
    close: () => writer.close(),
  };
}

/** The size of stdin when it is a regular file, for the progress line's ETA. */
function stdinSize(): number | undefined {
  try {
    const stat = fstatSync(0);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

/** The progress line of a relay: both directions, and the time left to send when known. */
function relayProgress(): {
  sent: (chunk: Uint8Array | null) => void;
  received: (chunk: Uint8Array) => void;
  line: ProgressLine;
} {
  const total = stdinSize();
  let sent = 0;
  let received = 0;
  const line = startProgressLine((elapsedMs) =>
    [
      formatProgress({ label: "sent", bytes: sent, total, elapsedMs }),
      formatProgress({ label: "received", bytes: received, elapsedMs }),
    ].join("   ")
  );
  return {
    sent(chunk) {
      sent += chunk?.length ?? 0;
      line.update();
    },
    received(chunk) {
      received += chunk.length;
      line.update();
    },
    line,
  };
}

/** `ipcat sock connect`. */
export const connectCommand = defineCommand({
  name: "connect",
  summary: "Pipe stdin/stdout to a socket, raw (as 'socat - UNIX-CONNECT:PATH'); or tcp://, tls://",
  usage: "PATH [-- CMD [ARGS...]]",
  description: [
    "At stdin's EOF the socket is half-closed and the reply is still read to its end: unlike",
    "socat, nothing is cut off 0.5 s later. Exits 0 when the server closes the connection;",
    "8 when an 'ipcat sock serve --raw' refused it (--max-clients), 5 when it refused its uid.",
    "With -- CMD, CMD's stdin and stdout are the connection instead of ours (socat's",
    "UNIX-CONNECT:PATH SYSTEM:CMD), for a client script that holds a conversation; the exit",
    "status is CMD's (127/126 at once when it is missing or not executable).",
    "--idle-timeout ends the connection when no data went either way for that long (exit 11),",
    "--timeout when it lasted that long in all (exit 12). --progress draws a line on stderr",
    "when it is a terminal (nothing otherwise), as pv does.",
    "--seqpacket speaks SOCK_SEQPACKET (socat's UNIX-CONNECT:PATH,socktype=5): each read of",
    "stdin (up to 64 KiB; a packet socket's packets whole) is one packet, each packet",
    "received is written out whole; stdin's EOF shuts down writing, as socat does (the peer",
    "reads it as an empty packet).",
  ].join("\n"),
  options: {
    wait: duration(WAIT_HELP, { default: "0" }),
    ...timeoutOptions,
    trace: flag("Dump the traffic to stderr in hex and ASCII, > sent, < received (socat -x)"),
    progress: flag(
      "On a terminal, show bytes sent and received, rates, and the ETA when stdin is a file",
    ),
    seqpacket: flag("A SOCK_SEQPACKET unix socket: message boundaries kept (socat's socktype=5)"),
    ...tlsClientOptions,
  },
  positionals: { min: 1 },
  examples: [
    [
      "echo START | ipcat sock connect --wait 10 /ipc/app.sock",
      "Seed 001's client: send START, print SUCCESS or FAIL",
    ],
    [
      "ipcat sock connect --wait 10 /ipc/app.sock -- ./client_app.sh",
      "A conversational client script talks to the server on its stdin/stdout",
    ],
  ],
  async run({ options, args, rest }) {
    if (args.length - rest.length > 1) {
      throw new IpcatError("usage", `unexpected '${args[1]}' before --`, {
        hint: "write the command after --: ipcat sock connect PATH -- CMD ARGS",
      });
    }
    const target = clientTarget(args[0]!, options);
    const path = describeTarget(target);
    const wait = options.wait / 1000;
    const limits = { idle: options["idle-timeout"], total: options.timeout };
    if (options.seqpacket && !("unix" in target)) {
      throw new IpcatError("usage", `--seqpacket applies to unix sockets, not ${path}`, {
        hint: "give a socket path (or @name), or drop --seqpacket",
      });
    }
    const dial = options.seqpacket
      ? () => retryWhileStarting(path, wait, () => connectSeqpacket(path))
      : () => dialWithWait(target, wait);
    if (rest.length > 0) {
      if (options.trace || options.progress) {
        const flagName = options.trace ? "--trace" : "--progress";
        throw new IpcatError("usage", `connect ${flagName} does not apply with -- CMD`, {
          hint: options.trace
            ? "trace without CMD, or on the server (serve --raw --trace)"
            : "show progress without CMD: ipcat sock connect --progress PATH < FILE",
        });
      }
      checkCommand(rest[0]!);
      const outcome = await execOverConnection(
        await dial(),
        rest,
        limits,
        path,
      );
      if ("status" in outcome) return outcome.status;
      throw refusedError(outcome.refusal, path);
    }
    // Off a terminal --progress draws nothing, so the fast descriptor relay stays.
    const progress = options.progress && runtime.isTerminal(2) ? relayProgress() : null;
    if (limits.idle !== undefined || limits.total !== undefined || options.trace || progress) {
      // Timed, traced or counted: relayed on the event loop, where the timers run and the
      // bytes pass through us (the descriptor relays block the loop and bypass us).
      const conn = await dial();
      const deadlines = new Deadlines(limits, path, () => conn.close());
      const trace = options.trace ? stderrTracer(path) : null;
      const input = watchedReader(runtime.stdin, (chunk) => {
        deadlines.touch();
        progress?.sent(chunk);
      });
      const output = watchedWriter(runtime.stdout, (chunk) => {
        deadlines.touch();
        progress?.received(chunk);
      });
      let refusal: RawRefusal | null;
      try {
        refusal = await relay(
          conn,
          trace ? tracedReader(input, trace, ">") : input,
          trace ? tracedWriter(output, trace, "<") : output,
        );
      } finally {
        deadlines.stop();
        await progress?.line.done();
      }
      await trace?.flushed();
      if (deadlines.expired) throw deadlines.expired;
      if (refusal === null) return 0;
      throw refusedError(refusal, path);
    }
    if (options.seqpacket) {
      const fd = await retryWhileStarting(path, wait, () => connectSeqpacketFd(path));
      const refusal = relaySeqpacketFds(fd);
      if (refusal === null) return 0;
      throw refusedError(refusal, path);
    }
    // Unix and plain TCP sockets are relayed by descriptor where libc loads; TLS through
    // the runtime's connection.
    const socket = "unix" in target
      ? await retryWhileStarting(path, wait, () => connectFd(path))
      : !target.tls
      ? await retryWhileStarting(target, wait, () => connectTcpFd(target.host, target.port))
      : null;
    const refusal = socket
      ? relayFds(socket)
      : await relay(await dialWithWait(target, wait), runtime.stdin, runtime.stdout);
    if (refusal === null) return 0;
    throw refusedError(refusal, path);
  },
});

/** The error of a `serve --raw` refusal notice. */
function refusedError(refusal: RawRefusal, path: string): IpcatError {
  if (refusal.cause === "permission") {
    return new IpcatError(
      "permission",
      `the server on ${path} refused this user: ${refusal.reason}`,
      { hint: "ask for your uid to be allowed (serve --allow-uid)" },
    );
  }
  return new IpcatError(
    "unavailable",
    `the server on ${path} refused the connection: ${refusal.reason}`,
    {
      hint:
        "it serves its --max-clients already: retry later, or start it with --queue to make clients wait",
    },
  );
}
