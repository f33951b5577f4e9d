/**
 * One hijacked attach or exec stream: output copied (demultiplexed unless a TTY) until
 * the daemon closes it, input forwarded with a half-close at its end, and the detach
 * key sequence recognised on the way in.
 *
 * @module
 */
import type { ByteReader, Conn } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import { concatBytes } from "../framing/bytes.ts";
import { STDCOPY_STDERR, STDCOPY_SYSTEM_ERROR, StdcopyDemuxer } from "../framing/stdcopy.ts";
import type { DockerApi, Hijacked } from "./api.ts";
import { badStreamError, DockerError } from "./errors.ts";

/** Where a session's output goes. A returned promise is awaited (back-pressure). */
export interface OutputSinks {
  stdout(data: Uint8Array): Promise<void> | void;
  stderr(data: Uint8Array): Promise<void> | void;
}

/** The control-key names of the docker CLI, by byte value (`ctrl-@` is 0). */
const CONTROL_KEYS = [
  "ctrl-@",
  ..."abcdefghijklmnopqrstuvwxyz".split("").map((c) => `ctrl-${c}`),
  "ctrl-[",
  "ctrl-\\",
  "ctrl-]",
  "ctrl-^",
  "ctrl-_",
];

/** The docker CLI's default detach keys. */
export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

/**
 * Parses a `--detach-keys` value the way the docker CLI does: comma-separated
 * `ctrl-a`…`ctrl-z`, `ctrl-@`, `ctrl-[`, `ctrl-\`, `ctrl-]`, `ctrl-^`, `ctrl-_`, or single characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDetachKeys } from "./session.ts";
 * assert.ok(parseDetachKeys("ctrl-p,ctrl-q").join() === "16,17");
 * assert.ok(parseDetachKeys("ctrl-a,x").join() === "1,120");
 * ```
 */
export function parseDetachKeys(keys: string): Uint8Array {
  const codes: number[] = [];
  for (const key of keys.split(",")) {
    if (key.length === 1 && key.charCodeAt(0) < 128) {
      codes.push(key.charCodeAt(0));
      continue;
    }
    const code = CONTROL_KEYS.indexOf(key.toLowerCase());
    if (code < 0) {
      throw new IpcatError("usage", `invalid detach keys '${keys}': unknown key '${key}'`, {
        hint:
          "use comma-separated ctrl-a…ctrl-z, ctrl-@, ctrl-[, ctrl-\\, ctrl-], ctrl-^, ctrl-_ or single characters, e.g. ctrl-p,ctrl-q",
      });
    }
    codes.push(code);
  }
  return new Uint8Array(codes);
}

/**
 * Watches input for the detach sequence. Bytes that might start it are held back until
 * the next byte decides; the sequence itself is never forwarded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DetachWatcher } from "./session.ts";
 * const watcher = new DetachWatcher(new Uint8Array([16, 17]));
 * const first = watcher.feed(new Uint8Array([104, 105, 16]));
 * assert.ok(first.forward.join() === "104,105" && !first.detached);
 * assert.ok(watcher.feed(new Uint8Array([17])).detached);
 * ```
 */
export class DetachWatcher {
  #matched = 0;
  constructor(private readonly keys: Uint8Array) {}

  /** What to forward from `chunk`, and whether the sequence completed in it. */
  feed(chunk: Uint8Array): { forward: Uint8Array; detached: boolean } {
    if (this.keys.byteLength === 0) return { forward: chunk, detached: false };
    const out: number[] = [];
    for (let i = 0; i < chunk.byteLength; i++) {
      const byte = chunk[i]!;
      if (byte === this.keys[this.#matched]) {
        this.#matched++;
        if (this.#matched === this.keys.byteLength) {
          return { forward: new Uint8Array(out), detached: true };
        }
        continue;
      }
      if (this.#matched > 0) {
        for (let k = 0; k < this.#matched; k++) out.push(this.keys[k]!);
        this.#matched = 0;
        if (byte === this.keys[0]) {
          this.#matched = 1;
          continue;
        }
      }
      out.push(byte);
    }
    return {
      forward: out.length === chunk.byteLength ? chunk : new Uint8Array(out),
      detached: false,
    };
  }
}

/** How input ended: at its EOF (half-closed), or by the detach sequence. */
export type InputEnd = "eof" | "detached";

/**
 * A hijacked stream of one container or exec process.
 *
 * @example
 * ```ts ignore
 * import { Docker } from "./mod.ts";
 * const docker = await Docker.fromEnv();
 * const session = await docker.attachSession("web", { stdin: false });
 * await session.copyOutput({ stdout: (b) => console.log(b), stderr: (b) => console.error(b) });
 * ```
 */
export class HijackedSession {
  readonly #conn: Conn;
  #leftover: Uint8Array;
  #closing = false;

  readonly #untrack: () => void;

  constructor(private readonly api: DockerApi, hijacked: Hijacked, readonly tty: boolean) {
    this.#conn = hijacked.conn;
    this.#leftover = hijacked.leftover;
    // The client's close() ends this session too.
    this.#untrack = api.track(() => this.close());
  }

  /**
   * Copies output to `sinks` until the daemon closes the stream. Without a TTY the
   * stdcopy frames are split into stdout and stderr; with one, bytes pass through.
   * Rejects if the daemon drops the connection midway or reports a system error.
   */
  async copyOutput(sinks: OutputSinks): Promise<void> {
    const demux = this.tty ? null : new StdcopyDemuxer();
    let chunk: Uint8Array | null = this.#leftover.byteLength > 0
      ? this.#leftover
      : await this.#read();
    this.#leftover = new Uint8Array(0);
    while (chunk !== null) {
      if (!demux) {
        await sinks.stdout(chunk);
      } else {
        let pieces;
        try {
          pieces = demux.push(chunk);
        } catch (error) {
          throw badStreamError(error);
        }
        await this.#deliver(pieces, sinks);
      }
      chunk = await this.#read();
    }
    if (demux && !demux.atBoundary && !this.#closing) {
      try {
        demux.end();
      } catch (error) {
        throw this.api.droppedError(undefined, `midway (${(error as Error).message})`);
      }
    }
  }

  /** Writes whole runs of one stream at once: one write per stream per read, not per frame. */
  async #deliver(pieces: ReturnType<StdcopyDemuxer["push"]>, sinks: OutputSinks): Promise<void> {
    let run: Uint8Array[] = [];
    let runStream = -1;
    const flush = async () => {
      if (run.length === 0) return;
      const data = concatBytes(run);
      run = [];
      if (runStream === STDCOPY_STDERR) await sinks.stderr(data);
      else await sinks.stdout(data);
    };
    for (const { stream, data } of pieces) {
      if (stream === STDCOPY_SYSTEM_ERROR) {
        await flush();
        throw new DockerError(
          "docker",
          `Error response from daemon: ${new TextDecoder().decode(data).trim()}`,
          { kind: "daemon" },
        );
      }
      const target = stream === STDCOPY_STDERR ? STDCOPY_STDERR : 1;
      if (target !== runStream) {
        await flush();
        runStream = target;
      }
      if (data.byteLength > 0) run.push(data);
    }
    await flush();
  }

  async #read(): Promise<Uint8Array | null> {
    try {
      return await this.#conn.read();
    } catch (error) {
      if (this.#closing) return null;
      throw this.api.droppedError(error);
    }
  }

  /** Sends bytes to the process's stdin, waiting while the connection is backed up. */
  async write(data: Uint8Array): Promise<void> {
    if (this.#closing) return;
    if (!this.#conn.write(data)) {
      await this.#conn.drain().catch((error) => {
        if (!this.#closing) throw this.api.droppedError(error);
      });
    }
  }

  /** Half-closes: the process reads EOF on stdin while its output keeps coming. */
  async closeStdin(): Promise<void> {
    if (this.#closing) return;
    await this.#conn.closeWrite().catch(() => {});
  }

  /**
   * Forwards `source` until its EOF (then half-closes) or until the detach keys pass.
   * With `keys` empty, nothing is watched.
   */
  async copyInput(source: ByteReader, keys: Uint8Array = new Uint8Array(0)): Promise<InputEnd> {
    const watcher = new DetachWatcher(keys);
    for (;;) {
      const chunk = await source.read();
      if (this.#closing) return "eof";
      if (chunk === null) {
        await this.closeStdin();
        return "eof";
      }
      const { forward, detached } = watcher.feed(chunk);
      if (forward.byteLength > 0) await this.write(forward);
      if (detached) return "detached";
    }
  }

  /** Closes the connection: the daemon detaches from the process. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#untrack();
    this.#conn.close();
  }
}
