/**
 * The built-in services `ipcat.exec` and `ipcat.echo` of `ipcat sock serve`, described
 * for introspection, and the JSON messages of `ipcat.exec` with their schemas
 * (`ipcat.services` is in `typed/catalog.ts`).
 *
 * @module
 */
import { constants as osConstants } from "node:os";
import * as v from "valibot";
import type { ByteReader, Child, TerminalSize } from "../adapter/mod.ts";
import { STATUS_CODES } from "../framing/sock.ts";
import {
  DEFAULT_TERMINAL_SIZE,
  parseResize,
  requirePseudoTerminals,
  RESIZE_STREAM,
  TerminalSizeSchema,
} from "./exec_terminal.ts";
import { type EnvironmentPolicy, environmentPolicy, runEnvironment } from "./environment.ts";
import { DEFAULT_KILL_AFTER_MS, type Job, Jobs } from "./jobs.ts";
import type { Service } from "./server.ts";
import type { Channel } from "./channel.ts";
import { Bytes } from "./typed/definition.ts";
import { describeAs } from "./typed/introspection.ts";

/**
 * The streams of an `ipcat.exec` channel: the first byte of every MSG after the opening.
 *
 * @example
 * ```ts
 * import { EXEC_STREAMS } from "./services.ts";
 * const stdin = new Uint8Array([EXEC_STREAMS.stdin, ...new TextEncoder().encode("START\n")]);
 * ```
 */
export const EXEC_STREAMS = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  exit: 3,
  resize: RESIZE_STREAM,
} as const;

/**
 * The opening message of `ipcat.exec`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as v from "valibot";
 * import { ExecRequestSchema } from "./services.ts";
 * assert.ok(v.parse(ExecRequestSchema, {}).tty === false);
 * ```
 */
export const ExecRequestSchema: v.GenericSchema<
  { args?: string[]; env?: Record<string, string>; tty?: boolean; size?: TerminalSize },
  ExecRequest
> = v.strictObject({
  args: v.optional(v.array(v.string()), []),
  env: v.optional(v.record(v.string(), v.string()), {}),
  tty: v.optional(v.boolean(), false),
  size: v.optional(TerminalSizeSchema),
});
/** A validated `ipcat.exec` request; `size` is the terminal's at the start (1.3, with `tty`). */
export interface ExecRequest {
  args: string[];
  env: Record<string, string>;
  tty: boolean;
  size?: TerminalSize;
}

/**
 * The exit message of `ipcat.exec` (stream 3).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import * as v from "valibot";
 * import { ExecExitSchema } from "./services.ts";
 * assert.ok(v.parse(ExecExitSchema, { code: null, signal: "SIGTERM" }).signal === "SIGTERM");
 * ```
 */
export const ExecExitSchema: v.GenericSchema<ExecExit> = v.strictObject({
  code: v.nullable(v.pipe(v.number(), v.integer())),
  signal: v.nullable(v.string()),
});
/** A validated exit message. */
export interface ExecExit {
  code: number | null;
  signal: string | null;
}

/**
 * The answer of `ipcat.services`.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { ServicesReplySchema } from "./services.ts";
 * v.parse(ServicesReplySchema, { version: "1.0", services: ["ipcat.echo"] });
 * ```
 */
export const ServicesReplySchema: v.GenericSchema<{ version: string; services: string[] }> = v
  .strictObject({
    version: v.string(),
    services: v.array(v.string()),
  });

/**
 * The shell-style exit status of a remote exit: its code, or 128 + the signal number.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { exitStatusOf } from "./services.ts";
 * assert.ok(exitStatusOf({ code: 42, signal: null }) === 42);
 * assert.ok(exitStatusOf({ code: null, signal: "SIGKILL" }) === 137);
 * ```
 */
export function exitStatusOf(exit: ExecExit): number {
  if (exit.code !== null) return exit.code;
  const number = (osConstants.signals as Record<string, number>)[exit.signal ?? ""];
  return 128 + (number ?? 0);
}

const encoder = new TextEncoder();

/**
 * `ipcat.echo`: sends back every message, the opening one included, and ends the
 * channel (code 0) when the client half-closes.
 *
 * @example
 * ```ts ignore
 * import { serve } from "./server.ts";
 * import { echoService } from "./services.ts";
 * const server = await serve("@echo-example", { services: { "ipcat.echo": echoService } });
 * await server.close();
 * ```
 */
export const echoService: Service = describeAs((channel) => {
  // A client may send more than it accepts back: that ends its channel, not the server.
  const tooLarge = (error: unknown) =>
    channel.end(STATUS_CODES.too_large, (error as Error)?.message ?? String(error));
  channel.send(channel.opening).catch(tooLarge);
  // Sent at once when the channel's credit allows; otherwise the returned promise holds
  // back the client's credit until the echo went out (back-pressure per channel).
  channel.onMessage = (data) => {
    try {
      if (channel.trySend(data)) return;
    } catch (error) {
      tooLarge(error);
      return;
    }
    return channel.send(data).catch(tooLarge);
  };
  void channel.peerEnded.then((end) => {
    if (end.name !== "disconnected") channel.end(0);
  });
}, {
  name: "ipcat.echo",
  version: "1.0",
  open: v.pipe(Bytes, v.description("sent back first")),
  clientMessage: v.pipe(Bytes, v.description("each sent back as it is")),
  serverMessage: v.pipe(Bytes, v.description("the opening message, then each client message")),
}, "raw");

/** How introspection describes `ipcat.exec` (its MSGs are `stream: u8 | bytes`). */
const EXEC_DESCRIPTION = {
  name: "ipcat.exec",
  version: "1.1",
  open: ExecRequestSchema,
  clientMessage: v.pipe(
    Bytes,
    v.description(
      'stream byte 0 then stdin bytes, or 4 then a terminal size as JSON {"rows", "cols"}',
    ),
  ),
  serverMessage: v.pipe(
    Bytes,
    v.description(
      "stream byte 1 (stdout) or 2 (stderr) then bytes, or 3 then the exit status as JSON",
    ),
  ),
};

/** Options of {@link execService}. */
export interface ExecOptions {
  /** Let clients append arguments to the command. */
  allowArgs?: boolean;
  /**
   * Let clients run the command on a terminal (`tty` in the opening; protocol 1.3). Needs
   * a runtime with pseudo-terminals (Bun): under Deno `execService` throws.
   */
  allowTty?: boolean;
  /**
   * The commands' environment and the variables a client may set (default: the server's
   * environment, and none).
   */
  environment?: EnvironmentPolicy;
  /** Where one-line reports go (each run's exit status). */
  log?: (line: string) => void;
  /**
   * Where runs are tracked, so that a shutdown can end them all (`Jobs.endAll`).
   * Default: a set of this service's own, with the default SIGKILL grace of 5 s.
   */
  jobs?: Jobs;
}

/**
 * `ipcat.exec`: runs `argv` once per channel, streams stdin in and stdout/stderr out,
 * then sends the exit status and END 0. Each run has its own session (process group). A
 * client that disconnects, or ends the channel before the exit status arrives, gets the
 * whole group ended (SIGTERM, then SIGKILL after the grace); so does whatever the command
 * leaves running when it exits.
 *
 * @example
 * ```ts ignore
 * import { serve } from "./server.ts";
 * import { execService } from "./services.ts";
 * const server = await serve("@exec-example", { services: { "ipcat.exec": execService(["cat"]) } });
 * await server.close();
 * ```
 */
export function execService(argv: readonly string[], options: ExecOptions = {}): Service {
  if (options.allowTty) requirePseudoTerminals();
  const log = options.log ?? (() => {});
  const jobs = options.jobs ?? new Jobs(DEFAULT_KILL_AFTER_MS, log);
  const policy = options.environment ?? environmentPolicy({});
  return describeAs(
    async (channel, client) => {
      let request: ExecRequest;
      try {
        const parsed = v.safeParse(
          ExecRequestSchema,
          JSON.parse(new TextDecoder().decode(channel.opening) || "{}"),
        );
        if (!parsed.success) throw new Error(parsed.issues[0].message);
        request = parsed.output;
      } catch (error) {
        channel.end(
          STATUS_CODES.invalid_argument,
          `bad ipcat.exec request: ${(error as Error).message}`,
        );
        return;
      }
      if (request.args.length > 0 && !options.allowArgs) {
        channel.end(
          STATUS_CODES.permission_denied,
          "this server does not accept arguments (start it with --allow-args)",
        );
        return;
      }
      const environment = runEnvironment(policy, request.env);
      if ("refused" in environment) {
        channel.end(
          STATUS_CODES.permission_denied,
          `this server does not let clients set ${environment.refused} (start it with --allow-env ${environment.refused})`,
        );
        return;
      }
      if (request.tty && !options.allowTty) {
        channel.end(
          STATUS_CODES.tty_not_allowed,
          "this server does not allocate terminals (start it with --allow-tty)",
        );
        return;
      }
      const command = [...argv, ...request.args];
      const label = `client ${client.id}: ${command[0]}`;
      let job: Job;
      try {
        job = jobs.spawn(command, {
          env: environment.env,
          ...(request.tty
            ? { terminal: request.size ?? DEFAULT_TERMINAL_SIZE }
            : { stdin: "pipe", stdout: "pipe", stderr: "pipe" }),
        }, label);
      } catch (error) {
        log(`client ${client.id}: cannot run ${command[0]}: ${(error as Error)?.message ?? error}`);
        await channel.send(
          streamMessage(
            EXEC_STREAMS.stderr,
            encoder.encode(
              `ipcat: cannot run '${command[0]}': ${(error as Error)?.message ?? error}\n`,
            ),
          ),
        );
        await channel.send(
          streamMessage(
            EXEC_STREAMS.exit,
            encoder.encode(JSON.stringify({ code: 127, signal: null })),
          ),
        );
        channel.end(0);
        return;
      }
      const child = job.child;
      // A client that goes away, or ends the channel before the exit status, cancels the run.
      let exited = false;
      void channel.done.then(async (end) => {
        if (!exited) {
          await job.end(
            end.name === "disconnected"
              ? `the client's connection ended (${end.reason})`
              : `the client ended the channel (${end.name})`,
          );
          // Its output has nowhere to go: a process that left the session cannot hold it open.
          child.terminal?.close();
        }
      });
      void feedStdin(channel, child, log, label);
      // On a terminal stdout is all the terminal shows, stderr included: one stream.
      const output = Promise.all([
        pump(child.stdout!, channel, EXEC_STREAMS.stdout),
        child.stderr && pump(child.stderr, channel, EXEC_STREAMS.stderr),
      ]);
      const status = await child.exited;
      exited = true;
      // Logged now: an orphan holding the pipes must not delay it.
      log(
        `${label} exited with ${
          status.signal ? `signal ${status.signal}` : `status ${status.code}`
        }`,
      );
      await job.endLeftovers();
      // With the group gone the pipes reach EOF (unless a process left the group with a
      // setsid(2) of its own: that one is no longer the run's, and its pipes are waited for).
      await output;
      child.terminal?.close();
      if (channel.writeEnded) return;
      await channel.send(streamMessage(EXEC_STREAMS.exit, encoder.encode(JSON.stringify(status))))
        .catch(() => {});
      channel.end(0);
    },
    EXEC_DESCRIPTION,
    "raw",
  );
}

function streamMessage(stream: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength + 1);
  out[0] = stream;
  out.set(bytes, 1);
  return out;
}

/** Sends a child's output as stream messages, each no larger than the client accepts. */
async function pump(reader: ByteReader, channel: Channel, stream: number): Promise<void> {
  for (let chunk = await reader.read(); chunk !== null; chunk = await reader.read()) {
    if (channel.writeEnded) continue;
    const max = channel.maxData - 1;
    for (let off = 0; off < chunk.byteLength; off += max) {
      await channel.send(streamMessage(stream, chunk.subarray(off, off + max))).catch(() => {});
    }
  }
}

/**
 * Writes the client's stream-0 messages to the child's stdin, and applies its resize
 * messages to the child's terminal; closes stdin at the client's half-close.
 */
async function feedStdin(
  channel: Channel,
  child: Child,
  log: (line: string) => void,
  label: string,
): Promise<void> {
  const stdin = child.stdin!;
  let open = true;
  for await (const data of channel) {
    if (data[0] === EXEC_STREAMS.resize && child.terminal) {
      const size = parseResize(data.subarray(1));
      // A bad size is logged and ignored: it must not end a session someone types in.
      if (size) child.terminal.resize(size);
      else log(`${label}: ignored a malformed resize message`);
      continue;
    }
    if (!open || data[0] !== EXEC_STREAMS.stdin) continue;
    try {
      await stdin.write(data.subarray(1));
    } catch {
      open = false; // the command closed its stdin or exited: later input has nowhere to go
    }
  }
  if (open) await stdin.close().catch(() => {});
}
