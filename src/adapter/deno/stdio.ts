/**
 * The process's own standard streams on Deno.
 *
 * @module
 */
import type { ByteWriter } from "../types.ts";
import { lazyReader, stdoutWriter, streamReader } from "../shared.ts";
import { Deno } from "./deno_api.ts";

function fdWriter(file: { write(p: Uint8Array): Promise<number>; close(): void }): ByteWriter {
  return {
    async write(data) {
      while (data.byteLength > 0) data = data.subarray(await file.write(data));
    },
    close() {
      file.close();
      return Promise.resolve();
    },
  };
}

/** Standard input, opened on first read. */
export const stdin = lazyReader(() => streamReader(Deno.stdin.readable));
/** Standard output. */
export const stdout = stdoutWriter(fdWriter(Deno.stdout));
/** Standard error. */
export const stderr = fdWriter(Deno.stderr);
