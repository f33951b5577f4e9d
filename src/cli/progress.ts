/**
 * A progress line for long transfers, on stderr and only on a terminal: bytes so far,
 * rate, and the time left when the size is known. Off a terminal, or with `--quiet`,
 * it shows nothing, so scripts and logs stay clean.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatProgress } from "./progress.ts";
 * assert.equal(
 *   formatProgress({ label: "copy", bytes: 64 * 2 ** 20, total: 256 * 2 ** 20, elapsedMs: 2000 }),
 *   "copy  64.0 MiB / 256.0 MiB  32.0 MiB/s  ETA 0:06",
 * );
 * assert.equal(formatProgress({ label: "load", bytes: 1536, elapsedMs: 0 }), "load  1.5 KiB");
 * ```
 *
 * @module
 */
import { runtime } from "../adapter/mod.ts";
import type { ByteWriter } from "../adapter/mod.ts";

/** What one progress line shows. */
export interface ProgressState {
  label: string;
  bytes: number;
  /** The whole size, when known. */
  total?: number;
  elapsedMs: number;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** A byte count as people read it: `512 B`, `1.5 KiB`, `64.0 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // A rate below 1 KiB/s is a fraction of bytes: whole bytes read better.
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** One progress line, without the carriage return. */
export function formatProgress(state: ProgressState): string {
  const parts = [
    state.label,
    state.total === undefined
      ? formatBytes(state.bytes)
      : `${formatBytes(state.bytes)} / ${formatBytes(state.total)}`,
  ];
  if (state.elapsedMs > 0) {
    const rate = state.bytes / (state.elapsedMs / 1000);
    parts.push(`${formatBytes(rate)}/s`);
    if (state.total !== undefined && rate > 0 && state.bytes < state.total) {
      parts.push(`ETA ${formatDuration((state.total - state.bytes) / rate)}`);
    }
  }
  return parts.join("  ");
}

/** A running progress line. */
export interface Progress {
  /** Counts `bytes` more; redraws at most every 100 ms. */
  add(bytes: number): void;
  /** Draws the final figures and ends the line (nothing if it never drew). */
  done(): Promise<void>;
}

/** Options of {@link startProgress}. */
export interface ProgressOptions {
  total?: number;
  /** `--quiet`: show nothing. */
  quiet?: boolean;
  /** Where to draw; default stderr, and only when it is a terminal. */
  output?: ByteWriter;
  /** Milliseconds between redraws (default 100). */
  intervalMs?: number;
}

const encoder = new TextEncoder();

/** A progress line drawn from figures its caller keeps. */
export interface ProgressLine {
  /** Redraws, at most every `intervalMs`. */
  update(): void;
  /** Draws the final figures and ends the line (nothing if it never drew). */
  done(): Promise<void>;
}

/**
 * Starts a line that `render(elapsedMs)` draws, for transfers with more than one figure
 * (a relay's two directions, say); a no-op off a terminal or when quiet.
 */
export function startProgressLine(
  render: (elapsedMs: number) => string,
  options: Omit<ProgressOptions, "total"> = {},
): ProgressLine {
  const output = options.output ?? (runtime.isTerminal(2) ? runtime.stderr : undefined);
  if (!output || options.quiet) return { update() {}, done: () => Promise.resolve() };
  const started = Date.now();
  const interval = options.intervalMs ?? 100;
  let drawnAt = 0;
  let width = 0;
  let writing: Promise<void> = Promise.resolve();
  const draw = () => {
    const line = render(Date.now() - started);
    // Pad over what a longer earlier line left on the terminal.
    const text = `\r${line.padEnd(width)}`;
    width = Math.max(width, line.length);
    // A failed draw (stderr gone) must not fail the transfer it reports on.
    writing = writing.then(() => output.write(encoder.encode(text))).catch(() => {});
  };
  return {
    update() {
      const now = Date.now();
      if (now - drawnAt >= interval) {
        drawnAt = now;
        draw();
      }
    },
    async done() {
      draw();
      writing = writing.then(() => output.write(encoder.encode("\n"))).catch(() => {});
      await writing;
    },
  };
}

/** Starts a progress line for `label`; a no-op off a terminal or when quiet. */
export function startProgress(label: string, options: ProgressOptions = {}): Progress {
  let bytes = 0;
  const line = startProgressLine(
    (elapsedMs) => formatProgress({ label, bytes, total: options.total, elapsedMs }),
    options,
  );
  return {
    add(more) {
      bytes += more;
      line.update();
    },
    done: () => line.done(),
  };
}
