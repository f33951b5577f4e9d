/**
 * The value forms of `docker run`'s flags, parsed as the docker CLI parses them:
 * `-p [IP:][HOST:]CONTAINER[/PROTO]` (with ranges), `--expose`, `--mount k=v,…`,
 * `--tmpfs`, `--device`, `--ulimit`, and Go durations for the health checks.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";

function usage(message: string, hint: string): IpcatError {
  return new IpcatError("usage", message, { hint });
}

/** A port or a range (`8000-8002`) as the list of its ports. */
function portRange(text: string, what: string): number[] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) {
    throw usage(`invalid ${what}: ${text}`, "a port such as 80, or a range such as 8000-8002");
  }
  const [from, to] = [Number(match[1]), Number(match[2] ?? match[1])];
  if (to < from || to > 65535) throw usage(`invalid ${what}: ${text}`, "ports are 1 to 65535");
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Published ports: what to expose, and the host bindings of each `PORT/PROTO`. */
export interface PortSpec {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
}

/**
 * `-p` and `--expose` values as the API's ExposedPorts and PortBindings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePorts } from "./run_flags.ts";
 * const ports = parsePorts(["127.0.0.1:8080:80", "53/udp"], ["9000"]);
 * assert.deepEqual(ports.bindings["80/tcp"], [{ HostIp: "127.0.0.1", HostPort: "8080" }]);
 * assert.deepEqual(ports.bindings["53/udp"], [{ HostIp: "", HostPort: "" }]);
 * assert.deepEqual(Object.keys(ports.exposed).sort(), ["53/udp", "80/tcp", "9000/tcp"]);
 * ```
 */
export function parsePorts(publish: readonly string[], expose: readonly string[]): PortSpec {
  const spec: PortSpec = { exposed: {}, bindings: {} };
  for (const entry of expose) {
    const [ports = "", proto = "tcp"] = entry.split("/");
    for (const port of portRange(ports, "range format for --expose")) {
      spec.exposed[`${port}/${proto}`] = {};
    }
  }
  for (const entry of publish) {
    const [address, proto = "tcp"] = entry.split("/");
    // IPv6 host addresses come in brackets: [::1]:8080:80.
    const match = /^(?:(\[[^\]]+\]|[^:]*):)?(?:([^:]*):)?([^:]+)$/.exec(address ?? "");
    if (!match) {
      throw usage(`invalid port format: ${entry}`, "use [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]");
    }
    let [, ip = "", hostPort = "", containerPort] = match;
    if (match[2] === undefined && match[1] !== undefined) [ip, hostPort] = ["", match[1]];
    ip = ip.replace(/^\[(.*)\]$/, "$1");
    const containers = portRange(containerPort!, "port format");
    const hosts = hostPort ? portRange(hostPort, "port format") : [];
    if (hosts.length > 1 && hosts.length !== containers.length) {
      throw usage(
        `invalid ranges specified for container and host ports: ${entry}`,
        "give ranges of one length",
      );
    }
    containers.forEach((port, i) => {
      const key = `${port}/${proto}`;
      spec.exposed[key] = {};
      const host = hosts.length === 0 ? "" : String(hosts.length === 1 ? hosts[0] : hosts[i]);
      (spec.bindings[key] ??= []).push({ HostIp: ip, HostPort: host });
    });
  }
  return spec;
}

/** A mount of the API (`HostConfig.Mounts`). */
export interface ApiMount {
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string };
  VolumeOptions?: {
    NoCopy?: boolean;
    DriverConfig?: { Name: string; Options?: Record<string, string> };
  };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/**
 * A `--mount` value (`type=bind,source=/a,target=/b,readonly`) as an API mount.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMount } from "./run_flags.ts";
 * assert.deepEqual(parseMount("type=bind,src=/a,dst=/b,ro"), { Type: "bind", Source: "/a", Target: "/b", ReadOnly: true });
 * ```
 */
export function parseMount(value: string, sizeOf: (text: string) => number = Number): ApiMount {
  const mount: ApiMount = { Type: "volume", Target: "" };
  for (const field of value.split(",")) {
    const [rawKey = "", ...rest] = field.split("=");
    const key = rawKey.trim().toLowerCase();
    const text = rest.join("=");
    const bool = rest.length === 0 || /^(1|true)$/i.test(text);
    switch (key) {
      case "type":
        mount.Type = text;
        break;
      case "source":
      case "src":
        mount.Source = text;
        break;
      case "target":
      case "destination":
      case "dst":
        mount.Target = text;
        break;
      case "readonly":
      case "ro":
        if (bool) mount.ReadOnly = true;
        break;
      case "bind-propagation":
        mount.BindOptions = { Propagation: text };
        break;
      case "volume-nocopy":
        mount.VolumeOptions = { ...mount.VolumeOptions, NoCopy: bool };
        break;
      case "volume-driver":
        mount.VolumeOptions = { ...mount.VolumeOptions, DriverConfig: { Name: text } };
        break;
      case "tmpfs-size":
        mount.TmpfsOptions = { ...mount.TmpfsOptions, SizeBytes: sizeOf(text) };
        break;
      case "tmpfs-mode":
        mount.TmpfsOptions = { ...mount.TmpfsOptions, Mode: parseInt(text, 8) };
        break;
      default:
        throw usage(
          `invalid field '${rawKey}' must be a key=value pair`,
          "see 'docker run --mount' forms",
        );
    }
  }
  if (!mount.Target) {
    throw usage(
      `invalid argument "${value}" for "--mount" flag: target is required`,
      "add target=PATH",
    );
  }
  return mount;
}

/** `--tmpfs /run[:OPTIONS]` values as `HostConfig.Tmpfs`. */
export function parseTmpfs(values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((value) => {
    const colon = value.indexOf(":");
    return colon < 0 ? [value, ""] : [value.slice(0, colon), value.slice(colon + 1)];
  }));
}

/** A `--device HOST[:CONTAINER[:PERMISSIONS]]` value. */
export function parseDevice(
  value: string,
): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const [host = "", second, third] = value.split(":");
  const isPermissions = (s: string | undefined) => s !== undefined && /^[rwm]{1,3}$/.test(s);
  if (third !== undefined) {
    return { PathOnHost: host, PathInContainer: second!, CgroupPermissions: third };
  }
  if (isPermissions(second)) {
    return { PathOnHost: host, PathInContainer: host, CgroupPermissions: second! };
  }
  return { PathOnHost: host, PathInContainer: second ?? host, CgroupPermissions: "rwm" };
}

/** A `--ulimit NAME=SOFT[:HARD]` value. */
export function parseUlimit(value: string): { Name: string; Soft: number; Hard: number } {
  const match = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(value);
  if (!match) {
    throw usage(`invalid ulimit argument: ${value}`, "use NAME=SOFT[:HARD], e.g. nofile=1024:2048");
  }
  return { Name: match[1]!, Soft: Number(match[2]), Hard: Number(match[3] ?? match[2]) };
}
