/**
 * Registry credentials as the docker CLI keeps them without a credential helper:
 * `auths` in `config.json`, keyed by the registry host (`https://index.docker.io/v1/` for
 * Docker Hub), each `{"auth": base64("user:password")}`; and image references normalised
 * as the CLI does (`busybox` is `docker.io/library/busybox:latest`).
 *
 * @module
 */
import * as v from "valibot";
import { IpcatError } from "../errors.ts";
import { configDir, DockerConfig } from "./contexts.ts";

/** The config.json key of Docker Hub. */
export const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

const Auths = v.looseObject({
  auths: v.optional(v.record(v.string(), v.looseObject({ auth: v.optional(v.string()) })), {}),
  credsStore: v.optional(v.string()),
});

/** An image reference split as the CLI reads it. */
export interface ImageReference {
  /** The registry host, `docker.io` when none is named. */
  registry: string;
  /** The repository as the daemon names it (`127.0.0.1:5000/app`, `busybox`). */
  repository: string;
  tag?: string;
  digest?: string;
  /** The full name the CLI prints (`docker.io/library/busybox:latest`). */
  full: string;
}

/**
 * Splits `ref` into registry, repository, tag and digest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseReference } from "./registry_auth.ts";
 * assert.equal(parseReference("busybox").full, "docker.io/library/busybox");
 * assert.deepEqual(parseReference("127.0.0.1:5000/app:v1"), {
 *   registry: "127.0.0.1:5000", repository: "127.0.0.1:5000/app", tag: "v1", full: "127.0.0.1:5000/app:v1",
 * });
 * ```
 */
export function parseReference(ref: string): ImageReference {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) [rest, digest] = [rest.slice(0, at), rest.slice(at + 1)];
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) [rest, tag] = [rest.slice(0, colon), rest.slice(colon + 1)];
  const first = rest.split("/")[0]!;
  const named = rest.includes("/") && (/[.:]/.test(first) || first === "localhost");
  const registry = named ? first : "docker.io";
  const path = named ? rest.slice(first.length + 1) : rest.includes("/") ? rest : `library/${rest}`;
  const suffix = `${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`;
  return {
    registry,
    repository: rest,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
    full: `${registry}/${path}${suffix}`,
  };
}

/** The config.json key of a registry. */
export function authKey(registry: string): string {
  return registry === "docker.io" ? DOCKER_HUB_KEY : registry;
}

/** The `auths` of a config file, or the CLI-like error naming the file. */
function authsOf(
  file: unknown,
  env: Record<string, string | undefined>,
): v.InferOutput<typeof Auths> {
  const parsed = v.safeParse(Auths, file);
  if (parsed.success) return parsed.output;
  throw new IpcatError("failed", `${store(env).configPath}: auths: ${parsed.issues[0].message}`, {
    hint: "fix the file, or log in again after removing its auths",
  });
}

function store(env: Record<string, string | undefined>): DockerConfig {
  return new DockerConfig(configDir(env));
}

/** The `X-Registry-Auth` header for `registry`: the stored credentials, or `{}`. */
export function registryAuthHeader(
  registry: string,
  env: Record<string, string | undefined>,
): string {
  const config = authsOf(store(env).readConfig(), env);
  const stored = config.auths[authKey(registry)]?.auth;
  let body: Record<string, string> = {};
  if (stored) {
    const decoded = new TextDecoder().decode(Uint8Array.from(atob(stored), (c) => c.charCodeAt(0)));
    const colon = decoded.indexOf(":");
    body = {
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      serveraddress: authKey(registry),
    };
  }
  return base64Url(JSON.stringify(body));
}

/** Stores credentials for `key` as the CLI does; returns the config file's path. */
export function storeCredentials(
  key: string,
  username: string,
  password: string,
  env: Record<string, string | undefined>,
): string {
  const config = store(env);
  config.updateConfig((file) => {
    const parsed = authsOf(file, env);
    parsed.auths[key] = { auth: base64(`${username}:${password}`) };
    (file as Record<string, unknown>).auths = parsed.auths;
  });
  return config.configPath;
}

/** Removes the credentials of `key`; false when there were none. */
export function removeCredentials(key: string, env: Record<string, string | undefined>): boolean {
  let found = false;
  store(env).updateConfig((file) => {
    const parsed = authsOf(file, env);
    found = key in parsed.auths;
    delete parsed.auths[key];
    (file as Record<string, unknown>).auths = parsed.auths;
  });
  return found;
}

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

function base64Url(text: string): string {
  return base64(text).replaceAll("+", "-").replaceAll("/", "_");
}
