/**
 * Where the raw queue commands act: `--pid PID` or `--container NAME` move the calling
 * thread into that process's IPC namespace first (`setns`, as the protocol verbs do), so
 * that `create`, `send`, `ls` and the rest see that process's queues.
 *
 * @module
 */
import * as v from "valibot";
import { option, text } from "../cli/options.ts";
import { IpcatError } from "../errors.ts";
import { enterIpcNamespaceOf } from "./namespaces.ts";

/** A process id as typed. */
export const PidSchema = v.pipe(
  v.string(),
  v.regex(/^[1-9]\d*$/, "expected a process id"),
  v.transform(Number),
);

/** The `--pid` and `--container` options of every raw command. */
export const NAMESPACE_OPTIONS = {
  pid: option("PID", "Act in the IPC namespace of process PID (needs root)", PidSchema),
  container: text(
    "NAME",
    "Act in the IPC namespace of this running container (its PID from the Docker API; needs root)",
  ),
};

/** The process a container's main process is on this host, from the Docker API. */
async function containerPid(name: string): Promise<number> {
  // Loaded only when asked for: the mq commands do not pay for the docker client otherwise.
  const { Docker } = await import("../docker/mod.ts");
  const docker = await Docker.fromEnv();
  const state = (await docker.inspect(name)).State;
  const pid = v.safeParse(v.pipe(v.number(), v.integer(), v.minValue(1)), state.Pid);
  if (!state.Running || !pid.success) {
    throw new IpcatError("not_found", `container ${name} is not running (${state.Status})`, {
      hint: `start it first ('ipcat docker start ${name}'): only a running container has queues`,
    });
  }
  return pid.output;
}

/**
 * Enters the IPC namespace that `--pid` or `--container` names, if any.
 *
 * @example
 * ```ts
 * import process from "node:process";
 * import { enterNamedNamespace } from "./target_cli.ts";
 * await enterNamedNamespace({ pid: process.pid });
 * ```
 */
export async function enterNamedNamespace(
  options: { pid?: number; container?: string },
): Promise<void> {
  if (options.pid !== undefined && options.container !== undefined) {
    throw new IpcatError("usage", "--pid and --container do not go together", {
      hint: "name the process, or the container",
    });
  }
  const pid = options.container === undefined ? options.pid : await containerPid(options.container);
  if (pid !== undefined) enterIpcNamespaceOf(pid);
}
