/**
 * The docker CLI's configuration directory, read and written in its own layout so that
 * the CLI and ipcat share it both ways: `config.json` (`currentContext`, `detachKeys`,
 * every other key kept as it is) and the context store, one directory per context named
 * by the SHA-256 of its name (`contexts/meta/<hash>/meta.json`, TLS files under
 * `contexts/tls/<hash>/docker/`).
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { IpcatError } from "../errors.ts";
import { runtime } from "../adapter/mod.ts";

/** The context that stands for DOCKER_HOST (or the default socket); never stored. */
export const DEFAULT_CONTEXT = "default";

/** The CLI's rule for context names. */
const CONTEXT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;

/** A context's `meta.json`, other fields and endpoints kept as they were. */
export const ContextMeta = v.looseObject({
  Name: v.string(),
  Metadata: v.optional(v.looseObject({ Description: v.optional(v.string()) }), {}),
  Endpoints: v.optional(
    v.record(
      v.string(),
      v.looseObject({ Host: v.optional(v.string()), SkipTLSVerify: v.optional(v.boolean()) }),
    ),
    {},
  ),
});
export type ContextMeta = v.InferOutput<typeof ContextMeta>;

/** The part of `config.json` ipcat reads; the rest is kept untouched on writes. */
const ConfigFile = v.looseObject({
  currentContext: v.optional(v.string()),
  detachKeys: v.optional(v.string()),
});
export type ConfigFile = v.InferOutput<typeof ConfigFile>;

/** TLS files of a context, as `DOCKER_CERT_PATH` would hold them. */
export interface ContextTls {
  dir: string;
  files: string[];
}

/** `DOCKER_CONFIG`, else `~/.docker`, as the CLI chooses it. */
export function configDir(env: Record<string, string | undefined>): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), ".docker");
}

/**
 * The directory name of a context in the store.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { contextDirName } from "./contexts.ts";
 * assert.ok(contextDirName("foo") === "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae");
 * ```
 */
export function contextDirName(name: string): string {
  return runtime.sha256Hex(name);
}

/** One configuration directory: `config.json` and the context store. */
export class DockerConfig {
  constructor(readonly dir: string) {}

  get configPath(): string {
    return join(this.dir, "config.json");
  }

  /** `config.json`, or `{}` when there is none. */
  readConfig(): ConfigFile {
    let text: string;
    try {
      text = readFileSync(this.configPath, "utf8");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return {};
      throw this.#unreadable(this.configPath, error);
    }
    const parsed = v.safeParse(ConfigFile, parseJson(text, this.configPath));
    if (!parsed.success) {
      throw new IpcatError("failed", `${this.configPath}: ${parsed.issues[0].message}`, {
        hint: "fix or remove the file",
      });
    }
    return parsed.output;
  }

  /** Rewrites `config.json` through `change`, tab-indented as the CLI writes it. */
  updateConfig(change: (config: ConfigFile) => void): void {
    const config = this.readConfig();
    change(config);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(this.configPath, JSON.stringify(config, null, "\t"), { mode: 0o600 });
  }

  metaDir(name: string): string {
    return join(this.dir, "contexts", "meta", contextDirName(name));
  }

  tlsDir(name: string): string {
    return join(this.dir, "contexts", "tls", contextDirName(name));
  }

  /** The stored context `name`; fails with the CLI's "context not found" line. */
  get(name: string): ContextMeta {
    const path = join(this.metaDir(name), "meta.json");
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") {
        throw new IpcatError(
          "failed",
          `context "${name}": context not found: open ${path}: no such file or directory`,
          { hint: "'ipcat docker context ls' lists the contexts" },
        );
      }
      throw this.#unreadable(path, error);
    }
    const parsed = v.safeParse(ContextMeta, parseJson(text, path));
    if (!parsed.success) {
      throw new IpcatError("failed", `${path}: ${parsed.issues[0].message}`, {
        hint: `remove the context with 'ipcat docker context rm -f ${name}'`,
      });
    }
    return parsed.output;
  }

  exists(name: string): boolean {
    return existsSync(join(this.metaDir(name), "meta.json"));
  }

  /** Every stored context, sorted by name as the CLI lists them. */
  list(): ContextMeta[] {
    const root = join(this.dir, "contexts", "meta");
    let entries: string[];
    try {
      entries = readdirSync(root);
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return [];
      throw this.#unreadable(root, error);
    }
    const found: ContextMeta[] = [];
    for (const entry of entries) {
      if (!existsSync(join(root, entry, "meta.json"))) continue;
      const text = readFileSync(join(root, entry, "meta.json"), "utf8");
      const parsed = v.safeParse(ContextMeta, parseJson(text, join(root, entry, "meta.json")));
      if (parsed.success) found.push(parsed.output);
    }
    return found.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  }

  /** Stores a new context, with TLS files (`ca.pem`, `cert.pem`, `key.pem`) if given. */
  create(meta: ContextMeta, tls: Record<string, string> = {}): void {
    checkContextName(meta.Name);
    if (this.exists(meta.Name)) {
      throw new IpcatError("exists", `context "${meta.Name}" already exists`, {
        hint: `remove it first with 'ipcat docker context rm ${meta.Name}'`,
      });
    }
    mkdirSync(this.metaDir(meta.Name), { recursive: true, mode: 0o755 });
    writeFileSync(join(this.metaDir(meta.Name), "meta.json"), JSON.stringify(meta), {
      mode: 0o644,
    });
    if (Object.keys(tls).length === 0) return;
    const dir = join(this.tlsDir(meta.Name), "docker");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const [file, pem] of Object.entries(tls)) {
      writeFileSync(join(dir, file), pem, { mode: 0o600 });
    }
  }

  /** Removes a stored context and its TLS files. */
  remove(name: string): void {
    rmSync(this.metaDir(name), { recursive: true, force: true });
    rmSync(this.tlsDir(name), { recursive: true, force: true });
  }

  /** The TLS files stored for `name`'s docker endpoint, if any. */
  tls(name: string): ContextTls | undefined {
    const dir = join(this.tlsDir(name), "docker");
    const files = ["ca.pem", "cert.pem", "key.pem"].filter((f) => existsSync(join(dir, f)));
    return files.length ? { dir, files } : undefined;
  }

  #unreadable(path: string, error: unknown): IpcatError {
    return new IpcatError("failed", `cannot read ${path}: ${(error as Error).message}`, {
      hint: "check the file's permissions, or point DOCKER_CONFIG at another directory",
      cause: error,
    });
  }
}

/** Fails as the CLI does for a name it would not store. */
export function checkContextName(name: string): void {
  if (name === DEFAULT_CONTEXT) {
    throw new IpcatError("failed", `"${DEFAULT_CONTEXT}" is a reserved context name`, {
      hint: "choose another name",
    });
  }
  if (!CONTEXT_NAME.test(name)) {
    throw new IpcatError(
      "failed",
      `context name "${name}" is invalid, names are validated against regexp "${CONTEXT_NAME.source}"`,
      { hint: "use two or more letters, digits, '_', '.', '+' or '-'" },
    );
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new IpcatError("failed", `${path}: not JSON: ${(error as Error).message}`, {
      hint: "fix or remove the file",
      cause: error,
    });
  }
}
