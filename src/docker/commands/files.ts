/**
 * Files in and out of containers: `cp` (both directions, `-` for a tar stream on stdin or
 * stdout, `-a`, `-L`) and `export` (the container's file system as a tar).
 *
 * @module
 */
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import { runtime } from "../../adapter/mod.ts";
import { flag } from "../../cli/options.ts";
import { IpcatError } from "../../errors.ts";
import {
  encodeTarHeader,
  TAR_END,
  TarDecoder,
  type TarHeader,
  tarPadding,
} from "../../framing/tar.ts";
import type { Docker } from "../client.ts";
import { type Progress, startProgress } from "../../cli/progress.ts";
import { counted, pumpBody, stdinStream } from "./transfer.ts";
import { DockerError } from "../errors.ts";
import { rawGet } from "../raw_http.ts";
import { client, dockerCommand } from "./shared.ts";

const CHUNK = 1 << 20;

/** A `CONTAINER:PATH` argument, or null for a local path. */
function containerPath(arg: string): { container: string; path: string } | null {
  const colon = arg.indexOf(":");
  if (colon <= 0 || arg.startsWith("/") || arg.startsWith(".")) return null;
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) || "/" };
}

/** Writes the entries of a tar stream under `dest`, renaming the top entry to `rename`. */
class Extractor {
  readonly #decoder = new TarDecoder();
  #fd: number | null = null;
  #current: TarHeader | null = null;
  #currentPath = "";

  constructor(
    private readonly dest: string,
    private readonly rename: string | null,
    private readonly stripTop: boolean,
  ) {}

  push(chunk: Uint8Array): void {
    for (const event of this.#decoder.push(chunk)) {
      if (event.kind === "header") this.#open(event.header);
      else if (event.kind === "data" && this.#fd !== null) writeSync(this.#fd, event.data);
      else if (event.kind === "end") this.#closeFile();
    }
  }

  end(): void {
    this.#decoder.end();
    this.#closeFile();
  }

  #target(name: string): string | null {
    const parts = name.split("/").filter(Boolean);
    if (parts.some((p) => p === "..")) {
      throw new IpcatError("protocol", `the archive names a path outside its root: ${name}`);
    }
    if (this.stripTop) parts.shift();
    else {
      while (parts[0] === ".") parts.shift();
      if (this.rename !== null && parts.length) parts[0] = this.rename;
    }
    return parts.length ? join(this.dest, ...parts) : this.stripTop ? this.dest : null;
  }

  #open(header: TarHeader): void {
    this.#closeFile();
    const target = this.#target(header.name);
    if (target === null) return;
    if (header.type === "directory") {
      mkdirSync(target, { recursive: true, mode: header.mode });
      return;
    }
    mkdirSync(dirname(target), { recursive: true });
    if (header.type === "symlink") {
      rmSync(target, { force: true });
      symlinkSync(header.linkName, target);
      return;
    }
    if (header.type !== "file") return;
    this.#fd = openSync(target, "w", header.mode & 0o7777);
    this.#current = header;
    this.#currentPath = target;
  }

  #closeFile(): void {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
    if (this.#current) utimesSync(this.#currentPath, this.#current.mtime, this.#current.mtime);
    this.#current = null;
  }
}

/** A tar stream of `source` (a file, a directory, a link), its top entry named `top`. */
function packStream(
  source: string,
  top: string,
  options: { follow: boolean; owners: boolean },
): ReadableStream<Uint8Array> {
  const pending: Array<{ path: string; name: string }> = [{ path: source, name: top }];
  let open: { fd: number; left: number; size: number } | null = null;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (open) {
        const buffer = new Uint8Array(Math.min(CHUNK, open.left));
        const read = buffer.byteLength ? readSync(open.fd, buffer) : 0;
        if (read === 0 && open.left > 0) {
          throw new IpcatError("failed", `${source} shrank while being copied`);
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
      const next = pending.shift();
      if (!next) {
        controller.enqueue(TAR_END);
        controller.close();
        return;
      }
      const stat = options.follow ? statSync(next.path) : lstatSync(next.path);
      const base = {
        name: next.name,
        mode: stat.mode,
        uid: options.owners ? stat.uid : 0,
        gid: options.owners ? stat.gid : 0,
        mtime: Math.floor(stat.mtimeMs / 1000),
        linkName: "",
        size: 0,
      };
      if (stat.isDirectory()) {
        controller.enqueue(encodeTarHeader({ ...base, type: "directory", name: `${next.name}/` }));
        for (const entry of readdirSync(next.path).sort()) {
          pending.push({ path: join(next.path, entry), name: posix.join(next.name, entry) });
        }
      } else if (stat.isSymbolicLink()) {
        controller.enqueue(
          encodeTarHeader({ ...base, type: "symlink", linkName: readlinkSync(next.path) }),
        );
      } else if (stat.isFile()) {
        controller.enqueue(encodeTarHeader({ ...base, type: "file", size: stat.size }));
        if (stat.size > 0) {
          open = { fd: openSync(next.path, "r"), left: stat.size, size: stat.size };
        }
      }
    },
    cancel() {
      if (open) closeSync(open.fd);
    },
  });
}

/** The stat the daemon sends of a path in a container, or null when it does not exist. */
async function statInContainer(
  docker: Docker,
  container: string,
  path: string,
): Promise<{ mode: number; linkTarget: string } | null> {
  try {
    const res = await docker.api.request(
      "HEAD",
      `/containers/${encodeURIComponent(container)}/archive`,
      {
        query: { path },
        subject: `container ${container}`,
      },
    );
    await docker.api.drain(res);
    const header = res.headers.get("x-docker-container-path-stat");
    if (!header) return { mode: 0, linkTarget: "" };
    return JSON.parse(atob(header));
  } catch (error) {
    if (error instanceof DockerError && error.kind === "not_found") return null;
    throw error;
  }
}

/** Runs `work`, turning a failure of the local file system into a one-line error. */
async function localFiles(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof IpcatError || typeof code !== "string") throw error;
    throw new IpcatError("failed", (error as Error).message, {
      hint: "check the local destination path and its permissions",
      cause: error,
    });
  }
}

/** Go's os.ModeDir bit, as the daemon's path stat carries it. */
const GO_MODE_DIR = 2 ** 31;

export const cp = dockerCommand({
  name: "cp",
  summary: "Copy files between a container and here (or a tar stream with -)",
  usage: "CONTAINER:SRC_PATH DEST_PATH|- | SRC_PATH|- CONTAINER:DEST_PATH",
  options: {
    archive: flag("Keep the files' owners (uid and gid)", { short: "a" }),
    "follow-link": flag("Copy what a symbolic link source points to", { short: "L" }),
    quiet: flag("Print no progress line (shown only on a terminal)", { short: "q" }),
  },
  args: { min: 2, max: 2 },
  examples: [
    ["ipcat docker cp web:/etc/hostname .", "Copies the container's /etc/hostname here"],
    ["ipcat docker cp ./conf web:/etc/app", "Copies the directory conf to /etc/app in 'web'"],
    ["ipcat docker cp web:/var/log - | tar -t", "The container's /var/log as a tar stream"],
  ],
  async run({ options, args }) {
    const [from, to] = [containerPath(args[0]!), containerPath(args[1]!)];
    if (!!from === !!to) {
      throw new IpcatError(
        "usage",
        "copying between containers or between local paths is not supported",
        {
          hint: "one of the two arguments must be CONTAINER:PATH",
        },
      );
    }
    const docker = await client();
    // Bytes of the tar stream, on stderr when it is a terminal (the sizes of the files are
    // not known up front, so there is no ETA).
    const progress = startProgress(from ? "copy from container" : "copy to container", {
      quiet: options.quiet,
    });
    try {
      return await copy(docker, from, to, args, options, progress);
    } finally {
      await progress.done();
    }
  },
});

async function copy(
  docker: Awaited<ReturnType<typeof client>>,
  from: ReturnType<typeof containerPath>,
  to: ReturnType<typeof containerPath>,
  args: string[],
  options: { archive: boolean; "follow-link": boolean },
  progress: Progress,
): Promise<number> {
  if (from) {
    let path = from.path;
    if (options["follow-link"]) {
      const stat = await statInContainer(docker, from.container, path);
      if (stat?.linkTarget) path = posix.resolve(posix.dirname(path), stat.linkTarget);
    }
    const res = await rawGet(
      docker.api,
      `/containers/${encodeURIComponent(from.container)}/archive?${new URLSearchParams({
        path,
      })}`,
      `container ${from.container}`,
    );
    if (args[1] === "-") {
      await pumpBody(docker, res.body, (chunk) => {
        progress.add(chunk.byteLength);
        return runtime.stdout.write(chunk);
      });
      return 0;
    }
    const dest = args[1]!;
    let extractor: Extractor;
    if (/\/\.$/.test(from.path)) {
      // SRC/. copies what the directory holds, not the directory.
      mkdirSync(dest, { recursive: true });
      extractor = new Extractor(dest, null, true);
    } else if (existsSync(dest) && statSync(dest).isDirectory()) {
      extractor = new Extractor(dest, null, false);
    } else {
      extractor = new Extractor(dirname(dest), basename(dest), false);
    }
    await localFiles(async () => {
      await pumpBody(docker, res.body, (chunk) => {
        progress.add(chunk.byteLength);
        return extractor.push(chunk);
      });
      extractor.end();
    });
    return 0;
  }
  const target = to!;
  if (args[0] === "-") {
    const res = await docker.api.request(
      "PUT",
      `/containers/${encodeURIComponent(target.container)}/archive`,
      {
        query: { path: target.path, copyUIDGID: options.archive ? true : undefined },
        body: counted(stdinStream(), progress),
        contentType: "application/x-tar",
        subject: `container ${target.container}`,
      },
    );
    await docker.api.drain(res);
    return 0;
  }
  const source = args[0]!;
  if (!existsSync(source)) {
    throw new IpcatError("failed", `could not find the file ${source} here`, {
      hint: "check the path",
    });
  }
  const stat = await statInContainer(docker, target.container, target.path);
  const isDir = stat !== null && (stat.mode & GO_MODE_DIR) !== 0 && !/\/\.$/.test(source);
  const [dir, top] = isDir
    ? [target.path, basename(source)]
    : [posix.dirname(target.path), posix.basename(target.path)];
  const res = await docker.api.request(
    "PUT",
    `/containers/${encodeURIComponent(target.container)}/archive`,
    {
      query: { path: dir, copyUIDGID: options.archive ? true : undefined },
      body: counted(
        packStream(source, top, { follow: options["follow-link"], owners: options.archive }),
        progress,
      ),
      contentType: "application/x-tar",
      subject: `container ${target.container}`,
    },
  );
  await docker.api.drain(res);
  return 0;
}
