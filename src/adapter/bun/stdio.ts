/**
 * The process's own standard streams, and writers over Bun's file sinks.
 *
 * @module
 */
import type { ByteWriter } from "../types.ts";
import { lazyReader, stdoutWriter, streamReader } from "../shared.ts";

/**
 * A writer over a Bun file sink. When the sink is a pipe whose buffer is full, `write`
 * returns a promise, and that promise is where a reader's going away (EPIPE) is reported:
 * it is awaited, so the error reaches the caller instead of being printed by Bun as an
 * unhandled rejection while the command carries on.
 */
export function fileSinkWriter(sink: Bun.FileSink): ByteWriter {
  return {
    async write(data) {
      await sink.write(data);
      await sink.flush();
    },
    async close() {
      await sink.end();
    },
  };
}

const stdoutSink = Bun.stdout.writer();
const stderrSink = Bun.stderr.writer();

/** Standard input, opened on first read. */
export const stdin = lazyReader(() =>
  streamReader(Bun.stdin.stream() as ReadableStream<Uint8Array>)
);
/** Standard output. */
export const stdout = stdoutWriter(fileSinkWriter(stdoutSink));
/** Standard error. */
export const stderr = fileSinkWriter(stderrSink);

/** Pushes out what the sinks still hold, before the process exits. */
export function flushStdio(): void {
  stdoutSink.flush();
  stderrSink.flush();
}
