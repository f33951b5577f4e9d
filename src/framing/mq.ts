/**
 * The framed JSON request protocol of AppScope (`scope` + `libscope`) and AppView, as the
 * real programs put it on the wire: pure encoders and decoders over `Uint8Array`.
 *
 * A frame is one queue message: `META \0 CHUNK`, at most `msgsize` bytes. META is compact
 * JSON with a fixed key order (`{"req":R,"uniq":U,"remain":N}` for requests,
 * `{"status":S,"uniq":U,"remain":N}` for responses); `remain` counts the payload bytes not
 * yet sent, this frame's chunk included. Request frames carry one extra trailing NUL
 * (the real library joins chunks as a C string); response frames do not.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeRequest, RequestAssembler } from "./mq.ts";
 * const [frame] = encodeRequest('{"req":1}', 1234, 8192);
 * const step = new RequestAssembler().push(frame!);
 * assert.ok(step.kind === "complete");
 * ```
 *
 * @module
 */
import * as v from "valibot";
import { IpcatError } from "../errors.ts";
import { concatBytes } from "./bytes.ts";

/** The `msgsize` the real client gives both queues. */
export const DEFAULT_MSGSIZE = 8192;
/** The `maxmsg` the real client gives both queues. */
export const DEFAULT_MAXMSG = 10;
/** A joined request larger than this is refused with 400, as the real library does. */
export const MAX_REQUEST_BYTES = 1 << 20;

/** Request META: `req` 1 while more frames follow, 0 on the last. */
export interface RequestMeta {
  req: 0 | 1;
  uniq: number;
  remain: number;
}

/** Response META: 206 while more frames follow, 200 on the last, 400/500 meta-only errors. */
export interface ResponseMeta {
  status: number;
  uniq: number;
  remain: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The canonical compact META of a request frame, keys in the real programs' order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { requestMetaText } from "./mq.ts";
 * assert.ok(requestMetaText({ req: 0, uniq: 1234, remain: 9 }) === '{"req":0,"uniq":1234,"remain":9}');
 * ```
 */
export function requestMetaText(meta: RequestMeta): string {
  return `{"req":${meta.req},"uniq":${meta.uniq},"remain":${meta.remain}}`;
}

/**
 * The canonical compact META of a response frame.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { responseMetaText } from "./mq.ts";
 * assert.ok(responseMetaText({ status: 400, uniq: -1, remain: 0 }) === '{"status":400,"uniq":-1,"remain":0}');
 * ```
 */
export function responseMetaText(meta: ResponseMeta): string {
  return `{"status":${meta.status},"uniq":${meta.uniq},"remain":${meta.remain}}`;
}

function toBytes(payload: string | Uint8Array): Uint8Array {
  return typeof payload === "string" ? encoder.encode(payload) : payload;
}

/**
 * Cuts a payload into frames. `trailer` is 1 for requests (the extra NUL), 0 for responses.
 * META length depends on `remain`, so the chunk size is worked out frame by frame.
 */
function frames(
  payload: Uint8Array,
  msgsize: number,
  trailer: 0 | 1,
  metaText: (more: boolean, remain: number) => string,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  do {
    const remain = payload.byteLength - offset;
    const lastMeta = encoder.encode(metaText(false, remain));
    const lastRoom = msgsize - lastMeta.byteLength - 1 - trailer;
    const isLast = remain <= lastRoom;
    const meta = isLast ? lastMeta : encoder.encode(metaText(true, remain));
    const room = msgsize - meta.byteLength - 1 - trailer;
    if (room <= 0) {
      throw new IpcatError(
        "limit",
        `a msgsize of ${msgsize} bytes leaves no room for payload after the ${meta.byteLength}-byte META`,
        {
          hint: "use queues with a msgsize of at least 64 bytes",
        },
      );
    }
    const chunk = payload.subarray(offset, offset + Math.min(remain, room));
    const frame = new Uint8Array(meta.byteLength + 1 + chunk.byteLength + trailer);
    frame.set(meta, 0);
    frame.set(chunk, meta.byteLength + 1);
    out.push(frame);
    offset += chunk.byteLength;
  } while (offset < payload.byteLength);
  return out;
}

/**
 * Frames a request payload (JSON text) for an `In` queue of `msgsize` bytes:
 * `META\0CHUNK\0` per frame, `req` 1 on all frames but the last.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeRequest } from "./mq.ts";
 * const frames = encodeRequest('{"req":1}', 1234, 8192);
 * assert.ok(frames.length === 1 && frames[0]!.byteLength === 43);
 * ```
 */
export function encodeRequest(
  payload: string | Uint8Array,
  uniq: number,
  msgsize = DEFAULT_MSGSIZE,
): Uint8Array[] {
  return frames(
    toBytes(payload),
    msgsize,
    1,
    (more, remain) => requestMetaText({ req: more ? 1 : 0, uniq, remain }),
  );
}

/**
 * Frames a response payload (JSON text) for an `Out` queue of `msgsize` bytes:
 * `META\0CHUNK` per frame, status 206 on all frames but the last (200).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeResponse } from "./mq.ts";
 * const [frame] = encodeResponse('{"status":200,"scoped":true}', 1234, 8192);
 * assert.ok(frame!.byteLength === 67);
 * ```
 */
export function encodeResponse(
  payload: string | Uint8Array,
  uniq: number,
  msgsize = DEFAULT_MSGSIZE,
): Uint8Array[] {
  return frames(
    toBytes(payload),
    msgsize,
    0,
    (more, remain) => responseMetaText({ status: more ? 206 : 200, uniq, remain }),
  );
}

/**
 * The meta-only error response (`400` malformed request, `500` request broken off), with
 * no NUL and no payload, exactly as the real library sends it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeErrorResponse } from "./mq.ts";
 * assert.ok(encodeErrorResponse(400, -1).byteLength === 35);
 * ```
 */
export function encodeErrorResponse(status: 400 | 500, uniq: number): Uint8Array {
  return encoder.encode(responseMetaText({ status, uniq, remain: 0 }));
}

/**
 * A frame split at its first NUL, or `null` when it has none.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { splitFrame } from "./mq.ts";
 * const parts = splitFrame(new TextEncoder().encode('{"status":200}\0{}'));
 * assert.ok(parts!.chunk.byteLength === 2);
 * ```
 */
export function splitFrame(frame: Uint8Array): { meta: Uint8Array; chunk: Uint8Array } | null {
  const nul = frame.indexOf(0);
  if (nul < 0) return null;
  return { meta: frame.subarray(0, nul), chunk: frame.subarray(nul + 1) };
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const integer = v.pipe(v.number(), v.integer());
const RequestMetaSchema = v.strictObject({
  req: v.picklist([0, 1]),
  uniq: integer,
  remain: v.pipe(integer, v.minValue(0)),
});
const ResponseMetaSchema = v.object({
  status: integer,
  uniq: integer,
  remain: v.pipe(integer, v.minValue(0)),
});

/** What the server should do after one request frame. */
export type RequestStep =
  | { kind: "more" }
  | { kind: "complete"; uniq: number; payload: Uint8Array }
  | { kind: "error"; status: 400; uniq: number; reason: string };

/**
 * Reassembles one request from its frames, server side. Stricter than the real library:
 * META must be canonical, `uniq` must not change, `remain` must count down exactly, and
 * a request over {@link MAX_REQUEST_BYTES} is refused. Any fault yields a 400 step whose
 * `uniq` is the request's (or -1 when it could not be read).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeRequest, RequestAssembler } from "./mq.ts";
 * const assembler = new RequestAssembler();
 * const steps = encodeRequest('{"req":3,"cfg":{"libscope":{"log":{"level":"debug"}}}}', 556, 64).map((f) => assembler.push(f));
 * assert.ok(steps[0]!.kind === "more" && steps[1]!.kind === "complete");
 * ```
 */
export class RequestAssembler {
  #uniq: number | null = null;
  #remain = 0;
  #parts: Uint8Array[] = [];

  /** Whether a request has started and awaits more frames. */
  get started(): boolean {
    return this.#uniq !== null;
  }

  /** The `uniq` of the request in progress, or -1. */
  get uniq(): number {
    return this.#uniq ?? -1;
  }

  /** Feeds one frame. After `complete` or `error` the assembler is ready for a new request. */
  push(frame: Uint8Array): RequestStep {
    const step = this.#step(frame);
    if (step.kind !== "more") this.reset();
    return step;
  }

  /** Forgets any request in progress. */
  reset(): void {
    this.#uniq = null;
    this.#remain = 0;
    this.#parts = [];
  }

  #fail(reason: string, uniq = this.#uniq ?? -1): RequestStep {
    return { kind: "error", status: 400, uniq, reason };
  }

  #step(frame: Uint8Array): RequestStep {
    const split = splitFrame(frame);
    if (!split) return this.#fail("frame has no NUL after its META");
    const object = parseJsonObject(split.meta);
    if (!object) return this.#fail("META is not a JSON object");
    const readUniq = typeof object.uniq === "number" && Number.isInteger(object.uniq)
      ? object.uniq
      : -1;
    const parsed = v.safeParse(RequestMetaSchema, object);
    if (!parsed.success) {
      return this.#fail(`META is malformed: ${parsed.issues[0].message}`, this.#uniq ?? readUniq);
    }
    const meta = parsed.output;
    if (decoder.decode(split.meta) !== requestMetaText(meta)) {
      return this.#fail(
        "META is not canonical compact JSON (keys req, uniq, remain; no spaces)",
        this.#uniq ?? meta.uniq,
      );
    }
    if (this.#uniq !== null && meta.uniq !== this.#uniq) {
      return this.#fail(`uniq changed from ${this.#uniq} to ${meta.uniq}`);
    }
    if (this.#uniq !== null && meta.remain > this.#remain) {
      return this.#fail(`remain grew from ${this.#remain} to ${meta.remain}`);
    }
    if (this.#uniq !== null && meta.remain !== this.#remain) {
      return this.#fail(`remain is ${meta.remain}, expected ${this.#remain}`);
    }
    if (meta.remain > MAX_REQUEST_BYTES) {
      return this.#fail(`request of ${meta.remain} bytes is over the 1 MiB limit`, meta.uniq);
    }
    const chunk = split.chunk.at(-1) === 0 ? split.chunk.subarray(0, -1) : split.chunk;
    if (chunk.byteLength === 0) return this.#fail("no data after META", meta.uniq);
    if (chunk.byteLength > meta.remain) {
      return this.#fail(
        `chunk of ${chunk.byteLength} bytes is over remain ${meta.remain}`,
        meta.uniq,
      );
    }
    if (meta.req === 0 && chunk.byteLength !== meta.remain) {
      return this.#fail(
        `last frame carries ${chunk.byteLength} bytes but remain says ${meta.remain}`,
        meta.uniq,
      );
    }
    this.#uniq = meta.uniq;
    this.#parts.push(chunk.slice());
    this.#remain = meta.remain - chunk.byteLength;
    if (meta.req === 1) return { kind: "more" };
    return { kind: "complete", uniq: meta.uniq, payload: concatBytes(this.#parts) };
  }
}

/**
 * Reassembles one response, client side, and reports every inconsistency the real CLI
 * detects as an {@link IpcatError} (`protocol`): a missing META field, a `uniq` other
 * than the request's, a `remain` that grows, and the meta-only 400/500 refusals.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeResponse, ResponseAssembler } from "./mq.ts";
 * const assembler = new ResponseAssembler(555);
 * let payload: Uint8Array | null = null;
 * for (const frame of encodeResponse('{"status":200}', 555, 8192)) payload = assembler.push(frame);
 * assert.ok(new TextDecoder().decode(payload!) === '{"status":200}');
 * ```
 */
export class ResponseAssembler {
  #remain: number | null = null;
  #parts: Uint8Array[] = [];

  constructor(readonly uniq: number) {}

  /** Feeds one frame; returns the whole payload after the last frame, else `null`. */
  push(frame: Uint8Array): Uint8Array | null {
    const split = splitFrame(frame);
    const object = parseJsonObject(split ? split.meta : frame);
    if (!object) throw protocolError("the response META is not a JSON object");
    for (const field of ["status", "uniq", "remain"]) {
      if (!(field in object)) {
        throw protocolError(`the response META has no '${field}' field (missing-field)`);
      }
    }
    const parsed = v.safeParse(ResponseMetaSchema, object);
    if (!parsed.success) {
      throw protocolError(`the response META is malformed: ${parsed.issues[0].message}`);
    }
    const meta = parsed.output;
    if (meta.status === 400) {
      throw protocolError("the server refused the request as malformed (meta status 400)");
    }
    if (meta.status === 500) {
      throw protocolError(
        "the server gave up waiting for the rest of the request (meta status 500)",
      );
    }
    if (meta.uniq !== this.uniq) {
      throw protocolError(
        `the response carries uniq ${meta.uniq}, the request had ${this.uniq} (inconsistent uniq)`,
      );
    }
    if (meta.status !== 200 && meta.status !== 206) {
      throw protocolError(`the response META has unknown status ${meta.status}`);
    }
    if (!split) throw protocolError("the response frame has no NUL after its META");
    if (this.#remain !== null && meta.remain > this.#remain) {
      throw protocolError(
        `the response remain grew from ${this.#remain} to ${meta.remain} (inconsistent size)`,
      );
    }
    if (
      split.chunk.byteLength > meta.remain ||
      (meta.status === 200 && split.chunk.byteLength !== meta.remain)
    ) {
      throw protocolError(
        `a response frame carries ${split.chunk.byteLength} bytes against remain ${meta.remain} (inconsistent size)`,
      );
    }
    this.#parts.push(split.chunk.slice());
    this.#remain = meta.remain - split.chunk.byteLength;
    return meta.status === 200 ? concatBytes(this.#parts) : null;
  }
}

function protocolError(message: string): IpcatError {
  return new IpcatError("protocol", message, {
    hint: "the server does not speak the protocol as libscope does; check its version",
  });
}
