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
 * import { indentJson } from "./format.ts";
 * console.assert(indentJson('[{"a":1,"b":[]}]', "    ") === '[\n    {\n        "a": 1,\n        "b": []\n    }\n]');
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
 * import { humanDuration } from "./format.ts";
 * console.assert(humanDuration(5) === "5 seconds" && humanDuration(90) === "About a minute");
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
 * The `ps` row of one container, with the docker CLI's column names (as in `--format json`).
 *
 * @example
 * ```ts
 * import { psRow } from "./format.ts";
 * const row = psRow({ Id: "0123456789abcdef", Names: ["/web"], Image: "busybox", Command: "sh", Created: 0, State: "running", Status: "Up", Labels: {} }, 5, false);
 * console.assert(row.ID === "0123456789ab" && row.Names === "web" && row.RunningFor === "5 seconds ago");
 * ```
 */
export function psRow(
  c: ContainerSummary,
  nowSeconds: number,
  noTrunc: boolean,
): Record<string, string> {
  const command = noTrunc || c.Command.length <= 20 ? c.Command : `${c.Command.slice(0, 19)}…`;
  return {
    Command: JSON.stringify(command),
    CreatedAt: new Date(c.Created * 1000).toISOString().replace("T", " ").replace(
      /\.\d+Z$/,
      " +0000 UTC",
    ),
    ID: noTrunc ? c.Id : c.Id.slice(0, 12),
    Image: c.Image,
    Labels: Object.entries(c.Labels).map(([k, val]) => `${k}=${val}`).join(","),
    Names: c.Names.map((n) => n.replace(/^\//, "")).join(","),
    Ports: "",
    RunningFor: `${humanDuration(nowSeconds - c.Created)} ago`,
    State: c.State,
    Status: c.Status,
  };
}
