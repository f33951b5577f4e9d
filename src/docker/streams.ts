/**
 * A hijacked session as web streams: stdout and stderr each buffered on their own up to
 * {@link STREAM_BUFFER_BOUND} (so a reader of one is not stalled by the other), stdin as a
 * writable.
 *
 * @module
 */
import type { HijackedSession } from "./session.ts";

/** A running process's streams: web streams, so they work with `Response`, `pipeTo`, `for await`. */
export interface ProcessStreams {
  /** Writes to the process's stdin; closing it half-closes the connection. `null` when not attached. */
  stdin: WritableStream<Uint8Array> | null;
  /** The process's stdout (with a TTY: everything it prints). */
  stdout: ReadableStream<Uint8Array>;
  /** The process's stderr (empty with a TTY). Read both, or cancel one, as with pipes. */
  stderr: ReadableStream<Uint8Array>;
  /** The exit code, once output has ended and the process has exited. */
  exit: Promise<number>;
  /** Detaches: closes the connection, leaving the process running. */
  close(): void;
}

/** A container's streams plus its id. */
export interface ContainerStreams extends ProcessStreams {
  id: string;
}

/**
 * How much of one stream may wait unread before the producer waits: stdout and stderr are
 * bounded apart, so a reader of one is not stalled by the other until this much piles up.
 */
export const STREAM_BUFFER_BOUND = 64 << 20;

/** Wraps a session as web streams; output flows as the consumer reads it. */
export function streamsOf(
  session: HijackedSession,
  withStdin: boolean,
  exitCode: () => Promise<number>,
): ProcessStreams {
  const stdoutQueue = byteStream();
  const stderrQueue = byteStream();
  const copied = session.copyOutput({ stdout: stdoutQueue.push, stderr: stderrQueue.push });
  // Once the output ends the connection has nothing more to give: closing it lets a
  // process that used the streams exit on its own.
  copied.finally(() => session.close()).catch(() => {});
  copied.then(() => {
    stdoutQueue.end();
    stderrQueue.end();
  }, (error) => {
    stdoutQueue.fail(error);
    stderrQueue.fail(error);
  });
  const stdin = withStdin
    ? new WritableStream<Uint8Array>({
      write: (chunk) => session.write(chunk),
      close: () => session.closeStdin(),
      abort: () => session.close(),
    })
    : null;
  const exit = copied.then(exitCode);
  exit.catch(() => {});
  return {
    stdin,
    stdout: stdoutQueue.stream,
    stderr: stderrQueue.stream,
    exit,
    close: () => session.close(),
  };
}

/** A readable byte stream fed by a producer that waits while `bound` bytes are unread. */
export function byteStream(bound = STREAM_BUFFER_BOUND): {
  stream: ReadableStream<Uint8Array>;
  push(data: Uint8Array): Promise<void>;
  end(): void;
  fail(e: unknown): void;
} {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let pulled: (() => void) | null = null;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    pull: () => {
      pulled?.();
      pulled = null;
    },
    cancel: () => {
      cancelled = true;
      pulled?.();
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: bound }));
  return {
    stream,
    async push(data) {
      if (cancelled) return;
      controller.enqueue(data.slice());
      while (!cancelled && (controller.desiredSize ?? 1) <= 0) {
        await new Promise<void>((resolve) => (pulled = resolve));
      }
    },
    end: () => void (cancelled || controller.close()),
    fail: (error) => void (cancelled || controller.error(error)),
  };
}
