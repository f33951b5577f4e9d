/**
 * Pieces both runtime adapters share: the read queue with its pause threshold, and the
 * abstract-namespace spelling of unix socket paths. Pure TypeScript, no runtime APIs.
 *
 * @module
 */

import { IpcatError } from "../errors.ts";
import type { ByteWriter } from "./types.ts";

/**
 * Standard output as commands see it: a reader that went away (`… | head -1`) becomes
 * the quiet `broken_pipe` error, whichever runtime reported EPIPE and however it did.
 */
export function stdoutWriter(inner: ByteWriter): ByteWriter {
  const closed = (error: unknown) =>
    (error as { code?: unknown } | null)?.code === "EPIPE"
      ? new IpcatError("broken_pipe", "standard output was closed by its reader", { cause: error })
      : error;
  return {
    write: (data) => inner.write(data).catch((error) => Promise.reject(closed(error))),
    close: () => inner.close().catch((error) => Promise.reject(closed(error))),
  };
}

/** Bytes a connection may buffer unread before it stops reading from the kernel. */
export const READ_HIGH_WATER = 1 << 20;
/** Bytes a connection may queue unsent before `write` asks the caller to wait. */
export const WRITE_HIGH_WATER = 1 << 20;

/**
 * The path as the kernel wants it: `@name` (the abstract namespace, as socat and `ss`
 * write it) becomes a leading NUL byte; any other path is unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { kernelSocketPath } from "./shared.ts";
 * assert.ok(kernelSocketPath("@ipcat") === "\0ipcat");
 * assert.ok(kernelSocketPath("/tmp/a.sock") === "/tmp/a.sock");
 * ```
 */
export function kernelSocketPath(path: string): string {
  return path.startsWith("@") ? `\0${path.slice(1)}` : path;
}

/**
 * A queue of received chunks that one consumer pulls from. It reports when it holds
 * more than {@link READ_HIGH_WATER} so that the adapter can pause the socket, and when
 * it has drained so that the adapter can resume it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ChunkQueue } from "./shared.ts";
 * const q = new ChunkQueue(() => {}, () => {});
 * q.push(new Uint8Array([1]));
 * q.end();
 * assert.ok((await q.read())?.[0] === 1);
 * assert.ok((await q.read()) === null);
 * ```
 */
export class ChunkQueue {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #ended = false;
  #error: unknown = undefined;
  #waiter: { resolve: (c: Uint8Array | null) => void; reject: (e: unknown) => void } | null = null;
  #paused = false;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.resolve(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
    if (!this.#paused && this.#bytes > READ_HIGH_WATER) {
      this.#paused = true;
      this.pause();
    }
  }

  end(): void {
    this.#ended = true;
    this.#settleWaiter();
  }

  fail(error: unknown): void {
    if (this.#ended) return;
    this.#error = error;
    this.#ended = true;
    this.#settleWaiter();
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.#chunks.shift();
    if (chunk) {
      this.#bytes -= chunk.byteLength;
      if (this.#paused && this.#bytes <= READ_HIGH_WATER / 2) {
        this.#paused = false;
        this.resume();
      }
      return Promise.resolve(chunk);
    }
    if (this.#ended) {
      return this.#error === undefined ? Promise.resolve(null) : Promise.reject(this.#error);
    }
    if (this.#paused) {
      this.#paused = false;
      this.resume();
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  #settleWaiter(): void {
    if (!this.#waiter || this.#chunks.length > 0) return;
    const waiter = this.#waiter;
    this.#waiter = null;
    if (this.#error === undefined) waiter.resolve(null);
    else waiter.reject(this.#error);
  }
}

/** Wraps a web `ReadableStream` of bytes as a pull reader. */
export function streamReader(
  stream: ReadableStream<Uint8Array>,
): { read(): Promise<Uint8Array | null>; cancel(): void } {
  const reader = stream.getReader();
  return {
    async read() {
      const { value, done } = await reader.read();
      return done ? null : value;
    },
    cancel() {
      reader.cancel().catch(() => {});
    },
  };
}

/** A reader that opens its source on first use, so that merely starting never touches stdin. */
export function lazyReader(open: () => { read(): Promise<Uint8Array | null>; cancel(): void }): {
  read(): Promise<Uint8Array | null>;
  cancel(): void;
} {
  let source: ReturnType<typeof open> | null = null;
  return {
    read: () => (source ??= open()).read(),
    cancel: () => source?.cancel(),
  };
}
