/**
 * Runs one benchmark module in a process of its own, on behalf of `bench/run.ts`.
 *
 *   bun bench/run-module.ts MODULE_FILE RESULT_FILE CONTEXT_JSON
 *
 * A module in its own process cannot block the runner (a long `spawnSync`, a busy loop),
 * crash it with a stray exception, or outlive its time budget: the runner stops this
 * process and everything under it. Before exiting, this process stops what the module
 * left running, so nothing escapes to init unnoticed, and names it in the result.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import type { BenchContext, BenchModule } from "./lib.ts";
import { descendantsOf, stopProcesses } from "./processes.ts";

/** What a module's process hands back to the runner. */
export interface ModuleOutcome {
  /** The module's declared family, when it got as far as loading. */
  family?: string;
  /** The rows as returned, validated by the runner. */
  rows?: unknown;
  failure?: string;
  /** Processes the module left running, stopped here. */
  leftovers?: string[];
}

const NON_FINITE = "__non_finite__:";

/**
 * JSON of an outcome that keeps NaN and ±Infinity (a failed row's figures), which plain
 * JSON would turn into `null`.
 *
 * @example
 * ```ts
 * import { decodeOutcome, encodeOutcome } from "./run-module.ts";
 * decodeOutcome(encodeOutcome({ rows: [Number.NaN] })); // { rows: [NaN] }
 * ```
 */
export function encodeOutcome(outcome: ModuleOutcome): string {
  return JSON.stringify(
    outcome,
    (
      _key,
      value,
    ) => (typeof value === "number" && !Number.isFinite(value) ? `${NON_FINITE}${value}` : value),
  );
}

/**
 * The inverse of {@link encodeOutcome}.
 *
 * @example
 * ```ts
 * import { decodeOutcome } from "./run-module.ts";
 * const outcome = decodeOutcome('{"failure":"boom"}');
 * ```
 */
export function decodeOutcome(text: string): ModuleOutcome {
  return JSON.parse(
    text,
    (
      _key,
      value,
    ) => (typeof value === "string" && value.startsWith(NON_FINITE)
      ? Number(value.slice(NON_FINITE.length))
      : value),
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function main(): Promise<void> {
  const [file, resultFile, contextJson] = process.argv.slice(2);
  if (file === undefined || resultFile === undefined || contextJson === undefined) {
    process.stderr.write(
      "usage: bun bench/run-module.ts MODULE_FILE RESULT_FILE CONTEXT_JSON (started by bench/run.ts)\n",
    );
    process.exit(2);
  }
  const outcome: ModuleOutcome = {};
  const finish = async (status: number) => {
    const left = descendantsOf(process.pid);
    if (left.length > 0) {
      await stopProcesses(left.map((p) => p.pid));
      outcome.leftovers = left.map((p) => `${p.pid} ${p.command}`);
    }
    writeFileSync(resultFile, encodeOutcome(outcome));
    process.exit(status);
  };
  // A throw from one of the module's callbacks fails the module, with the reason kept.
  const strayError = (error: unknown) => {
    outcome.failure = `uncaught error: ${message(error)}`;
    process.stderr.write(
      `bench: ${file}: ${error instanceof Error ? error.stack : message(error)}\n`,
    );
    void finish(1);
  };
  process.on("uncaughtException", strayError);
  process.on("unhandledRejection", strayError);
  try {
    const loaded = (await import(file)) as Partial<BenchModule>;
    if (typeof loaded.family !== "string" || typeof loaded.run !== "function") {
      throw new Error("does not export `family` and `run(ctx)` (see bench/lib.ts)");
    }
    outcome.family = loaded.family;
    outcome.rows = await loaded.run(JSON.parse(contextJson) as BenchContext);
  } catch (error) {
    outcome.failure = message(error);
    // The runner prints the message; the stack only when asked, as ipcat itself does.
    if (process.env.IPCAT_DEBUG && error instanceof Error) {
      process.stderr.write(`bench: ${file}: ${error.stack}\n`);
    }
  }
  await finish(0);
}

if (import.meta.main) await main();
