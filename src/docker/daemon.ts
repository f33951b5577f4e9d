/**
 * Which daemon a docker command talks to, chosen as the docker CLI chooses it: `-H`/`--host`,
 * else `-c`/`--context`, else `DOCKER_HOST`, else `DOCKER_CONTEXT`, else `currentContext`
 * in `config.json`, else the default socket. When nothing is set and the default socket is
 * missing, the rootless daemon's socket and Podman's are tried, with a note naming the one
 * used.
 *
 * @module
 */
import { existsSync } from "node:fs";
import process from "node:process";
import { IpcatError } from "../errors.ts";
import { configDir, type ConfigFile, DEFAULT_CONTEXT, DockerConfig } from "./contexts.ts";
import { DEFAULT_DOCKER_HOST, type DockerEndpoint, resolveDockerHost } from "./host.ts";
import { parseSshHost, sshEndpoint, type SshTarget } from "./ssh.ts";

/** What the leading options of `ipcat docker` chose. */
export interface DaemonSelection {
  host?: string;
  context?: string;
}

/** A daemon found, and the lines to tell the user about how it was found. */
export interface ResolvedDaemon {
  /** The context used (`default` for `-H`, `DOCKER_HOST` and the sockets). */
  context: string;
  /** A socket or TCP endpoint, or an ssh:// host ({@link openDaemon} starts its bridge). */
  address: DockerEndpoint | SshTarget;
  notes: string[];
}

/** A daemon ready to dial: {@link resolveDaemon}, with an ssh:// host's local end started. */
export interface OpenedDaemon {
  context: string;
  endpoint: DockerEndpoint;
  notes: string[];
}

/** `host` (else DOCKER_HOST, else the default) as an endpoint, or the ssh:// host. */
function addressOf(
  env: Record<string, string | undefined>,
  host?: string,
): DockerEndpoint | SshTarget {
  const spec = host ?? env.DOCKER_HOST;
  return spec?.startsWith("ssh://") ? parseSshHost(spec) : resolveDockerHost(env, host);
}

/** Resolves the daemon and, for an ssh:// host, starts its local end. */
export async function openDaemon(
  env: Record<string, string | undefined>,
  chosen: DaemonSelection = selection,
): Promise<OpenedDaemon> {
  const { context, address, notes } = resolveDaemon(env, chosen);
  const endpoint = "target" in address ? address : await sshEndpoint(address);
  return { context, endpoint, notes };
}

/** The CLI's line when DOCKER_HOST hides a context the user chose with DOCKER_CONTEXT or `context use`. */
export const HOST_OVERRIDES_CONTEXT =
  "Warning: DOCKER_HOST environment variable overrides the active context. To use a context, either set the global --context flag, or unset DOCKER_HOST environment variable.";

let selection: DaemonSelection = {};

/** The selection {@link resolveDaemon} uses by default, set by the leading options. */
export function currentSelection(): DaemonSelection {
  return selection;
}

/**
 * Consumes the leading `-H`/`--host` and `-c`/`--context` options of `ipcat docker …`
 * (as in `docker -H unix:///run/docker.sock ps`) and returns the command line after them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentSelection, takeDaemonOptions } from "./daemon.ts";
 * assert.deepEqual(takeDaemonOptions(["-c", "work", "ps", "-a"]), ["ps", "-a"]);
 * assert.deepEqual(currentSelection(), { context: "work" });
 * ```
 */
export function takeDaemonOptions(args: readonly string[]): string[] {
  const chosen: DaemonSelection = {};
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    const long = /^--(host|context)=(.*)$/s.exec(arg);
    const key = long ? long[1] as "host" | "context" : KEYS[arg];
    if (!key) break;
    const value = long ? long[2]! : args[++i];
    if (value === undefined || value === "") {
      throw new IpcatError("usage", `flag needs an argument: ${arg}`, {
        hint: key === "host" ? "e.g. -H unix:///var/run/docker.sock" : "e.g. --context default",
      });
    }
    chosen[key] = value;
  }
  if (chosen.host !== undefined && chosen.context !== undefined) {
    throw new IpcatError(
      "failed",
      "conflicting options: cannot specify both --host and --context",
      {
        hint: "give one of them",
      },
    );
  }
  selection = chosen;
  return args.slice(i);
}

const KEYS: Record<string, "host" | "context" | undefined> = {
  "-H": "host",
  "--host": "host",
  "-c": "context",
  "--context": "context",
};

/**
 * The name of the context in use, in the CLI's order (`--context`, `-H` or DOCKER_HOST
 * meaning `default`, DOCKER_CONTEXT, `currentContext`).
 */
export function currentContextName(
  env: Record<string, string | undefined>,
  config: DockerConfig | ConfigFile,
  chosen: DaemonSelection = selection,
): string {
  if (chosen.context) return chosen.context;
  if (chosen.host || env.DOCKER_HOST) return DEFAULT_CONTEXT;
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT;
  const file = config instanceof DockerConfig ? config.readConfig() : config;
  return file.currentContext || DEFAULT_CONTEXT;
}

/**
 * `config.json` for finding the daemon: one that cannot be read is a warning, as in the
 * CLI, so that a user who cannot read it still reaches a daemon named by DOCKER_HOST.
 */
function readConfigLeniently(config: DockerConfig, notes: string[]): ConfigFile {
  try {
    return config.readConfig();
  } catch (error) {
    if (!(error instanceof IpcatError)) throw error;
    notes.push(`WARNING: Error loading config file: ${error.message}`);
    return {};
  }
}

/** The endpoint the `default` context stands for. */
export function defaultHost(
  env: Record<string, string | undefined>,
  chosen: DaemonSelection = selection,
): string {
  return chosen.host || env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
}

/** The docker endpoint of the stored context `name`, with its TLS files. */
export function contextEndpoint(config: DockerConfig, name: string): DockerEndpoint | SshTarget {
  const endpoint = config.get(name).Endpoints.docker;
  if (!endpoint?.Host) {
    throw new IpcatError("failed", `context "${name}" has no docker endpoint`, {
      hint: `recreate it with 'ipcat docker context create ${name} --docker host=…'`,
    });
  }
  if (endpoint.Host.startsWith("ssh://")) return parseSshHost(endpoint.Host);
  const tls = config.tls(name);
  return resolveDockerHost(
    tls
      ? {
        DOCKER_CERT_PATH: tls.dir,
        DOCKER_TLS: "1",
        DOCKER_TLS_VERIFY: endpoint.SkipTLSVerify ? "" : "1",
      }
      : {},
    endpoint.Host,
  );
}

/** Finds the daemon for `env` and the selection, as the docker CLI would. */
export function resolveDaemon(
  env: Record<string, string | undefined>,
  chosen: DaemonSelection = selection,
): ResolvedDaemon {
  if (chosen.host) {
    return { context: DEFAULT_CONTEXT, address: addressOf(env, chosen.host), notes: [] };
  }
  const config = new DockerConfig(configDir(env));
  const notes: string[] = [];
  const file = readConfigLeniently(config, notes);
  const context = currentContextName(env, file, chosen);
  if (context !== DEFAULT_CONTEXT) {
    return { context, address: contextEndpoint(config, context), notes };
  }
  if (env.DOCKER_HOST) {
    if (!chosen.context && (env.DOCKER_CONTEXT || file.currentContext)) {
      notes.push(HOST_OVERRIDES_CONTEXT);
    }
    return { context, address: addressOf(env), notes };
  }
  const fallback = existsSync(socketPath(DEFAULT_DOCKER_HOST))
    ? undefined
    : fallbackSockets(env).find((socket) => existsSync(socket.path));
  if (!fallback) return { context, address: resolveDockerHost(env), notes };
  const host = `unix://${fallback.path}`;
  notes.push(
    `ipcat: ${socketPath(DEFAULT_DOCKER_HOST)} is missing; using ${fallback.what} at ${host}`,
  );
  return { context, address: resolveDockerHost({ ...env, DOCKER_HOST: host }), notes };
}

/** The sockets tried when the default one is missing, in order. */
export function fallbackSockets(
  env: Record<string, string | undefined>,
): { path: string; what: string }[] {
  const runtimeDir = env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`;
  return [
    { path: `${runtimeDir}/docker.sock`, what: "the rootless Docker daemon" },
    { path: `${runtimeDir}/podman/podman.sock`, what: "Podman (rootless)" },
    { path: "/run/podman/podman.sock", what: "Podman" },
  ];
}

function socketPath(host: string): string {
  return host.slice("unix://".length);
}

/** The detach keys: the option given, else `detachKeys` in `config.json`, else `fallback`. */
export function chosenDetachKeys(
  given: string | undefined,
  fallback: string,
  env: Record<string, string | undefined> = process.env,
): string {
  if (given !== undefined) return given;
  return readConfigLeniently(new DockerConfig(configDir(env)), []).detachKeys ?? fallback;
}
