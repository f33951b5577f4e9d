/**
 * libscope's configuration as its `getScopeCfg` reports it: the default that
 * `cfgCreateDefault()` builds, rendered as `jsonObjectFromCfg()` renders it (key order,
 * booleans as the strings "true"/"false", ports as strings), and the transports that
 * `getTransportStatus` names for a configuration (`log`, `payload`, `cribl`, `events`,
 * `metrics`, in libscope's order). The real `scope inspect` needs both to answer.
 *
 * @module
 */

const TLS_OFF = { enable: "false", validateserver: "true", cacertpath: "" };
const ANY = { field: ".*", value: ".*" };

/**
 * libscope's default configuration (AppScope's `scopetypes.h` defaults). A fresh copy on
 * each call: the server keeps and replaces it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { defaultScopeConfig } from "./scope_config.ts";
 * assert.equal(defaultScopeConfig().libscope.log.level, "warning");
 * ```
 */
export function defaultScopeConfig() {
  return {
    metric: {
      enable: "true",
      transport: { type: "udp", host: "127.0.0.1", port: "8125", tls: { ...TLS_OFF } },
      format: { type: "statsd", statsdprefix: "", statsdmaxlen: 512, verbosity: 4 },
      watch: ["fs", "net", "http", "dns", "process", "statsd"].map((type) => ({ type })),
    },
    libscope: {
      log: {
        level: "warning",
        transport: { type: "file", path: "/tmp/scope.log", buffering: "line" },
      },
      snapshot: { coredump: "false", backtrace: "false" },
      configevent: "true",
      summaryperiod: 10,
      commanddir: "/tmp",
    },
    event: {
      enable: "true",
      transport: { type: "tcp", host: "127.0.0.1", port: "9109", tls: { ...TLS_OFF } },
      format: { type: "ndjson", maxeventpersec: 10000, enhancefs: "true" },
      watch: [
        { type: "file", name: "(\\/logs?\\/)|(\\.log$)|(\\.log[.\\d])", ...ANY },
        { type: "console", name: "(stdout)|(stderr)", ...ANY, allowbinary: "true" },
        { type: "http", name: ".*", ...ANY, headers: [] },
        { type: "net", name: ".*", ...ANY },
        { type: "fs", name: ".*", ...ANY },
        { type: "dns", name: ".*", ...ANY },
      ],
    },
    payload: { enable: "false", dir: "/tmp" },
    tags: {},
    protocol: [],
    cribl: { enable: "true", transport: { type: "edge" }, authtoken: "" },
  };
}

/** One entry of a `getTransportStatus` answer. */
export interface TransportStatus {
  name: "log" | "payload" | "cribl" | "events" | "metrics";
  config: string;
  connected: boolean;
  attempts?: number;
}

type Tree = Record<string, unknown>;
const branch = (tree: unknown, key: string): Tree =>
  tree !== null && typeof tree === "object" && key in tree
    ? ((tree as Tree)[key] as Tree) ?? {}
    : {};
const enabled = (section: Tree) => String(section.enable) === "true";

/** A transport as libscope's `configStr` spells it: `udp://host:port`, `file:///path`, `edge`. */
function transportUrl(transport: Tree): string {
  switch (transport.type) {
    case "tcp":
    case "udp":
      return `${transport.type}://${transport.host}:${transport.port}`;
    case "unix":
      return `unix://${transport.path}`;
    case "file":
      return `file://${transport.path}`;
    default:
      return String(transport.type ?? "");
  }
}

/**
 * The transports libscope would list for `config`: log always, payload when enabled, then
 * cribl when enabled (which stands for events and metrics), else events and metrics when
 * enabled. ipcat itself sends nothing anywhere, so none is connected.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { defaultScopeConfig, scopeTransports } from "./scope_config.ts";
 * assert.deepEqual(scopeTransports(defaultScopeConfig()).map((t) => t.name), ["log", "cribl"]);
 * ```
 */
export function scopeTransports(config: unknown): TransportStatus[] {
  const out: TransportStatus[] = [];
  const add = (name: TransportStatus["name"], transport: Tree) =>
    out.push({ name, config: transportUrl(transport), connected: false, attempts: 0 });
  add("log", branch(branch(branch(config, "libscope"), "log"), "transport"));
  const payload = branch(config, "payload");
  if (enabled(payload)) {
    out.push({ name: "payload", config: `dir://${payload.dir}`, connected: false, attempts: 0 });
  }
  const cribl = branch(config, "cribl");
  if (enabled(cribl)) {
    add("cribl", branch(cribl, "transport"));
    return out;
  }
  const event = branch(config, "event");
  if (enabled(event)) add("events", branch(event, "transport"));
  const metric = branch(config, "metric");
  if (enabled(metric)) add("metrics", branch(metric, "transport"));
  return out;
}
