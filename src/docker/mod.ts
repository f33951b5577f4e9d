/**
 * `ipcat/docker`: a typed client of the Docker Engine API over its unix socket (or
 * `tcp://`, with TLS), with real attach, run and exec streams.
 *
 * Seed 000's question, "can a GUI start a container and read its output?", takes a few
 * lines. `run` creates, attaches before starting (so nothing printed at once is lost),
 * registers the wait, starts, and hands back the streams:
 *
 * @example
 * ```ts ignore
 * import { Docker } from "./mod.ts";
 * const docker = await Docker.fromEnv(); // DOCKER_HOST, or /var/run/docker.sock
 * const container = await docker.run({ image: "busybox", cmd: ["sh", "-c", "echo hello; echo oops >&2"] });
 * const out = new Response(container.stdout).text();
 * const err = new Response(container.stderr).text();
 * console.log(await out, await err, "exit", await container.exit);
 * await docker.remove(container.id);
 * ```
 *
 * @module
 */
export { Docker } from "./client.ts";
export type {
  AttachOptions,
  ContainerListOptions,
  ExecOptions,
  LogsOptions,
  ObjectType,
  RegisteredWait,
  WaitCondition,
} from "./client.ts";
export { type ContainerSpec, createBody, restartPolicy } from "./spec.ts";
export type { DockerEvent, EventsOptions, LogStreams } from "./monitor.ts";
export type { ImageSummary } from "./schemas.ts";
export { STREAM_BUFFER_BOUND } from "./streams.ts";
export type { ContainerStreams, ProcessStreams } from "./streams.ts";
export { IpcatError } from "../errors.ts";
export { DockerError, type DockerErrorKind } from "./errors.ts";
export { DockerApi } from "./api.ts";
export { type DockerEndpoint, resolveDockerHost } from "./host.ts";
export type { ContainerInspect, ContainerSummary, VersionInfo, WaitResponse } from "./schemas.ts";
export {
  DEFAULT_DETACH_KEYS,
  DetachWatcher,
  HijackedSession,
  type OutputSinks,
  parseDetachKeys,
} from "./session.ts";
