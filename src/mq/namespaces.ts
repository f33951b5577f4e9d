/**
 * IPC namespaces: the PID a process has inside its own PID namespace (which names its
 * request queues), and moving the calling thread into another process's IPC namespace
 * (`setns(2)`), as the real CLI does for a process in a container.
 *
 * @module
 */
import { readFileSync, readlinkSync } from "node:fs";
import { IpcatError } from "../errors.ts";
import { CLONE_NEWIPC, cString, errnoName, O_CLOEXEC, O_RDONLY } from "../libc/mod.ts";
import { libc } from "./libc.ts";

/**
 * The PID of `pid` as seen inside its own PID namespace (the last `NSpid:` entry), which
 * is what the server names its queues after.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import process from "node:process";
 * import { namespacePid } from "./namespaces.ts";
 * assert.ok(namespacePid(process.pid) > 0);
 * ```
 */
export function namespacePid(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    throw new IpcatError("not_found", `no process with PID ${pid}`, {
      hint: "check the PID with 'ps'; it may have exited",
    });
  }
  const line = status.split("\n").find((l) => l.startsWith("NSpid:"));
  const last = line?.trim().split(/\s+/).at(-1);
  return last && /^\d+$/.test(last) ? Number(last) : pid;
}

/**
 * Moves the calling thread into the IPC namespace of `pid` when it is not already there
 * (`setns(2)`, as the real CLI does for a process in a container). Returns whether it moved.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import process from "node:process";
 * import { enterIpcNamespaceOf } from "./namespaces.ts";
 * assert.ok(enterIpcNamespaceOf(process.pid) === false);
 * ```
 */
export function enterIpcNamespaceOf(pid: number): boolean {
  let target: string;
  try {
    target = readlinkSync(`/proc/${pid}/ns/ipc`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EACCES" || code === "EPERM") {
      throw new IpcatError("permission", `cannot see the IPC namespace of process ${pid}`, {
        hint: "run as root or as the process's owner",
      });
    }
    throw new IpcatError("not_found", `no process with PID ${pid}`, {
      hint: "check the PID with 'ps'; it may have exited",
    });
  }
  if (readlinkSync("/proc/thread-self/ns/ipc") === target) return false;
  const { symbols } = libc();
  const fd = symbols.open(cString(`/proc/${pid}/ns/ipc`), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    throw new IpcatError(
      "permission",
      `cannot open the IPC namespace of process ${pid} (${errnoName(libc().errno())})`,
      { hint: "run as root" },
    );
  }
  const result = symbols.setns(fd, CLONE_NEWIPC);
  const errno = result < 0 ? libc().errno() : 0;
  symbols.close(fd);
  if (result < 0) {
    throw new IpcatError(
      "permission",
      `cannot enter the IPC namespace of process ${pid} (${errnoName(errno)})`,
      {
        hint: "entering another namespace needs CAP_SYS_ADMIN: run as root",
      },
    );
  }
  return true;
}
