/**
 * The client role of the AppScope/AppView request protocol: one request, one response,
 * over a queue pair created, used and removed exactly as the real CLI does it.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { IpcatError } from "../errors.ts";
import {
  DEFAULT_MAXMSG,
  DEFAULT_MSGSIZE,
  encodeRequest,
  MAX_REQUEST_BYTES,
  ResponseAssembler,
} from "../framing/mq.ts";
import * as v from "valibot";
import { type Flavor, queueNames, ResponsePayloadSchema } from "./protocol.ts";
import { type MessageQueue, openQueue, queueName, unlinkQueue, yieldToEventLoop } from "./queue.ts";
import { enterIpcNamespaceOf, namespacePid } from "./namespaces.ts";
import { responderKind } from "./discovery.ts";
import { formatSeconds } from "./queue_errors.ts";

/** Where and how to send a request. Give `pid`, or both `inQueue` and `outQueue`. */
export interface RequestOptions {
  /** The server process (its PID as this process sees it); queue names follow from it. */
  pid?: number;
  /** `scope` (default) or `appview`: the queue prefix. */
  flavor?: Flavor;
  /** The queue the server reads, instead of deriving it from `pid`. */
  inQueue?: string;
  /** The queue the server writes, instead of deriving it from `pid`. */
  outQueue?: string;
  /** Remove queues left behind by an earlier request instead of failing. */
  force?: boolean;
  /** How long to wait for the server to take the request and to answer (default 5000 ms). */
  timeoutMs?: number;
  /** Stops waiting; the queues are removed and the abort reason is thrown. */
  signal?: AbortSignal;
  /** The request id (default: random 0..9998, as the real CLI). */
  uniq?: number;
  /** `msgsize` of both queues (default 8192, as the real CLI). */
  msgsize?: number;
}

/** A reassembled response. */
export interface RequestResult {
  /** The payload JSON text exactly as received. */
  text: string;
  /** The payload parsed. */
  json: unknown;
  /** The payload's own `status` (200, 400, 500, 501), or `null` when it has none. */
  status: number | null;
  /** The queues that carried the exchange (removed again by now). */
  queues: { in: string; out: string };
}

/** Default time a request waits for the server. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/**
 * Sends one request and returns the reassembled response. The client creates both queues
 * (`O_EXCL`, maxmsg 10, msgsize 8192, under a cleared umask) and always closes and
 * removes them, on failure and abort too. A server in another IPC namespace is reached by
 * moving this thread into it (`setns`), which needs root.
 *
 * The queues are private to the exchange wherever that still lets the server in (see
 * {@link requestQueueAccess}): mode 0600, given to the server's uid when that is another
 * one. The real CLI makes them 0666, which lets any local user read the request or forge
 * the answer; ipcat does so only when the server could not open them otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import process from "node:process";
 * import { request } from "./client.ts";
 * import { serveRequests } from "./server.ts";
 * const stop = new AbortController();
 * const serving = serveRequests({ signal: stop.signal }); // this process plays libscope
 * const answer = await request({ req: 1 }, { pid: process.pid });
 * assert.deepEqual(answer.json, { status: 200, scoped: true });
 * stop.abort();
 * await serving;
 * ```
 */
export async function request(
  payload: string | object,
  options: RequestOptions,
): Promise<RequestResult> {
  const names = resolveQueues(options);
  const access = requestQueueAccess(options.pid);
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  const size = new TextEncoder().encode(text).byteLength;
  if (size > MAX_REQUEST_BYTES) {
    throw new IpcatError(
      "limit",
      `the request is ${size} bytes, over libscope's limit of 1 MiB (${MAX_REQUEST_BYTES} bytes) for one request: it would answer 400`,
      { hint: "send less: a configuration that large can be cut down, or set in parts" },
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const uniq = options.uniq ?? Math.floor(Math.random() * 9999);
  const { inQueue, outQueue } = createPair(names, options, access);
  try {
    inQueue.setNonblocking(false);
    outQueue.setNonblocking(false);
    const timedOut = () =>
      noAnswer(inQueue, names, options.pid, timeoutMs, options.flavor ?? "scope");
    const frames = encodeRequest(text, uniq, inQueue.msgsize);
    const assembler = new ResponseAssembler(uniq);
    const buffer = new Uint8Array(outQueue.msgsize);
    let response: Uint8Array | null = null;
    for (const frame of frames) {
      if (inQueue.trySend(frame)) continue;
      // In is full: the server is slow, or answered early (a refusal) and stopped reading.
      response = await sendOrHearBack(
        inQueue,
        outQueue,
        frame,
        assembler,
        buffer,
        timeoutMs,
        options.signal,
        timedOut,
      );
      if (response) break;
    }
    let deadline = Date.now() + timeoutMs;
    while (!response) {
      // The answer is often there already: the thread wait is only for when it is not.
      let length = outQueue.tryReceiveInto(buffer);
      if (length < 0) length = await outQueue.waitReceiveInto(buffer, deadline);
      if (length < 0) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (Date.now() >= deadline) throw timedOut();
        continue;
      }
      response = assembler.push(buffer.subarray(0, length));
      deadline = Date.now() + timeoutMs;
    }
    const answer = new TextDecoder().decode(response);
    let json: unknown;
    try {
      json = JSON.parse(answer);
    } catch {
      throw new IpcatError("protocol", `the response payload is not JSON: ${answer.slice(0, 80)}`, {
        hint: "the server is broken; check its version",
      });
    }
    const checked = v.safeParse(ResponsePayloadSchema, json);
    const status = checked.success ? checked.output.status : null;
    return { text: answer, json, status, queues: names };
  } finally {
    for (const queue of [inQueue, outQueue]) {
      queue.close();
      try {
        queue.unlink();
      } catch {
        // already gone: nothing left behind either way
      }
    }
  }
}

/** The mode of the request queues, and the uid to give them to (`null`: keep them). */
export interface RequestQueueAccess {
  mode: number;
  owner: number | null;
}

/** CAP_DAC_OVERRIDE: a process with it opens any queue whatever its mode. */
const CAP_DAC_OVERRIDE = 1n;

/**
 * Who must be able to open the request queues of an exchange with process `pid`, and so
 * their mode: 0600 when the server runs as this uid, or as root with CAP_DAC_OVERRIDE;
 * 0600 given to the server's uid when this process is root; 0666 (as the real CLI) only
 * when neither holds (an unprivileged client asking another user's process), or when no
 * process is named (`--in`/`--out`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import process from "node:process";
 * import { requestQueueAccess } from "./client.ts";
 * assert.ok(requestQueueAccess(process.pid).mode === 0o600);
 * ```
 */
export function requestQueueAccess(pid: number | undefined): RequestQueueAccess {
  const open = { mode: 0o666, owner: null };
  if (pid === undefined) return open;
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return open;
  }
  // The effective uid, the second of `Uid:`: the one the kernel checks queue modes against.
  const serverUid = Number(/^Uid:\s*\d+\s+(\d+)/m.exec(status)?.[1]);
  if (!Number.isInteger(serverUid)) return open;
  const me = process.getuid?.() ?? -1;
  if (serverUid === me) return { mode: 0o600, owner: null };
  if (me === 0) return { mode: 0o600, owner: serverUid };
  const capabilities = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? "0"}`);
  if (serverUid === 0 && (capabilities >> CAP_DAC_OVERRIDE) & 1n) {
    return { mode: 0o600, owner: null };
  }
  return open;
}

function resolveQueues(options: RequestOptions): { in: string; out: string } {
  if (options.inQueue !== undefined || options.outQueue !== undefined) {
    if (options.inQueue === undefined || options.outQueue === undefined) {
      throw new IpcatError("usage", "give both the In and the Out queue", {
        hint: "use --in NAME --out NAME, or --pid PID",
      });
    }
    return { in: queueName(options.inQueue), out: queueName(options.outQueue) };
  }
  if (options.pid === undefined) {
    throw new IpcatError("usage", "say which process to ask", {
      hint: "use --pid PID, or --in NAME --out NAME",
    });
  }
  const inside = namespacePid(options.pid);
  enterIpcNamespaceOf(options.pid);
  return queueNames(options.flavor ?? "scope", inside);
}

/** Creates In then Out as the real CLI does; removes stale ones first with `force`. */
function createPair(
  names: { in: string; out: string },
  options: RequestOptions,
  ownership: RequestQueueAccess,
): { inQueue: MessageQueue; outQueue: MessageQueue } {
  const create = (name: string, access: "read" | "write"): MessageQueue => {
    const attempt = () => {
      const queue = openQueue(name, {
        access,
        create: true,
        exclusive: true,
        nonblocking: true,
        mode: ownership.mode,
        maxmsg: DEFAULT_MAXMSG,
        msgsize: options.msgsize ?? DEFAULT_MSGSIZE,
      });
      if (ownership.owner === null) return queue;
      try {
        // Before anything is sent: from here on only the server's uid (and root) may open it.
        queue.chown(ownership.owner);
        return queue;
      } catch (error) {
        queue.close();
        queue.unlink();
        throw error;
      }
    };
    try {
      return attempt();
    } catch (error) {
      if (!(error instanceof IpcatError) || error.code !== "exists") throw error;
      if (!options.force) {
        throw new IpcatError(
          "exists",
          `queue ${name} already exists: left behind by a request that crashed, or another request is running`,
          {
            hint: `remove it with --force (or 'ipcat mq unlink ${name}')`,
          },
        );
      }
      unlinkQueue(name);
      return attempt();
    }
  };
  const inQueue = create(names.in, "write");
  try {
    return { inQueue, outQueue: create(names.out, "read") };
  } catch (error) {
    inQueue.close();
    unlinkQueue(names.in);
    throw error;
  }
}

async function sendOrHearBack(
  inQueue: MessageQueue,
  outQueue: MessageQueue,
  frame: Uint8Array,
  assembler: ResponseAssembler,
  buffer: Uint8Array,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  timedOut: () => IpcatError,
): Promise<Uint8Array | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = outQueue.tryReceiveInto(buffer);
    if (n >= 0) {
      const done = assembler.push(buffer.subarray(0, n));
      if (done) return done;
    }
    if (inQueue.trySend(frame)) return null;
    await yieldToEventLoop();
    if (signal?.aborted) throw signal.reason;
    if (Date.now() >= deadline) throw timedOut();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function noAnswer(
  inQueue: MessageQueue,
  names: { in: string; out: string },
  pid: number | undefined,
  timeoutMs: number,
  flavor: Flavor,
): IpcatError {
  const who = pid === undefined ? `the server of ${names.in}` : `process ${pid}`;
  const kind = pid === undefined ? null : responderKind(pid);
  if (kind && kind.flavor !== flavor) {
    return new IpcatError(
      "timeout",
      `${who} did not answer on ${names.in} within ${formatSeconds(timeoutMs)}: it runs ${
        kind.via === "ipcat" ? `'ipcat mq serve --flavor ${kind.flavor}'` : kind.via
      }, which listens on the ${kind.flavor === "appview" ? "AppViewIPC*" : "ScopeIPC*"} queues`,
      { hint: `ask it with --flavor ${kind.flavor}` },
    );
  }
  if (inQueue.attributes().curmsgs > 0) {
    return new IpcatError(
      "timeout",
      `${who} did not take the request from ${names.in} within ${
        formatSeconds(timeoutMs)
      } (timeout waiting for it to consume the message)`,
      {
        hint:
          "is the library (libscope, or 'ipcat mq serve') loaded and running in it? raise --timeout to wait longer",
      },
    );
  }
  return new IpcatError(
    "timeout",
    `${who} took the request but sent no answer on ${names.out} within ${formatSeconds(timeoutMs)}`,
    {
      hint: "raise --timeout, or check the server's own log",
    },
  );
}
