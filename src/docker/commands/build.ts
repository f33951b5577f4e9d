/**
 * `ipcat docker build`: the classic builder (`POST /build`), the context streamed as a tar
 * that honours `.dockerignore`, the output and exit statuses of `DOCKER_BUILDKIT=0 docker
 * build`.
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import process from "node:process";
import { runtime } from "../../adapter/mod.ts";
import { readStdin, writeErr, writeOut } from "../../cli/io.ts";
import { flag, list, text } from "../../cli/options.ts";
import { IpcatError } from "../../errors.ts";
import { encodeTarHeader, TAR_END, tarPadding } from "../../framing/tar.ts";
import type { Docker } from "../client.ts";
import { contextTar } from "../build_context.ts";
import { humanSizeDecimal, JsonMessageRenderer } from "../jsonmessage.ts";
import { jsonMessages, postStreaming } from "./message_stream.ts";
import { client, dockerCommand } from "./shared.ts";

/** `K=V` pairs as the API's JSON map; `K` alone takes the environment's value, if any. */
function keyValues(entries: readonly string[], fromEnv: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    if (equals >= 0) out[entry.slice(0, equals)] = entry.slice(equals + 1);
    else if (fromEnv && process.env[entry] !== undefined) out[entry] = process.env[entry]!;
    else if (!fromEnv) out[entry] = "";
  }
  return out;
}

/** Whether bytes begin a tar (the ustar magic at 257), as the CLI tells a context on stdin. */
function isTar(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes.subarray(257, 262)) === "ustar";
}

/** The context as a body and the Dockerfile's name inside it. */
async function prepareContext(
  path: string,
  file: string | undefined,
): Promise<{ body: ReadableStream<Uint8Array> | Uint8Array; dockerfile: string }> {
  if (path === "-") {
    const input = await readStdin();
    if (isTar(input)) return { body: input, dockerfile: file ?? "Dockerfile" };
    // A Dockerfile on stdin: the context is that file alone.
    const tar = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(
          encodeTarHeader({
            name: "Dockerfile",
            type: "file",
            mode: 0o600,
            uid: 0,
            gid: 0,
            size: input.byteLength,
            mtime: 0,
            linkName: "",
          }),
        );
        controller.enqueue(input);
        controller.enqueue(tarPadding(input.byteLength));
        controller.enqueue(TAR_END);
        controller.close();
      },
    });
    return { body: tar, dockerfile: "Dockerfile" };
  }
  const root = resolve(path);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new IpcatError("failed", `unable to prepare context: path "${path}" not found`, {
      hint: "give the context directory, or - for a tar or a Dockerfile on stdin",
    });
  }
  const dockerfilePath = file === undefined ? resolve(root, "Dockerfile") : resolve(file);
  if (!existsSync(dockerfilePath)) {
    throw new IpcatError(
      "failed",
      `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${dockerfilePath}: no such file or directory`,
      { hint: "name the Dockerfile with -f" },
    );
  }
  const inside = relative(root, dockerfilePath);
  if (!inside.startsWith("..") && !isAbsolute(inside)) {
    return { body: contextTar(root, inside.split("\\").join("/")), dockerfile: inside };
  }
  // As the CLI: a Dockerfile from outside the context travels in it under a name of its own.
  const name = `.dockerfile.${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  return {
    body: contextTar(root, name, { [name]: readFileSync(dockerfilePath) }),
    dockerfile: name,
  };
}

export const build = dockerCommand({
  name: "build",
  summary: "Build an image from a Dockerfile (the classic builder)",
  usage: "[OPTIONS] PATH|-",
  description:
    `The context directory is sent as a tar stream, leaving out what .dockerignore excludes
(the CLI's rules: ** patterns, ! exceptions, the last match winning); the Dockerfile and
.dockerignore are always sent. - reads a tar context, or a Dockerfile alone, from stdin.
The output is the classic builder's ("Step 1/3 : …"); a failing RUN exits with its own
status, as DOCKER_BUILDKIT=0 docker build does.`,
  options: {
    tag: list("NAME[:TAG]", "Name and tag the image (repeatable)", undefined, { short: "t" }),
    file: text("FILE", "The Dockerfile (default PATH/Dockerfile)", { short: "f" }),
    "build-arg": list("K=V", "A build-time variable (K alone: its value here)"),
    target: text("STAGE", "Build up to this stage"),
    "no-cache": flag("Do not use the cache"),
    label: list("K=V", "A label of the image"),
    quiet: flag("Print only the image ID", { short: "q" }),
  },
  args: { min: 1, max: 1 },
  examples: [
    ["ipcat docker build -t app:dev .", "Build and tag the current directory"],
    ["ipcat docker build -t app - < Dockerfile", "A Dockerfile alone, from stdin"],
  ],
  async run({ options, args }) {
    const { body, dockerfile } = await prepareContext(args[0]!, options.file);
    const query = new URLSearchParams({ dockerfile, rm: "1" });
    for (const tag of options.tag) query.append("t", tag);
    const buildArgs = keyValues(options["build-arg"], true);
    if (Object.keys(buildArgs).length) query.set("buildargs", JSON.stringify(buildArgs));
    const labels = keyValues(options.label, false);
    if (Object.keys(labels).length) query.set("labels", JSON.stringify(labels));
    if (options.target) query.set("target", options.target);
    if (options["no-cache"]) query.set("nocache", "1");
    if (options.quiet) query.set("q", "1");
    const docker = await client();
    const source = body instanceof Uint8Array
      ? new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(body);
          controller.close();
        },
      })
      : body;
    const counted = source.pipeThrough(contextProgress(options.quiet));
    const res = await postStreaming(docker, "/build", query, {
      headers: { "Content-Type": "application/x-tar" },
      body: counted,
    });
    return await showBuild(docker, res, options.quiet);
  },
});

/**
 * Counts the context as it is sent and shows it as the CLI does: "Sending build context to
 * Docker daemon  5.632kB", each update ending in "\r" (redrawn every 100 ms on a
 * terminal), the last one followed by "\r\n".
 */
function contextProgress(quiet: boolean): TransformStream<Uint8Array, Uint8Array> {
  const terminal = runtime.isTerminal(1);
  let sent = 0;
  let drawnAt = 0;
  const line = () => `Sending build context to Docker daemon  ${humanSizeDecimal(sent, 4)}\r`;
  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      sent += chunk.byteLength;
      controller.enqueue(chunk);
      if (!quiet && terminal && Date.now() - drawnAt >= 100) {
        drawnAt = Date.now();
        await writeOut(line());
      }
    },
    async flush() {
      if (!quiet) await writeOut(`${line()}\r\n`);
    },
  });
}

/** Prints the builder's stream; a failed step ends with its message and status. */
async function showBuild(docker: Docker, res: Response, quiet: boolean): Promise<number> {
  const renderer = new JsonMessageRenderer(
    runtime.isTerminal(1),
    runtime.terminalSize()?.cols ?? 80,
  );
  for await (const message of jsonMessages(docker, res)) {
    if (message.errorDetail || message.error) {
      await writeErr(`${message.errorDetail?.message ?? message.error}\n`);
      return message.errorDetail?.code || 1;
    }
    // -q: the daemon still sends the steps' own output; only the image ID is shown.
    if (quiet && message.stream && !message.stream.startsWith("sha256:")) continue;
    const shown = renderer.push(message);
    if (shown) await writeOut(shown);
  }
  return 0;
}
