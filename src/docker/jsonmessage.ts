/**
 * The daemon's JSON message streams (pull, push, load, build) shown as the docker CLI
 * shows them: off a terminal one line per message without a progress bar; on a terminal
 * one line per layer, redrawn in place (cursor up, clear, rewrite, cursor down).
 *
 * @module
 */
import * as v from "valibot";
import { IpcatError } from "../errors.ts";

/** One message of the stream. */
export const JsonMessage = v.looseObject({
  id: v.optional(v.string()),
  status: v.optional(v.string()),
  stream: v.optional(v.string()),
  progress: v.optional(v.string()),
  progressDetail: v.optional(
    v.looseObject({ current: v.optional(v.number()), total: v.optional(v.number()) }),
  ),
  error: v.optional(v.string()),
  errorDetail: v.optional(
    v.looseObject({ message: v.optional(v.string()), code: v.optional(v.number()) }),
  ),
  aux: v.optional(v.unknown()),
});
export type JsonMessage = v.InferOutput<typeof JsonMessage>;

/** A size as Go's units.HumanSizeWithPrecision writes it: decimal (`1.23MB`). */
export function humanSizeDecimal(bytes: number, precision = 3): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(precision))}${units[unit]}`;
}

/** The progress bar of a message, as the CLI draws it on a terminal `columns` wide. */
export function progressBar(current: number, total: number | undefined, columns: number): string {
  if (current <= 0 && (total ?? 0) <= 0) return "";
  if (!total || total <= 0) return humanSizeDecimal(current).padStart(8);
  const half = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = columns > 110
    ? `[${"=".repeat(half)}${half < 50 ? ">" : ""}${" ".repeat(Math.max(0, 49 - half))}] `
    : "";
  return `${bar}${humanSizeDecimal(current).padStart(8)}/${humanSizeDecimal(total)}`;
}

/**
 * Renders a message stream. `push` each message; it returns the text to write. A message
 * with an error throws it, as the CLI ends with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JsonMessageRenderer } from "./jsonmessage.ts";
 * const plain = new JsonMessageRenderer(false, 80);
 * assert.equal(plain.push({ id: "a1", status: "Downloading", progressDetail: { current: 5, total: 9 }, progress: "[=>]" }), "");
 * assert.equal(plain.push({ id: "a1", status: "Pull complete", progressDetail: {} }), "a1: Pull complete\n");
 * ```
 */
export class JsonMessageRenderer {
  /** On a terminal: the line of each layer id, counted from the first. */
  #lines = new Map<string, number>();

  constructor(readonly terminal: boolean, readonly columns: number) {}

  push(message: JsonMessage): string {
    if (message.error || message.errorDetail?.message) {
      throw new IpcatError("failed", message.errorDetail?.message ?? message.error!);
    }
    if (message.aux !== undefined) return "";
    const hasProgress = message.progressDetail !== undefined;
    let out = "";
    let diff = 0;
    if (message.id && hasProgress) {
      let line = this.#lines.get(message.id);
      if (line === undefined) {
        line = this.#lines.size;
        this.#lines.set(message.id, line);
        if (this.terminal) out += "\n";
      }
      diff = this.#lines.size - line;
      if (this.terminal) out += `\x1b[${diff}A`;
    } else {
      // Something else than progress: earlier layer lines are not redrawn any more.
      this.#lines.clear();
    }
    out += this.#display(message);
    if (message.id && this.terminal && diff > 0) out += `\x1b[${diff}B`;
    return out;
  }

  #display(message: JsonMessage): string {
    const detail = message.progressDetail;
    const bar = detail ? progressBar(detail.current ?? 0, detail.total, this.columns) : "";
    let out = "";
    let end = "";
    if (this.terminal && !message.stream && detail) {
      out += "\x1b[2K\r";
      end = "\r";
    } else if (detail && bar !== "") {
      return ""; // no progress bars off a terminal
    }
    if (message.id) out += `${message.id}: `;
    const status = message.status ?? "";
    if (detail && this.terminal) return `${out}${status} ${bar}${end}`;
    if (message.progress && !detail) return `${out}${status} ${message.progress}${end}`;
    if (message.stream) return `${out}${message.stream}${end}`;
    return `${out}${status}${end}\n`;
  }
}
