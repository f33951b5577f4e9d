/**
 * The server role of the AppScope/AppView request protocol: what the real library does
 * inside the process being asked, and stricter about malformed requests.
 *
 * The server never creates or removes queues. It polls for the client's `In` queue,
 * reads the whole request, writes the whole response to `Out` and closes both. Polling
 * is cheap when idle (one failed `mq_open` every few milliseconds) and tight for a
 * moment after each request, so that a client asking again is answered at once.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import process from "node:process";
import * as v from "valibot";
import { encodeErrorResponse, encodeResponse, RequestAssembler } from "../framing/mq.ts";
import { IpcatError } from "../errors.ts";
import { libc } from "./libc.ts";
import {
  BAD_PAYLOAD_RESPONSE,
  FAILED_RESPONSE,
  type Flavor,
  OK_RESPONSE,
  queueNames,
  type RequestPayload,
  RequestPayloadSchema,
  REQUESTS,
  ResponsePayloadSchema,
  statusPayload,
  supportedCommandsPayload,
  UNKNOWN_REQUEST_RESPONSE,
} from "./protocol.ts";
import { type MessageQueue, tryOpenQueue, yieldToEventLoop } from "./queue.ts";
import { namespacePid } from "./namespaces.ts";
import { watchQueue } from "./queue_watch.ts";
import { defaultScopeConfig, scopeTransports } from "./scope_config.ts";

/** What a handler returns: a response payload (object or JSON text), or `undefined` for the built-in answer. */
export type HandlerResult = object | string | undefined;

/** Answers one request; see {@link ServeOptions.handler}. */
export type RequestHandler = (
  request: RequestPayload,
  context: { signal?: AbortSignal },
) => HandlerResult | Promise<HandlerResult>;

/** Something worth a log line: a request answered or refused. */
export interface ServeEvent {
  kind: "answered" | "refused" | "broken_off" | "handler_failed" | "unanswered";
  uniq: number;
  /** The request number, when the payload was readable. */
  req?: number;
  /** The response's payload status, or the meta status of a refusal. */
  status: number;
  detail?: string;
}

/** Options of {@link serveRequests}. */
export interface ServeOptions {
  /** `scope` (default) or `appview`: queue prefix and payload names. */
  flavor?: Flavor;
  /** The PID the queue names use (default: this process's PID inside its namespace). */
  pid?: number;
  /**
   * Answers requests. Return a payload, or `undefined` to fall back to the built-in
   * answer (getSupportedCmd, status, details, transports; a configuration in memory for
   * get/set cfg, libscope's default at first; 500 for snapshot; 501 for unknown numbers).
   * A throw answers `{"status":500}`.
   */
  handler?: RequestHandler;
  /** How long to wait for the rest of a multi-frame request, and for the client to read (default 1000 ms). */
  frameTimeoutMs?: number;
  /** Stops serving (after the request in hand). */
  signal?: AbortSignal;
  /** Called for each request answered or refused. */
  onEvent?: (event: ServeEvent) => void;
  /**
   * Set when nothing else runs on this event loop (as in `ipcat mq serve`): polling then
   * sleeps in the kernel, holding the event loop up to 10 ms at a time, which notices
   * requests sooner. By default polling uses timers and leaves the event loop free.
   */
  ownsEventLoop?: boolean;
}

/**
 * Idle polling step, in microseconds, where the queue cannot be watched (see
 * `./queue_watch.ts`). The real CLI gives up when its request is not taken within about
 * 50 retries of 50 µs, so a request must be noticed within a couple of milliseconds; a
 * failed `mq_open` every millisecond costs about 2 % of a core.
 */
const IDLE_POLL_US = 1000;
/**
 * With a watch, the idle server still looks this often, in case a creation was not reported
 * (the In queue was there before the watch began, say).
 */
const WATCHED_POLL_MS = 100;
/** After a request (or the In queue's creation), poll tightly this long: clients often ask again at once. */
const HOT_MS = 250;
/** The step between tight polls, in microseconds (the real library uses 50). */
const HOT_POLL_US = 50;
/** How long a burst of polls may hold the event loop (signals, timers) before it gets a turn. */
const BURST_MS = 10;

/**
 * Serves requests until `signal` aborts, answering as the real library does.
 *
 * @example
 * ```ts
 * import { serveRequests } from "./server.ts";
 * const stop = new AbortController();
 * const serving = serveRequests({
 *   pid: 4242,
 *   handler: (req) => (req.req === 2 ? { cfg: { current: { metric: { enable: true } } }, status: 200 } : undefined),
 *   signal: stop.signal,
 * });
 * stop.abort();
 * await serving;
 * ```
 */
export async function serveRequests(options: ServeOptions = {}): Promise<void> {
  const server = new Server(options);
  await server.run();
}

/** The built-in answers and the polling loop. */
class Server {
  readonly flavor: Flavor;
  readonly pid: number;
  readonly names: { in: string; out: string };
  readonly frameTimeoutMs: number;
  readonly uuid = crypto.randomUUID();
  #config: object = defaultScopeConfig();

  constructor(readonly options: ServeOptions) {
    this.flavor = options.flavor ?? "scope";
    this.pid = options.pid ?? namespacePid(process.pid);
    this.names = queueNames(this.flavor, this.pid);
    this.frameTimeoutMs = options.frameTimeoutMs ?? 1000;
  }

  async run(): Promise<void> {
    const signal = this.options.signal;
    const watch = watchQueue([this.names.in, this.names.out]);
    let hotUntil = 0;
    let falseAlarm = false;
    try {
      while (!signal?.aborted) {
        if (await this.#pollOnce()) {
          hotUntil = Date.now() + HOT_MS;
          falseAlarm = false;
          continue;
        }
        const hot = Date.now() < hotUntil;
        if (watch && (!hot || !this.options.ownsEventLoop)) {
          // Sleep until a client creates its queues, or the next poll is due.
          if (await watch.next(hot ? 1 : WATCHED_POLL_MS)) hotUntil = Date.now() + HOT_MS;
          continue;
        }
        if (!this.options.ownsEventLoop) {
          await new Promise((resolve) => setTimeout(resolve, hot ? 0 : 1));
          continue;
        }
        if (falseAlarm) {
          // A request waiting without its Out queue yet: give the loop a turn, then look again.
          falseAlarm = false;
          await yieldToEventLoop();
          continue;
        }
        falseAlarm = this.#pollBurst(hot ? HOT_POLL_US : IDLE_POLL_US);
        if (!falseAlarm) await yieldToEventLoop();
      }
    } finally {
      watch?.close();
    }
  }

  /** Sleeps in steps of `stepUs`, for up to one burst, until a request seems to be waiting. */
  #pollBurst(stepUs: number): boolean {
    const until = Date.now() + BURST_MS;
    const { symbols } = libc();
    while (Date.now() < until) {
      symbols.usleep(stepUs);
      if (this.#requestWaiting()) return true;
    }
    return false;
  }

  #requestWaiting(): boolean {
    const queue = tryOpenQueue(this.names.in, "read");
    if (!queue) return false;
    const waiting = queue.attributes().curmsgs > 0;
    queue.close();
    return waiting;
  }

  /** Handles one request if one is waiting; returns whether it did. */
  async #pollOnce(): Promise<boolean> {
    const inQueue = tryOpenQueue(this.names.in, "read");
    if (!inQueue) return false;
    try {
      if (inQueue.attributes().curmsgs === 0) return false;
      const outQueue = tryOpenQueue(this.names.out, "write");
      if (!outQueue) return false;
      try {
        await this.#exchange(inQueue, outQueue);
      } catch (error) {
        // A client's queues are the client's to break (wrong sizes, removed midway, modes
        // changed): that exchange is lost, the server is not.
        if (!(error instanceof IpcatError)) throw error;
        this.#event({ kind: "unanswered", uniq: -1, status: 0, detail: error.message });
      } finally {
        outQueue.close();
      }
      return true;
    } finally {
      inQueue.close();
    }
  }

  async #exchange(inQueue: MessageQueue, outQueue: MessageQueue): Promise<void> {
    const assembler = new RequestAssembler();
    const buffer = new Uint8Array(inQueue.msgsize);
    let deadline = Date.now() + this.frameTimeoutMs;
    for (;;) {
      let n = inQueue.tryReceiveInto(buffer);
      if (n < 0) {
        if (!assembler.started && inQueue.attributes().curmsgs === 0) return;
        n = await inQueue.waitReceiveInto(buffer, deadline);
      }
      if (n < 0) {
        if (Date.now() >= deadline) {
          this.#event({
            kind: "broken_off",
            uniq: assembler.uniq,
            status: 500,
            detail: "the rest of the request never came",
          });
          await this.#send(outQueue, [encodeErrorResponse(500, assembler.uniq)]);
          return;
        }
        continue;
      }
      const step = assembler.push(buffer.subarray(0, n));
      if (step.kind === "more") {
        deadline = Date.now() + this.frameTimeoutMs;
        continue;
      }
      if (step.kind === "error") {
        // The rest of a refused request must not be read as the next one.
        while (inQueue.tryReceiveInto(buffer) >= 0);
        this.#event({ kind: "refused", uniq: step.uniq, status: 400, detail: step.reason });
        await this.#send(outQueue, [encodeErrorResponse(400, step.uniq)]);
        return;
      }
      const answer = await this.#answer(step.payload, step.uniq);
      await this.#send(outQueue, this.#responseFrames(answer, step.uniq, outQueue));
      return;
    }
  }

  /**
   * The frames of `answer` for this Out queue. An Out queue too small for any payload
   * (a client's mistake, or a hostile one) gets the meta-only 500 when that fits, and
   * nothing otherwise; either way it is logged and the server goes on.
   */
  #responseFrames(answer: string, uniq: number, outQueue: MessageQueue): Uint8Array[] {
    try {
      return encodeResponse(answer, uniq, outQueue.msgsize);
    } catch (error) {
      if (!(error instanceof IpcatError)) throw error;
      const refusal = encodeErrorResponse(500, uniq);
      const fits = refusal.byteLength <= outQueue.msgsize;
      this.#event({
        kind: "unanswered",
        uniq,
        status: fits ? 500 : 0,
        detail:
          `${outQueue.name} has a msgsize of ${outQueue.msgsize} bytes, too small for a response${
            fits ? "; sent the meta-only 500" : ", and for a meta-only error: skipped"
          }`,
      });
      return fits ? [refusal] : [];
    }
  }

  async #send(outQueue: MessageQueue, frames: Uint8Array[]): Promise<void> {
    try {
      for (const frame of frames) {
        if (!outQueue.trySend(frame)) {
          await outQueue.send(frame, 0, {
            timeoutMs: this.frameTimeoutMs,
            signal: this.options.signal,
          });
        }
      }
    } catch (error) {
      this.#event({
        kind: "unanswered",
        uniq: -1,
        status: 0,
        detail: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #event(event: ServeEvent): void {
    this.options.onEvent?.(event);
  }

  async #answer(payload: Uint8Array, uniq: number): Promise<string> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      parsed = undefined;
    }
    const request = v.safeParse(RequestPayloadSchema, parsed);
    if (!request.success) {
      this.#event({
        kind: "answered",
        uniq,
        status: 400,
        detail: "payload is not JSON with a numeric req",
      });
      return BAD_PAYLOAD_RESPONSE;
    }
    const req = request.output.req;
    let answer: string;
    let status: number;
    try {
      // The request as sent, key order included (valibot's output puts `req` first).
      const result = await this.options.handler?.(parsed as RequestPayload, {
        signal: this.options.signal,
      });
      answer = result === undefined
        ? this.#builtIn(request.output)
        : typeof result === "string"
        ? result
        : JSON.stringify(result);
      status = responseStatus(answer);
    } catch (error) {
      this.#event({
        kind: "handler_failed",
        uniq,
        req,
        status: 500,
        detail: error instanceof Error ? error.message : String(error),
      });
      return FAILED_RESPONSE;
    }
    this.#event({ kind: "answered", uniq, req, status });
    return answer;
  }

  #builtIn(request: RequestPayload): string {
    switch (request.req) {
      case REQUESTS.getSupportedCmd:
        return supportedCommandsPayload(this.flavor);
      case REQUESTS.getStatus:
        return statusPayload(this.flavor, true);
      case REQUESTS.getCfg:
        return JSON.stringify({ cfg: { current: this.#config }, status: 200 });
      case REQUESTS.setCfg: {
        const cfg = (request as { cfg?: unknown }).cfg;
        if (cfg === null || typeof cfg !== "object" || Array.isArray(cfg)) return FAILED_RESPONSE;
        this.#config = cfg;
        return OK_RESPONSE;
      }
      case REQUESTS.getTransportStatus:
        return JSON.stringify({ status: 200, interfaces: scopeTransports(this.#config) });
      case REQUESTS.getProcessDetails:
        return JSON.stringify({
          status: 200,
          pid: this.pid,
          uuid: this.uuid,
          id: `${hostname()}-ipcat-mq-serve`,
          machine_id: machineId(),
        });
      case REQUESTS.initiateSnapshot:
        // AppView has no snapshot; ipcat itself has nothing to snapshot.
        return this.flavor === "scope" ? FAILED_RESPONSE : UNKNOWN_REQUEST_RESPONSE;
      default:
        return UNKNOWN_REQUEST_RESPONSE;
    }
  }
}

/** The `status` of a response payload; throws when the text is no such payload. */
function responseStatus(text: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new IpcatError(
      "failed",
      `handler answered with text that is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  const checked = v.safeParse(ResponsePayloadSchema, parsed);
  if (!checked.success) {
    throw new IpcatError(
      "failed",
      "handler answered with JSON that is not an object with a numeric status",
    );
  }
  return checked.output.status;
}

function machineId(): string {
  try {
    return readFileSync("/etc/machine-id", "utf8").trim();
  } catch {
    return "";
  }
}
