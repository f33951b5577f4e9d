/**
 * Which processes can answer the request protocol, and in which flavor: those with
 * libscope or the AppView library mapped (`/proc/PID/maps`), and `ipcat mq serve`
 * (`/proc/PID/cmdline`). What `ipcat mq ps` lists, and what the flavor hint of a timed-out
 * request looks at.
 *
 * @module
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { Flavor } from "./protocol.ts";

/** One process that can answer, as `ipcat mq ps` shows it. */
export interface Responder {
  pid: number;
  /** The PID inside its own PID namespace: the one its queues are named after. */
  nspid: number;
  /** Its IPC namespace, as `/proc/PID/ns/ipc` names it (`ipc:[4026531839]`). */
  ipcNamespace: string;
  flavor: Flavor;
  /** What makes it answer: the library mapped, or `ipcat mq serve`. */
  via: "libscope" | "libappview" | "ipcat";
  command: string;
}

const read = (path: string): string | null => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
};

/**
 * How process `pid` answers, or `null` when it does not (or cannot be looked at).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import process from "node:process";
 * import { responderKind } from "./discovery.ts";
 * assert.equal(responderKind(process.pid), null);
 * ```
 */
export function responderKind(pid: number): Pick<Responder, "flavor" | "via"> | null {
  const argv = (read(`/proc/${pid}/cmdline`) ?? "").split("\0");
  const serve = argv.findIndex((arg, i) => arg === "serve" && argv[i - 1] === "mq");
  if (serve > 0 && argv.slice(0, serve).some((arg) => /ipcat|main\.ts$/.test(arg))) {
    const flavorAt = argv.indexOf("--flavor", serve);
    const inline = argv.find((arg) => arg.startsWith("--flavor="))?.slice("--flavor=".length);
    const flavor = inline ?? (flavorAt > 0 ? argv[flavorAt + 1] : "scope");
    return { flavor: flavor === "appview" ? "appview" : "scope", via: "ipcat" };
  }
  const maps = read(`/proc/${pid}/maps`);
  if (maps === null) return null;
  if (/\/libappview[^/\s]*\.so/.test(maps)) return { flavor: "appview", via: "libappview" };
  if (/\/libscope[^/\s]*\.so/.test(maps)) return { flavor: "scope", via: "libscope" };
  return null;
}

/**
 * Every process this user may look at that can answer, by PID.
 *
 * @example
 * ```ts
 * import { listResponders } from "./discovery.ts";
 * for (const r of listResponders()) console.log(r.pid, r.flavor, r.command);
 * ```
 */
export function listResponders(): Responder[] {
  const found: Responder[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const kind = responderKind(pid);
    if (!kind) continue;
    const status = read(`/proc/${pid}/status`) ?? "";
    const nspid = /^NSpid:.*?(\d+)\s*$/m.exec(status)?.[1];
    let ipcNamespace = "?";
    try {
      ipcNamespace = readlinkSync(`/proc/${pid}/ns/ipc`);
    } catch {
      // another user's process: its namespace is not ours to read
    }
    const command = (read(`/proc/${pid}/cmdline`) ?? "").split("\0").filter(Boolean).join(" ");
    found.push({ pid, nspid: nspid ? Number(nspid) : pid, ipcNamespace, ...kind, command });
  }
  return found.sort((a, b) => a.pid - b.pid);
}
