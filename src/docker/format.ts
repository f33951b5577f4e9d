/**
 * Output formats shared with the docker CLI: Go's `json.Indent` (what `docker inspect`
 * prints), the `ps` row, and human durations ("5 seconds ago").
 *
 * @module
 */
import type { ContainerSummary } from "./schemas.ts";

/**
 * Re-indents JSON text as Go's `json.Indent` does, keeping the daemon's key order and
 * escapes byte for byte (`JSON.stringify` would not).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { indentJson } from "./format.ts";
 * assert.ok(indentJson('[{"a":1,"b":[]}]', "    ") === '[\n    {\n        "a": 1,\n        "b": []\n    }\n]');
 * ```
 */
export function indentJson(text: string, indent: string): string {
  let out = "";
  let depth = 0;
  let inString = false;
  let needIndent = false;
  const newline = () => "\n" + indent.repeat(depth);
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
      continue;
    }
    if (c === " " || c === "\t" || c === "\n" || c === "\r") continue;
    if (needIndent && c !== "]" && c !== "}") {
      depth++;
      out += newline();
    }
    if (needIndent && (c === "]" || c === "}")) {
      needIndent = false;
      out += c;
      continue;
    }
    needIndent = false;
    switch (c) {
      case '"':
        inString = true;
        out += c;
        break;
      case "{":
      case "[":
        out += c;
        needIndent = true;
        break;
      case ",":
        out += "," + newline();
        break;
      case ":":
        out += ": ";
        break;
      case "}":
      case "]":
        depth--;
        out += newline() + c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

/**
 * A duration as docker's `units.HumanDuration` words it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { humanDuration } from "./format.ts";
 * assert.ok(humanDuration(5) === "5 seconds" && humanDuration(90) === "About a minute");
 * ```
 */
export function humanDuration(seconds: number): string {
  if (seconds < 1) return "Less than a second";
  if (seconds < 2) return "1 second";
  if (seconds < 60) return `${Math.floor(seconds)} seconds`;
  const minutes = seconds / 60;
  if (Math.floor(minutes) === 1) return "About a minute";
  if (minutes < 60) return `${Math.floor(minutes)} minutes`;
  const hours = Math.round(minutes / 60);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

/**
 * A byte count as docker's `units.HumanSizeWithPrecision(n, precision)` writes it (decimal
 * units; `units.HumanSize` is precision 4).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { humanSize } from "./format.ts";
 * assert.equal(humanSize(0), "0B");
 * assert.equal(humanSize(1990656), "1.99MB");
 * assert.equal(humanSize(2048), "2.05kB");
 * ```
 */
export function humanSize(bytes: number, precision = 3): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${goFormatG(size, precision)}${units[unit]}`;
}

/** Go's `%.*g`: `precision` significant digits, trailing zeros dropped. */
function goFormatG(value: number, precision: number): string {
  if (value === 0) return "0";
  const text = value.toPrecision(precision);
  if (text.includes("e")) return text;
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

/** Cuts `text` to `max` characters, the last being "…", as the CLI's TruncateWithEllipsis. */
export function truncateWithEllipsis(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join("") + "…";
}

/** A container's ports as `docker ps` shows them: `0.0.0.0:8080->80/tcp, 443/tcp`. */
export function displayPorts(ports: ContainerSummary["Ports"]): string {
  const sorted = [...ports].sort((a, b) =>
    (a.Type === b.Type ? 0 : a.Type < b.Type ? -1 : 1) ||
    (a.PublicPort ?? 0) - (b.PublicPort ?? 0) || a.PrivatePort - b.PrivatePort
  );
  return sorted.map((p) =>
    p.PublicPort
      ? `${
        p.IP?.includes(":") ? `[${p.IP}]` : p.IP ?? ""
      }:${p.PublicPort}->${p.PrivatePort}/${p.Type}`
      : `${p.PrivatePort}/${p.Type}`
  ).join(", ");
}

/** `sha256:0123…` as its first 12 hex digits, as the CLI's TruncateID. */
export function truncateId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

/** A container's image as `ps` shows it: a bare ID truncated, a digest dropped from a name. */
function shortImage(image: string, imageId: string): string {
  if (image === "") return "<no image>";
  if (truncateId(image) === truncateId(imageId) || /^sha256:[0-9a-f]{64}$/.test(image)) {
    return truncateId(image);
  }
  return image.replace(/@sha256:[0-9a-f]{64}$/, "");
}

/** One `ps` row, with the docker CLI's field names (as in `--format json`, in its key order). */
export type PsRow = Record<string, string | null>;

/**
 * The `ps` row of one container, with the docker CLI's column names (as in `--format json`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { psRow } from "./format.ts";
 * const row = psRow({ Id: "0123456789abcdef", Names: ["/web"], Image: "busybox", ImageID: "", Command: "sh", Created: 0, State: "running", Status: "Up", Labels: {}, Ports: [], Mounts: [] }, 5, false);
 * assert.equal(row.ID, "0123456789ab");
 * assert.equal(row.Names, "web");
 * assert.equal(row.RunningFor, "5 seconds ago");
 * ```
 */
export function psRow(c: ContainerSummary, nowSeconds: number, noTrunc: boolean): PsRow {
  const command = noTrunc ? c.Command : truncateWithEllipsis(c.Command, 20);
  const mounts = c.Mounts.map((m) => {
    const name = m.Name || m.Source;
    return noTrunc ? name : truncateWithEllipsis(name, 15);
  });
  const size = humanSize(c.SizeRw ?? 0);
  return {
    Command: JSON.stringify(command),
    CreatedAt: new Date(c.Created * 1000).toISOString().replace("T", " ").replace(
      /\.\d+Z$/,
      " +0000 UTC",
    ),
    ID: noTrunc ? c.Id : c.Id.slice(0, 12),
    Image: noTrunc ? c.Image : shortImage(c.Image, c.ImageID),
    Labels: Object.entries(c.Labels).map(([k, val]) => `${k}=${val}`).join(","),
    LocalVolumes: String(c.Mounts.filter((m) => m.Driver === "local").length),
    Mounts: mounts.join(","),
    Names: c.Names.map((n) => n.replace(/^\//, "")).join(","),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).sort().join(","),
    // Only API 1.46 and newer names the image's platform; older answers have none.
    Platform: null,
    Ports: displayPorts(c.Ports),
    RunningFor: `${humanDuration(nowSeconds - c.Created)} ago`,
    Size: c.SizeRootFs ? `${size} (virtual ${humanSize(c.SizeRootFs)})` : size,
    State: c.State,
    Status: c.Status,
  };
}
