/**
 * Renders `bench/REPORT.md` from the rows the benchmark modules returned.
 *
 * Pure: everything the report says comes in through its arguments, so the wording of
 * missed targets, failures and figures is unit-tested (`report.test.ts`).
 *
 * @module
 */
import type { BenchRow, Stats } from "./lib.ts";

/** What one benchmark module produced in this run. */
export interface ModuleResult {
  /** The family whose table the rows go in ("general", "mq", …). */
  family: string;
  /** The module's file, e.g. `bench/mq.bench.ts`. */
  file: string;
  rows: BenchRow[];
  /** Why the module as a whole failed (threw, timed out, returned malformed rows). */
  failure?: string;
  /** Wall time the module took. */
  seconds: number;
  /** Processes the module left running, which the runner stopped. */
  leftovers?: string[];
}

/** What the report says about the run itself. */
export interface RunInfo {
  quick: boolean;
  /** Families the run was limited to with `--only` (empty: all). */
  only: readonly string[];
  startedAt: Date;
  seconds: number;
  /** Label/value pairs describing the machine and the tools' versions. */
  machine: ReadonlyArray<readonly [string, string]>;
}

/** How a row stands against its target. */
export type Verdict = "met" | "missed" | "no target" | "not measured";

/** Families in report order: the three families, then the general figures. */
export const FAMILY_ORDER: readonly string[] = ["docker", "mq", "sock", "general"];

/**
 * Whether a row met its target, missed it, had none, or could not be measured.
 *
 * @example
 * ```ts ignore
 * import { verdict } from "./report.ts";
 * import type { BenchRow } from "./lib.ts";
 * declare const row: BenchRow;
 * if (verdict(row) === "missed") console.log(`${row.name} missed ${row.target}`);
 * ```
 */
export function verdict(row: BenchRow): Verdict {
  if (row.failure !== undefined || row.ipcat.samples === 0) return "not measured";
  if (row.met === null) return "no target";
  return row.met ? "met" : "missed";
}

/**
 * A figure as the report prints it: three significant digits, thousands grouped.
 *
 * @example
 * ```ts
 * import { formatNumber } from "./report.ts";
 * formatNumber(1234567.8); // "1,234,568"
 * formatNumber(0.012345); // "0.0123"
 * ```
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (value === 0) return "0";
  return String(Number(value.toPrecision(3)));
}

/**
 * A median with its spread, e.g. `12.3 ms (11.9–13.0)`; a single sample has no spread.
 *
 * @example
 * ```ts
 * import { formatStats } from "./report.ts";
 * formatStats({ median: 12.3, min: 11.9, max: 13, samples: 9 }, "ms"); // "12.3 ms (11.9–13)"
 * ```
 */
export function formatStats(figure: Stats, unit: string): string {
  if (figure.samples === 0) return "—";
  const median = `${formatNumber(figure.median)} ${unit}`;
  return figure.samples === 1
    ? median
    : `${median} (${formatNumber(figure.min)}–${formatNumber(figure.max)})`;
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** Markdown table cells must not contain a bare `|` or a line break. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

function rowCells(row: BenchRow): string[] {
  const measured = verdict(row) !== "not measured";
  const ratio = measured && row.peerStats && row.peerStats.samples > 0
    ? row.ipcat.median / row.peerStats.median
    : Number.NaN;
  const label = {
    met: "met",
    missed: "**MISSED**",
    "no target": "no target",
    "not measured": "**not measured**",
  }[verdict(row)];
  return [
    row.name,
    row.failure !== undefined
      ? "failed"
      : measured
      ? formatStats(row.ipcat, row.unit)
      : "not measured",
    row.peer,
    row.peerStats && measured ? formatStats(row.peerStats, row.unit) : "—",
    Number.isFinite(ratio) ? `${formatNumber(ratio)}×` : "—",
    row.target,
    label,
  ].map(cell);
}

function missedLine(family: string, row: BenchRow): string {
  const ipcat = `${formatNumber(row.ipcat.median)} ${row.unit}`;
  const peer = row.peerStats && row.peerStats.samples > 0
    ? ` against ${row.peer} ${formatNumber(row.peerStats.median)} ${row.unit} (${
      formatNumber(row.ipcat.median / row.peerStats.median)
    }×)`
    : "";
  return `- ${family}: **${row.name}** missed its target (${row.target}): ipcat ${ipcat}${peer}.`;
}

/** The sections in report order; families outside {@link FAMILY_ORDER} come before "general". */
function ordered(results: readonly ModuleResult[]): ModuleResult[] {
  const rank = (family: string) => {
    const known = FAMILY_ORDER.indexOf(family);
    return known === -1 ? FAMILY_ORDER.length - 1.5 : known;
  };
  return [...results].sort((x, y) =>
    rank(x.family) - rank(y.family) || x.file.localeCompare(y.file)
  );
}

/**
 * The whole report as Markdown: summary (missed targets first), machine, method, then
 * one table per family with notes and failures spelled out.
 *
 * @example
 * ```ts
 * import { renderReport } from "./report.ts";
 * const markdown = renderReport(
 *   { quick: true, only: [], startedAt: new Date(), seconds: 12, machine: [["cores", "2"]] },
 *   [],
 * );
 * ```
 */
export function renderReport(run: RunInfo, results: readonly ModuleResult[]): string {
  const sections = ordered(results);
  const rows = sections.flatMap((s) => s.rows.map((row) => ({ family: s.family, row })));
  const count = (v: Verdict) => rows.filter(({ row }) => verdict(row) === v).length;
  const kind = run.quick
    ? "Quick run (`npm run bench -- --quick`: fewer runs, smaller sizes)"
    : "Full run";
  const limited = run.only.length > 0 ? `, limited to ${run.only.join(", ")}` : "";
  const command = [
    "npm run bench",
    ...(run.quick || run.only.length > 0 ? ["--"] : []),
    ...(run.quick ? ["--quick"] : []),
    ...run.only.map((f) => `--only ${f}`),
  ].join(" ");
  const when = run.startedAt.toISOString().replace("T", " ").replace(/:\d\d\.\d+Z$/, " UTC");
  const out: string[] = [
    "# ipcat benchmark report",
    "",
    `${kind}${limited}, started ${when}, took ${formatDuration(run.seconds)}. ` +
    `Every figure comes from this one run; \`${command}\` reproduces them.`,
    "",
    "## Summary",
    "",
  ];

  const missed = rows.filter(({ row }) => verdict(row) === "missed");
  const failedModules = sections.filter((s) => s.failure !== undefined);
  const unmeasured = rows.filter(({ row }) => verdict(row) === "not measured");
  if (missed.length > 0) {
    out.push(`**${missed.length} target${missed.length === 1 ? " was" : "s were"} missed:**`, "");
    out.push(...missed.map(({ family, row }) => missedLine(family, row)), "");
  }
  out.push(
    `- Targets met: ${count("met")}; missed: ${count("missed")}; rows without a target: ${
      count("no target")
    }; ` +
      `not measured: ${unmeasured.length}.`,
  );
  for (const s of failedModules) out.push(`- **${s.file} failed**: ${s.failure}`);
  const absent = FAMILY_ORDER.filter((f) =>
    (run.only.length === 0 || run.only.includes(f)) && !sections.some((s) => s.family === f)
  );
  if (absent.length > 0) {
    out.push(`- No benchmark module in this checkout for: ${absent.join(", ")} (so no table).`);
  }
  for (const { family, row } of unmeasured) {
    out.push(`- Not measured: ${family}, ${row.name}: ${row.failure ?? row.note ?? "no figure"}`);
  }
  if (
    missed.length === 0 && failedModules.length === 0 && unmeasured.length === 0 &&
    absent.length === 0
  ) {
    out.push("- Every target with a figure was met.");
  }

  out.push("", "## Machine", "", "| | |", "|---|---|");
  for (const [label, value] of run.machine) out.push(`| ${cell(label)} | ${cell(value)} |`);

  out.push(
    "",
    "## Method",
    "",
    "- Every figure is the median of several runs after a warm-up; min–max follows in brackets.",
    "- ipcat and its peer run alternately in the same session (a b b a a b …), so drift on a shared",
    "  machine hits both; the ratio is ipcat's median divided by the peer's.",
    "- Peers are real programs: socat, the docker CLI, and small C programs in `bench/` built",
    "  with `gcc -O2` by the run itself. Times are wall times of whole runs unless a note says otherwise.",
    "- A target that is not met says **MISSED**; a measurement that could not be taken says why.",
  );

  for (const s of sections) {
    out.push("", `## ${s.family}`, "", `\`${s.file}\`, ${formatDuration(s.seconds)}.`, "");
    out.push(
      "| measured | ipcat | peer | peer figure | ipcat ÷ peer | target | met |",
      "|---|---|---|---|---|---|---|",
    );
    for (const row of s.rows) out.push(`| ${rowCells(row).join(" | ")} |`);
    if (s.failure !== undefined) {
      out.push(`| ${cell(s.file)} | failed | — | — | — | — | **not measured** |`);
    }
    const notes = s.rows.filter((row) => row.note !== undefined || row.failure !== undefined);
    if (notes.length > 0 || s.failure !== undefined || s.leftovers?.length) {
      out.push("");
      for (const row of notes) {
        const text = [row.failure !== undefined ? `failed: ${row.failure}` : undefined, row.note]
          .filter(Boolean).join(". ");
        out.push(`- **${row.name}**: ${text}`);
      }
      if (s.failure !== undefined) {
        out.push(`- **The module failed**: ${s.failure}. Its figures are missing from this run.`);
      }
      if (s.leftovers?.length) {
        out.push(
          `- The module left ${s.leftovers.length} process(es) running, stopped by the runner: ${
            s.leftovers.join("; ")
          }.`,
        );
      }
    }
  }
  return `${out.join("\n")}\n`;
}
