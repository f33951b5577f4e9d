/**
 * A build context as the docker CLI sends it: the directory as a tar stream (the repo's
 * own codec, `src/framing/tar.ts`), in lexical walk order, leaving out what
 * `.dockerignore` excludes by the CLI's rules (moby/patternmatcher): Go-style patterns
 * with `**`, `!` exceptions, the last match winning, a pattern matching a path or any of
 * its parents; the Dockerfile and `.dockerignore` are always sent.
 *
 * @module
 */
import {
  closeSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
} from "node:fs";
import { join, posix } from "node:path";
import { IpcatError } from "../errors.ts";
import { encodeTarHeader, TAR_END, tarPadding } from "../framing/tar.ts";

/** One `.dockerignore` line, compiled. */
export interface IgnorePattern {
  /** The cleaned pattern text (no `!`, no leading `/`). */
  text: string;
  /** `!pattern`: re-includes what it matches. */
  exception: boolean;
  regex: RegExp;
}

/** Go's path.Clean for relative patterns, and the leading `/` the CLI strips. */
function cleanPattern(pattern: string): string {
  const cleaned = posix.normalize(pattern.replace(/^\/+/, ""));
  return cleaned.replace(/\/+$/, "") || ".";
}

/** A pattern as patternmatcher's regular expression. */
function compile(pattern: string): RegExp {
  let out = "^";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (inClass) {
      if (c === "]") inClass = false;
      out += c === "\\" && i + 1 < pattern.length ? `\\${pattern[++i]}` : c;
    } else if (c === "[") {
      inClass = true;
      out += c;
    } else if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") i++;
        out += i + 1 >= pattern.length ? ".*" : "(.*/)?";
      } else out += "[^/]*";
    } else if (c === "?") out += "[^/]";
    else if (c === "\\" && i + 1 < pattern.length) out += `\\${pattern[++i]}`;
    else out += c.replace(/[.+(){}|$^\]]/g, "\\$&");
  }
  try {
    return new RegExp(`${out}$`, "s");
  } catch {
    throw new IpcatError("failed", `error checking context: syntax error in pattern '${pattern}'`, {
      hint: "fix the line in .dockerignore",
    });
  }
}

/**
 * Parses `.dockerignore` text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isExcluded, parseDockerignore } from "./build_context.ts";
 * const patterns = parseDockerignore(
 *   "# build output\nnode_modules\n" + "src/**" + "/*.log\n!keep.log\n/tmp/\n",
 * );
 * assert.equal(isExcluded("node_modules/a/b.js", patterns), true);
 * assert.equal(isExcluded("src/deep/x.log", patterns), true);
 * assert.equal(isExcluded("keep.log", patterns), false);
 * assert.equal(isExcluded("tmp/x", patterns), true);
 * assert.equal(isExcluded("src/main.ts", patterns), false);
 * ```
 */
export function parseDockerignore(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const raw of text.split("\n")) {
    let line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const exception = line.startsWith("!");
    if (exception) line = line.slice(1).trim();
    if (line === "") continue;
    const cleaned = cleanPattern(line);
    patterns.push({ text: cleaned, exception, regex: compile(cleaned) });
  }
  return patterns;
}

/** Whether `rel` (slash-separated, relative) is left out: the last matching pattern says. */
export function isExcluded(rel: string, patterns: readonly IgnorePattern[]): boolean {
  const parents = rel.split("/");
  let excluded = false;
  for (const pattern of patterns) {
    let match = pattern.regex.test(rel);
    for (let i = 1; !match && i < parents.length; i++) {
      match = pattern.regex.test(parents.slice(0, i).join("/"));
    }
    if (match) excluded = !pattern.exception;
  }
  return excluded;
}

/** Whether an exception could re-include something under the excluded directory `dir`. */
function exceptionsReach(dir: string, patterns: readonly IgnorePattern[]): boolean {
  return patterns.some((p) =>
    p.exception && (p.text.startsWith(`${dir}/`) || /[*?[\\]/.test(p.text))
  );
}

/** The files of a context, in the order the tar holds them. */
export function contextEntries(
  root: string,
  patterns: readonly IgnorePattern[],
  keep: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const rel = dir ? `${dir}/${name}` : name;
      const excluded = !keep.has(rel) && isExcluded(rel, patterns);
      const isDir = lstatSync(join(root, rel)).isDirectory();
      if (!excluded) out.push(rel);
      if (isDir && (!excluded || exceptionsReach(rel, patterns))) walk(rel);
    }
  };
  walk("");
  return out;
}

const CHUNK = 1024 * 1024;

/**
 * The context directory as a tar stream. `extra` adds entries of its own (a Dockerfile
 * from outside the context, under the name the daemon is told).
 */
export function contextTar(
  root: string,
  dockerfile: string,
  extra: Record<string, Uint8Array> = {},
): ReadableStream<Uint8Array> {
  let ignore = "";
  try {
    ignore = readFileSync(join(root, ".dockerignore"), "utf8");
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  }
  const entries = contextEntries(
    root,
    parseDockerignore(ignore),
    new Set([dockerfile, ".dockerignore"]),
  );
  const extras = Object.entries(extra);
  let open: { fd: number; left: number; size: number } | null = null;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (open) {
        const buffer = new Uint8Array(Math.min(CHUNK, open.left));
        const read = readSync(open.fd, buffer);
        if (read === 0) {
          throw new IpcatError("failed", "a file of the build context shrank while being sent");
        }
        controller.enqueue(buffer.subarray(0, read));
        open.left -= read;
        if (open.left === 0) {
          closeSync(open.fd);
          controller.enqueue(tarPadding(open.size));
          open = null;
        }
        return;
      }
      const rel = entries.shift();
      if (rel === undefined) {
        const [name, data] = extras.shift() ?? [];
        if (name !== undefined) {
          const now = Math.floor(Date.now() / 1000);
          const header = {
            name,
            type: "file" as const,
            mode: 0o600,
            uid: 0,
            gid: 0,
            size: data!.byteLength,
            mtime: now,
            linkName: "",
          };
          controller.enqueue(encodeTarHeader(header));
          controller.enqueue(data!);
          controller.enqueue(tarPadding(data!.byteLength));
          return;
        }
        controller.enqueue(TAR_END);
        controller.close();
        return;
      }
      const stat = lstatSync(join(root, rel));
      const base = {
        name: rel,
        mode: stat.mode & 0o7777,
        uid: stat.uid,
        gid: stat.gid,
        mtime: Math.floor(stat.mtimeMs / 1000),
        linkName: "",
        size: 0,
      };
      if (stat.isDirectory()) {
        controller.enqueue(encodeTarHeader({ ...base, type: "directory", name: `${rel}/` }));
      } else if (stat.isSymbolicLink()) {
        controller.enqueue(
          encodeTarHeader({ ...base, type: "symlink", linkName: readlinkSync(join(root, rel)) }),
        );
      } else if (stat.isFile()) {
        controller.enqueue(encodeTarHeader({ ...base, type: "file", size: stat.size }));
        if (stat.size > 0) {
          open = { fd: openSync(join(root, rel), "r"), left: stat.size, size: stat.size };
        }
      }
    },
    cancel() {
      if (open) closeSync(open.fd);
    },
  });
}
