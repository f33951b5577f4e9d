/**
 * Tar streams to and from files or `-` (stdout, stdin) for `save`, `load`, `export` and
 * `cp`, with a progress line on stderr when it is a terminal.
 *
 * @module
 */
import { closeSync, openSync, read, statSync, writeSync } from "node:fs";
import { runtime } from "../../adapter/mod.ts";
import { type Progress, startProgress } from "../../cli/progress.ts";
import type { Docker } from "../client.ts";
import { rawGet } from "../raw_http.ts";
import { IpcatError } from "../../errors.ts";

/** How much of a file each read takes: as much as a tar upload stream moves at once. */
const FILE_CHUNK = 256 * 1024;

/** Where a tar stream goes: a file, or stdout for none or `-`. */
export interface TarSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** `-o FILE`, or stdout (refused when it is a terminal, as the CLI refuses). */
export function tarSink(output: string | undefined, label: string): TarSink {
  const toStdout = output === undefined || output === "-";
  if (toStdout && runtime.isTerminal(1)) {
    throw new IpcatError(
      "failed",
      "cowardly refusing to save to a terminal. Use the -o flag or redirect",
    );
  }
  const fd = toStdout ? null : openSync(output!, "w", 0o644);
  const progress = startProgress(label);
  return {
    async write(chunk) {
      if (fd === null) await runtime.stdout.write(chunk);
      else writeSync(fd, chunk);
      progress.add(chunk.byteLength);
    },
    async close() {
      if (fd !== null) closeSync(fd);
      await progress.done();
    },
  };
}

/**
 * The bytes of the file at `path`, read as they are wanted. (Not `node:stream`'s
 * `Readable.toWeb`: loading it costs every docker command about a millisecond at start.)
 */
function fileStream(path: string): ReadableStream<Uint8Array> {
  let fd: number | undefined;
  const done = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      fd ??= openSync(path, "r");
      const chunk = new Uint8Array(FILE_CHUNK);
      const bytesRead = await new Promise<number>((resolve, reject) =>
        read(fd!, chunk, 0, FILE_CHUNK, null, (error, n) => error ? reject(error) : resolve(n))
      );
      if (bytesRead === 0) {
        done();
        controller.close();
      } else {
        controller.enqueue(chunk.subarray(0, bytesRead));
      }
    },
    cancel: done,
  });
}

/** This process's stdin as a web stream. */
export function stdinStream(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await runtime.stdin.read();
      if (chunk === null) controller.close();
      else controller.enqueue(chunk);
    },
    cancel: () => runtime.stdin.cancel(),
  });
}

/** `stream`, each chunk counted by `progress` as the request reads it. */
export function counted(
  stream: ReadableStream<Uint8Array>,
  progress: Progress,
): ReadableStream<Uint8Array> {
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        progress.add(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
}

/** Streams a response body to `sink`, as the daemon's connection error when it breaks. */
export async function pumpBody(
  docker: Docker,
  body: ReadableStream<Uint8Array> | null,
  sink: (chunk: Uint8Array) => Promise<void> | void,
  midway = "midway through the archive",
): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  for (;;) {
    let step;
    try {
      step = await reader.read();
    } catch (error) {
      throw docker.api.droppedError(error, midway);
    }
    if (step.done) return;
    await sink(step.value);
  }
}

/** `-i FILE`, or stdin for none or `-`, as a request body counted by a progress line. */
export function tarSource(
  input: string | undefined,
  label: string,
): { body: ReadableStream<Uint8Array>; done(): Promise<void> } {
  const fromStdin = input === undefined || input === "-";
  let total: number | undefined;
  let source: ReadableStream<Uint8Array>;
  if (fromStdin) {
    source = stdinStream();
  } else {
    try {
      total = statSync(input!).size;
    } catch (error) {
      throw new IpcatError("failed", `open ${input}: ${(error as Error).message}`, {
        hint: "give the path of a tar file, or - for stdin",
        cause: error,
      });
    }
    source = fileStream(input!);
  }
  const progress = startProgress(label, { total });
  return { body: counted(source, progress), done: () => progress.done() };
}

/**
 * A tar the daemon sends for `path` (`save`, `export`), written to `-o FILE` or stdout;
 * `subject` names what a 404 is about, `midway` where a dropped connection broke it.
 */
export async function downloadTar(
  docker: Docker,
  path: string,
  output: string | undefined,
  about: { label: string; subject?: string; midway?: string },
): Promise<void> {
  const sink = tarSink(output, about.label);
  const res = await rawGet(docker.api, path, about.subject);
  try {
    await pumpBody(docker, res.body, (chunk) => sink.write(chunk), about.midway);
  } finally {
    await sink.close();
  }
}
