/**
 * The vocabulary of the ipcat socket protocol, version 1 (`docs/sock-protocol.md`): its
 * constants, status codes, frame types and framing error. The codec that reads and writes
 * these frames is `./sock.ts`, which re-exports all of this.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";

/** The four magic bytes that open every frame: `IPCT`. */
export const MAGIC: readonly number[] = [0x49, 0x50, 0x43, 0x54];
/** Bytes before the payload: magic and size. */
export const HEADER_SIZE = 8;
/** The default largest payload a peer accepts (1 MiB). */
export const DEFAULT_MAX_PAYLOAD = 1 << 20;
/**
 * The protocol version this code speaks (1.1: per-channel credit; 1.2: the END codes
 * `invalid` and `deadline_exceeded` of typed services; 1.3: `ipcat.exec` on a terminal,
 * its resize message and END `tty_not_allowed`; see the spec).
 */
export const PROTOCOL_VERSION = { major: 1, minor: 3 } as const;
/**
 * CONNECT feature bit: per-channel credit-based flow control (protocol 1.1). It is in
 * force when both sides' CONNECT carry it; otherwise version 1.0's connection-level
 * back-pressure applies.
 */
export const FEATURE_CHANNEL_CREDIT = 1;
/**
 * The receive window each side grants each channel at its opening under
 * {@link FEATURE_CHANNEL_CREDIT}: data bytes of MSGs after the opening one.
 */
export const INITIAL_WINDOW = 256 * 1024;

/** The byte that opens each payload. */
export const KIND_CODES = { connect: 1, msg: 2, end: 3, ping: 4, pong: 5, credit: 6 } as const;
/** A frame kind by name. */
export type FrameKind = keyof typeof KIND_CODES;

/** Bytes of each kind's fixed body, after the kind byte. */
export const BODY_SIZE = { connect: 12, msg: 24, end: 13, ping: 8, pong: 8, credit: 12 } as const;
/** Bytes of a MSG payload before its data: kind, tag, seq, service id. */
export const MSG_OVERHEAD = 1 + BODY_SIZE.msg;
/** Bytes of an END payload before its reason: kind, tag, keep_alive, code. */
export const END_OVERHEAD = 1 + BODY_SIZE.end;
/**
 * The smallest `max_payload` a peer may announce in CONNECT (`docs/sock-protocol.md`):
 * room for every frame kind with a useful payload (an `ipcat.exec` exit status, an
 * `ipcat.services` listing, an END with a short reason). A CONNECT announcing less is
 * refused with code `invalid_argument`.
 */
export const MIN_MAX_PAYLOAD = 256;
/**
 * The largest CONNECT payload a server takes before the handshake: CONNECT's 13 bytes
 * and room for fields a later minor version may append. It bounds what a connection that
 * has not completed its handshake can make a server buffer.
 */
export const MAX_CONNECT_PAYLOAD = 64;

/** The status codes carried by CONNECT and END, as in the spec. */
export const STATUS_CODES = {
  ok: 0,
  other: 1,
  busy: 2,
  no_entry: 3,
  canceled: 4,
  timed_out: 5,
  shutdown: 6,
  out_of_memory: 7,
  disconnected: 8,
  not_connected: 9,
  already_exists: 10,
  invalid_argument: 11,
  operation_in_progress: 12,
  unsupported_version: 13,
  permission_denied: 14,
  too_large: 15,
  invalid: 16,
  deadline_exceeded: 17,
  tty_not_allowed: 18,
} as const;
/** A status by name. */
export type StatusName = keyof typeof STATUS_CODES;

const STATUS_NAMES = Object.fromEntries(
  Object.entries(STATUS_CODES).map(([name, code]) => [code, name]),
) as Record<number, StatusName>;

/**
 * The name of a status code, or `code N` for one this version does not know.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { statusName } from "./sock.ts";
 * assert.ok(statusName(3) === "no_entry");
 * assert.ok(statusName(99) === "code 99");
 * ```
 */
export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `code ${code}`;
}

/** Version handshake: the first frame each way. */
export interface ConnectFrame {
  kind: "connect";
  major: number;
  minor: number;
  features: number;
  maxPayload: number;
  code: number;
}

/** A message on a channel. `tag` and `seq` stay below 2^53 (see the spec). */
export interface MsgFrame {
  kind: "msg";
  tag: number;
  seq: number;
  serviceId: bigint;
  data: Uint8Array;
}

/** The end of a channel (final) or of one direction of it (`keepAlive`: half-close). */
export interface EndFrame {
  kind: "end";
  tag: number;
  keepAlive: boolean;
  code: number;
  reason: string;
}

/** A liveness probe, or its answer. */
export interface PingFrame {
  kind: "ping" | "pong";
  nonce: bigint;
}

/** More receive window for one channel (protocol 1.1, {@link FEATURE_CHANNEL_CREDIT}). */
export interface CreditFrame {
  kind: "credit";
  tag: number;
  /** Data bytes the sender of this frame may now receive on top of what it granted before. */
  bytes: number;
}

/** Any frame of protocol version 1. */
export type Frame = ConnectFrame | MsgFrame | EndFrame | PingFrame | CreditFrame;

/** Why a byte stream is not a valid frame sequence. */
export type FrameProblem =
  | "bad_magic"
  | "empty"
  | "too_large"
  | "unknown_kind"
  | "malformed"
  | "truncated";

/**
 * A byte stream that breaks the framing. The connection it came from cannot be trusted
 * any more and is closed; `problem` says why, for the log line.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { FrameDecoder, FrameError } from "./sock.ts";
 * const d = new FrameDecoder();
 * d.push(new TextEncoder().encode("START\n"));
 * try { d.next(); } catch (e) { assert.ok(e instanceof FrameError && e.problem === "bad_magic"); }
 * ```
 */
export class FrameError extends IpcatError {
  readonly problem: FrameProblem;
  constructor(problem: FrameProblem, message: string) {
    super(problem === "too_large" ? "limit" : "protocol", message, {
      hint: problem === "bad_magic"
        ? "the peer does not speak the ipcat protocol (for line protocols use 'serve --raw' and 'connect')"
        : "the peer is broken or not an ipcat peer",
    });
    this.problem = problem;
  }
}
