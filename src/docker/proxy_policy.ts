/**
 * The policy of `ipcat docker proxy`: which Engine API requests pass. Read-only by default
 * (GET and HEAD, which includes `/_ping` and `/version`); `--allow` rules open an endpoint
 * group to more methods, for every peer or for one uid (SO_PEERCRED).
 *
 * @module
 */
import * as v from "valibot";
import { IpcatError } from "../errors.ts";

/** The endpoint groups rules name. */
export const ENDPOINT_GROUPS = [
  "containers",
  "images",
  "exec",
  "build",
  "volumes",
  "networks",
  "events",
  "system",
] as const;
/** A group, or `other` for what none names (swarm, plugins…), which only `all` opens. */
export type EndpointGroup = typeof ENDPOINT_GROUPS[number] | "other";

const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;

/** One `--allow` rule: `GROUP[:METHOD,…][@UID]`, GROUP being a group or `all`. */
export interface ProxyRule {
  group: EndpointGroup | "all";
  /** Upper-case methods, or every method. */
  methods: readonly string[] | "all";
  /** Only for peers with this uid. */
  uid?: number;
  /** The rule as written, for log lines. */
  text: string;
}

const RULE = /^(?<group>[a-z]+)(?::(?<methods>[A-Za-z,]+))?(?:@(?<uid>\d+))?$/;

/** The valibot schema of an `--allow` value. */
export const ProxyRuleText = v.pipe(
  v.string(),
  v.regex(RULE, "GROUP[:METHOD,…][@UID], e.g. containers:POST,DELETE or exec@1000"),
  v.transform(parseRule),
);

/**
 * Parses a rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRule } from "./proxy_policy.ts";
 * assert.deepEqual(parseRule("containers:post,DELETE@1000"), {
 *   group: "containers", methods: ["POST", "DELETE"], uid: 1000, text: "containers:post,DELETE@1000",
 * });
 * assert.equal(parseRule("exec").methods, "all");
 * ```
 */
export function parseRule(text: string): ProxyRule {
  const match = RULE.exec(text)?.groups;
  const group = match?.group;
  if (!match || !(group === "all" || (ENDPOINT_GROUPS as readonly string[]).includes(group!))) {
    throw new IpcatError("usage", `--allow ${text}: unknown endpoint group '${group ?? text}'`, {
      hint: `one of ${ENDPOINT_GROUPS.join(", ")} or all, e.g. --allow containers:POST`,
    });
  }
  const methods = match.methods?.split(",").filter(Boolean).map((m) => m.toUpperCase());
  const unknown = methods?.find((m) => !(METHODS as readonly string[]).includes(m));
  if (unknown) {
    throw new IpcatError("usage", `--allow ${text}: unknown method '${unknown}'`, {
      hint: `methods are ${METHODS.join(", ")}`,
    });
  }
  return {
    group: group as ProxyRule["group"],
    methods: methods ?? "all",
    ...(match.uid !== undefined ? { uid: Number(match.uid) } : {}),
    text,
  };
}

/**
 * The group of a request path (the target without its query and `/vX.Y` prefix).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endpointGroup } from "./proxy_policy.ts";
 * assert.equal(endpointGroup("/v1.43/containers/web/exec"), "exec");
 * assert.equal(endpointGroup("/v1.43/containers/json?all=1"), "containers");
 * assert.equal(endpointGroup("/_ping"), "system");
 * assert.equal(endpointGroup("/swarm/init"), "other");
 * ```
 */
export function endpointGroup(target: string): EndpointGroup {
  const path = target.split("?")[0]!.replace(/^\/v\d+\.\d+(?=\/)/, "");
  const [, first = "", , third] = path.split("/");
  if (first === "containers") return third === "exec" ? "exec" : "containers";
  if (first === "exec") return "exec";
  if (first === "images" || first === "distribution" || first === "commit") return "images";
  if (first === "build" || first === "session" || first === "grpc") return "build";
  if (first === "volumes") return "volumes";
  if (first === "networks") return "networks";
  if (first === "events") return "events";
  if (["_ping", "version", "info", "system", "auth"].includes(first)) return "system";
  return "other";
}

/** What the proxy knows of one request. */
export interface ProxyRequest {
  method: string;
  target: string;
  /** The peer's uid, or null when the runtime cannot tell (Deno). */
  uid: number | null;
  /** Whether it asks for a connection upgrade (attach, exec start, websockets…). */
  upgrade: boolean;
}

/** The verdict on a request, and the rule (or default) that gave it. */
export interface ProxyDecision {
  allowed: boolean;
  group: EndpointGroup;
  /** `read-only default`, `--allow RULE`, or why nothing allowed it. */
  because: string;
}

/**
 * Decides on one request. A read (GET, HEAD) passes by default unless it upgrades the
 * connection; an upgrade counts as a POST to its group, since it carries stdin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decide, parseRule } from "./proxy_policy.ts";
 * const rules = [parseRule("containers:POST@1000")];
 * const create = { method: "POST", target: "/v1.43/containers/create", upgrade: false };
 * assert.equal(decide(rules, { ...create, uid: 1000 }).allowed, true);
 * assert.equal(decide(rules, { ...create, uid: 0 }).allowed, false);
 * assert.equal(decide([], { method: "GET", target: "/v1.43/info", uid: 0, upgrade: false }).allowed, true);
 * ```
 */
export function decide(rules: readonly ProxyRule[], request: ProxyRequest): ProxyDecision {
  const group = endpointGroup(request.target);
  if (!isPlainPath(request.target)) {
    // The daemon's router would clean `/volumes/../containers/create` into another group.
    return {
      allowed: false,
      group,
      because: "the path is not in plain form (., .., // or %2E/%2F)",
    };
  }
  const method = request.upgrade ? "POST" : request.method.toUpperCase();
  if (method === "GET" || method === "HEAD") {
    return { allowed: true, group, because: "read-only default" };
  }
  for (const rule of rules) {
    if (rule.group !== "all" && rule.group !== group) continue;
    if (rule.methods !== "all" && !rule.methods.includes(method)) continue;
    if (rule.uid !== undefined && rule.uid !== request.uid) continue;
    return { allowed: true, group, because: `--allow ${rule.text}` };
  }
  return { allowed: false, group, because: `no rule allows ${group}:${method}` };
}

/**
 * Whether a request target's path is already clean: no `.` or `..` segment, no empty one,
 * no encoded dot or slash. Only such paths are judged by their group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPlainPath } from "./proxy_policy.ts";
 * assert.equal(isPlainPath("/v1.43/containers/json?all=1&x=../y"), true);
 * assert.equal(isPlainPath("/volumes/../containers/create"), false);
 * assert.equal(isPlainPath("/volumes/%2e%2e/containers/create"), false);
 * assert.equal(isPlainPath("//containers/create"), false);
 * ```
 */
export function isPlainPath(target: string): boolean {
  const path = target.split("?")[0]!;
  if (!path.startsWith("/") || /%2e|%2f|%5c|\\/i.test(path)) return false;
  return path.slice(1).split("/").every((segment, i, all) =>
    segment !== "." && segment !== ".." && (segment !== "" || i === all.length - 1)
  );
}

/** The message of a refusal, as the docker CLI shows it after "Error response from daemon:". */
export function refusalMessage(request: ProxyRequest, decision: ProxyDecision): string {
  const method = request.upgrade ? "POST" : request.method.toUpperCase();
  if (!isPlainPath(request.target)) {
    return `ipcat docker proxy: ${request.method} ${
      request.target.split("?")[0]
    } is refused: ${decision.because}`;
  }
  return `ipcat docker proxy: ${request.method} ${request.target.split("?")[0]} is not allowed ` +
    `(${decision.because}); the proxy's owner can allow it with --allow ${decision.group}:${method}`;
}
