/**
 * The request catalogue of the AppScope and AppView protocols: queue names, request
 * numbers and names, and the payloads the real library answers with. Pure data and
 * functions; the frames themselves are in `src/framing/mq.ts`.
 *
 * @module
 */
import * as v from "valibot";

/** Which real program ipcat speaks for: AppScope (`scope`) or AppView (`appview`). */
export type Flavor = "scope" | "appview";

/** The request numbers 0–6, by their AppScope names. */
export const REQUESTS = {
  getSupportedCmd: 0,
  getStatus: 1,
  getCfg: 2,
  setCfg: 3,
  getTransportStatus: 4,
  getProcessDetails: 5,
  initiateSnapshot: 6,
} as const;

/**
 * The request names of a flavor, indexed by request number. AppView has no snapshot.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { requestNames } from "./protocol.ts";
 * assert.ok(requestNames("appview")[1] === "getAppViewStatus");
 * ```
 */
export function requestNames(flavor: Flavor): readonly string[] {
  return flavor === "scope"
    ? [
      "getSupportedCmd",
      "getScopeStatus",
      "getScopeCfg",
      "setScopeCfg",
      "getTransportStatus",
      "getProcessDetails",
      "initiateSnapshot",
    ]
    : [
      "getSupportedCmd",
      "getAppViewStatus",
      "getAppViewCfg",
      "setAppViewCfg",
      "getTransportStatus",
      "getProcessDetails",
    ];
}

/**
 * The two queue names of the server process `pid` (its PID inside its own namespace).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { queueNames } from "./protocol.ts";
 * assert.ok(queueNames("scope", 42).in === "/ScopeIPCIn.42");
 * ```
 */
export function queueNames(flavor: Flavor, pid: number): { in: string; out: string } {
  const prefix = flavor === "scope" ? "ScopeIPC" : "AppViewIPC";
  return { in: `/${prefix}In.${pid}`, out: `/${prefix}Out.${pid}` };
}

/**
 * The getSupportedCmd payload, key order and spelling as the real library sends it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { supportedCommandsPayload } from "./protocol.ts";
 * assert.ok(supportedCommandsPayload("scope").length === 364);
 * ```
 */
export function supportedCommandsPayload(flavor: Flavor): string {
  const commands = requestNames(flavor).map((name, id) => ({ id, name }));
  return JSON.stringify({
    status: 200,
    commands_meta: [{ id: 0, name: "completeRequestJson" }, {
      id: 1,
      name: "incompleteRequestJson",
    }],
    [flavor === "scope" ? "commands_scope" : "commands_appview"]: commands,
  });
}

/**
 * The status payload: `{"status":200,"scoped":true}` (AppView: `viewed`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { statusPayload } from "./protocol.ts";
 * assert.ok(statusPayload("scope", true) === '{"status":200,"scoped":true}');
 * ```
 */
export function statusPayload(flavor: Flavor, active: boolean): string {
  return flavor === "scope"
    ? JSON.stringify({ status: 200, scoped: active })
    : JSON.stringify({ status: 200, viewed: active });
}

/** A request payload after validation: a numeric `req`, anything else kept. */
export interface RequestPayload {
  req: number;
  [field: string]: unknown;
}

/** A request payload as the server reads it (typed out, as JSR wants public types). */
export const RequestPayloadSchema: v.GenericSchema<unknown, RequestPayload> = v.looseObject({
  req: v.pipe(v.number(), v.integer()),
});

/** A response payload: a JSON object with a numeric `status`. */
export const ResponsePayloadSchema = v.looseObject({ status: v.pipe(v.number(), v.integer()) });

/** The payload answering a request the server cannot parse (sent with META status 200). */
export const BAD_PAYLOAD_RESPONSE = '{"status":400}';
/** The payload answering a request number the server does not know. */
export const UNKNOWN_REQUEST_RESPONSE = '{"status":501}';
/** The payload answering a request the server could not carry out. */
export const FAILED_RESPONSE = '{"status":500}';
/** The plain success payload. */
export const OK_RESPONSE = '{"status":200}';
