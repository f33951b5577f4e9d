/**
 * The contract between benchmark modules and the benchmark runner (`npm run bench`).
 *
 * Each `bench/<name>.bench.ts` exports `family` and `run(ctx)`, returning rows. A row
 * compares ipcat with a real peer measured in the same run, alternately, as a ratio.
 *
 * @module
 */

/** Median and spread of repeated samples. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  samples: number;
}

/** One line of a family's table in bench/REPORT.md. */
export interface BenchRow {
  /** What was measured, e.g. "raw throughput, serve --raw / connect". */
  name: string;
  /** Unit of the figures, e.g. "MiB/s", "msg/s", "ms". */
  unit: string;
  ipcat: Stats;
  /** The peer's name, e.g. "socat -b131072", "C (gcc -O2)", "docker CLI". */
  peer: string;
  /** `null` where no peer figure exists (e.g. peak memory, binary size). */
  peerStats: Stats | null;
  /** True when a larger figure is better (throughput), false for times. */
  higherIsBetter: boolean;
  /** The target as written in the issue, e.g. ">= 1.2x socat", "p50 <= 2x C". */
  target: string;
  /** Whether the target is met, decided by the module from the figures. */
  met: boolean | null;
  /** Anything a reader needs: the bottleneck, the method. */
  note?: string;
  /**
   * Set when this measurement failed: the report prints the reason instead of figures
   * (see `failedRow` in `bench/measure.ts`), and the other rows still count.
   */
  failure?: string;
}

/** What the runner gives each module. */
export interface BenchContext {
  /** `--quick`: fewer runs and smaller sizes; the whole quick run must finish in 3 minutes. */
  quick: boolean;
  /** Absolute path of the compiled binary to measure (dist/ipcat). */
  binary: string;
  /** A scratch directory for this run, removed afterwards. */
  workDir: string;
  /**
   * DOCKER_HOST of the daemon the runner started, when there is one. The runner also sets
   * it in the module's environment, so programs the module starts use that daemon.
   */
  dockerHost?: string;
  /**
   * Milliseconds this module may take before the runner gives up on it (its share of the
   * 3-minute quick or 20-minute full budget). Modules may size their runs by it.
   */
  budgetMs?: number;
}

/** The shape of a benchmark module. */
export interface BenchModule {
  family: "docker" | "mq" | "sock" | "general";
  run(ctx: BenchContext): Promise<BenchRow[]>;
}
