/**
 * Where the Docker daemon is: `DOCKER_HOST` (`unix://…` or `tcp://…`) and TLS from
 * `DOCKER_TLS_VERIFY` / `DOCKER_TLS` / `DOCKER_CERT_PATH`, as the docker CLI reads them.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { DialTarget } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import { parseEndpoint } from "../transport/endpoint.ts";

/** The daemon socket used when `DOCKER_HOST` is unset. */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/** A resolved daemon endpoint. */
export interface DockerEndpoint {
  /** What to dial for hijacked streams and REST calls. */
  target: DialTarget;
  /** The URL prefix of REST calls (`http://docker` for a unix socket). */
  baseUrl: string;
  /** The value of the `Host` header. */
  hostHeader: string;
  /** How the endpoint is named in messages, e.g. `unix:///var/run/docker.sock`. */
  display: string;
}

/**
 * Resolves the endpoint from `host` (else `DOCKER_HOST`, else the default socket) and the
 * TLS variables in `env`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveDockerHost } from "./host.ts";
 * const endpoint = resolveDockerHost({ DOCKER_HOST: "unix:///run/docker.sock" });
 * assert.ok(endpoint.baseUrl === "http://docker" && endpoint.display === "unix:///run/docker.sock");
 * ```
 */
export function resolveDockerHost(
  env: Record<string, string | undefined>,
  host?: string,
): DockerEndpoint {
  const spec = host ?? (env.DOCKER_HOST || DEFAULT_DOCKER_HOST);
  if (!spec.startsWith("unix://") && !spec.startsWith("tcp://")) {
    throw new IpcatError("docker", `DOCKER_HOST '${spec}' is not unix:///PATH or tcp://HOST:PORT`, {
      hint: `for example ${DEFAULT_DOCKER_HOST}`,
    });
  }
  let target: DialTarget;
  try {
    target = parseEndpoint(spec);
  } catch (error) {
    throw new IpcatError("docker", `DOCKER_HOST: ${(error as Error).message}`, {
      hint: (error as IpcatError).hint,
      cause: error,
    });
  }
  if ("unix" in target) {
    return { target, baseUrl: "http://docker", hostHeader: "docker", display: spec };
  }
  const verify = Boolean(env.DOCKER_TLS_VERIFY);
  const tls = verify || Boolean(env.DOCKER_TLS);
  const authority = target.host.includes(":")
    ? `[${target.host}]:${target.port}`
    : `${target.host}:${target.port}`;
  if (tls) {
    const dir = env.DOCKER_CERT_PATH || join(homedir(), ".docker");
    target = {
      ...target,
      tls: {
        ca: readPem(dir, "ca.pem", verify),
        cert: readPem(dir, "cert.pem", false),
        key: readPem(dir, "key.pem", false),
        verify,
      },
    };
  }
  return {
    target,
    baseUrl: `${tls ? "https" : "http"}://${authority}`,
    hostHeader: authority,
    display: spec,
  };
}

function readPem(dir: string, name: string, required: boolean): string | undefined {
  try {
    return readFileSync(join(dir, name), "utf8");
  } catch (error) {
    if (!required && (error as { code?: string }).code === "ENOENT") return undefined;
    throw new IpcatError("docker", `cannot read ${join(dir, name)}: ${(error as Error).message}`, {
      hint: "set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem",
      cause: error,
    });
  }
}
