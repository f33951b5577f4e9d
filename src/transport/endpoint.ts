/**
 * Endpoint strings as users write them, turned into dial targets.
 *
 * @module
 */
import type { DialTarget } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";

/**
 * Parses `unix:///path`, `/path`, `./path`, `@abstract`, `unix://@abstract`,
 * `tcp://host:port` or `tls://host:port` into a {@link DialTarget} (TLS with no files
 * yet: the caller adds its CA and client certificate).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseEndpoint } from "./endpoint.ts";
 * assert.ok(JSON.stringify(parseEndpoint("unix:///var/run/docker.sock")) === '{"unix":"/var/run/docker.sock"}');
 * assert.ok(JSON.stringify(parseEndpoint("tcp://127.0.0.1:2375")) === '{"host":"127.0.0.1","port":2375}');
 * ```
 */
export function parseEndpoint(spec: string): DialTarget {
  if (spec.startsWith("unix://")) {
    const path = spec.slice("unix://".length);
    if (!path) {
      throw new IpcatError("usage", `endpoint '${spec}' has no socket path`, {
        hint: "write it as unix:///path/to/socket",
      });
    }
    return { unix: path };
  }
  if (spec.startsWith("tcp://") || spec.startsWith("tls://")) {
    const scheme = spec.slice(0, 3);
    const match = /^(?:tcp|tls):\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(spec);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65535) {
      throw new IpcatError("usage", `endpoint '${spec}' is not ${scheme}://HOST:PORT`, {
        hint: `for example ${scheme}://127.0.0.1:2376`,
      });
    }
    const host = match[1]!.replace(/^\[|\]$/g, "");
    return scheme === "tls" ? { host, port, tls: {} } : { host, port };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new IpcatError("usage", `unsupported endpoint scheme in '${spec}'`, {
      hint: "use unix:///path, tcp://host:port or tls://host:port",
    });
  }
  if (spec === "") {
    throw new IpcatError("usage", "empty socket path", {
      hint: "give a path such as /tmp/app.sock or @name",
    });
  }
  return { unix: spec };
}

/** How an endpoint is shown to users in messages. */
export function describeTarget(target: DialTarget): string {
  return "unix" in target
    ? target.unix
    : `${target.tls ? "tls" : "tcp"}://${target.host}:${target.port}`;
}
