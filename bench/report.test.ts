import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BenchRow } from "./lib.ts";
import {
  formatNumber,
  formatStats,
  type ModuleResult,
  renderReport,
  type RunInfo,
  verdict,
} from "./report.ts";

const RUN: RunInfo = {
  quick: false,
  only: [],
  startedAt: new Date("2026-11-21T11:02:33.000Z"),
  seconds: 95,
  machine: [["CPU", "2 cores, AMD EPYC"], ["kernel", "Linux 6.18"]],
};

function row(overrides: Partial<BenchRow>): BenchRow {
  return {
    name: "raw throughput",
    unit: "MiB/s",
    ipcat: { median: 900, min: 850, max: 950, samples: 5 },
    peer: "socat -b131072",
    peerStats: { median: 600, min: 580, max: 640, samples: 5 },
    higherIsBetter: true,
    target: ">= 1.2x socat",
    met: true,
    ...overrides,
  };
}

function section(
  family: string,
  rows: BenchRow[],
  extra: Partial<ModuleResult> = {},
): ModuleResult {
  return { family, file: `bench/${family}.bench.ts`, rows, seconds: 12.5, ...extra };
}

describe("formatNumber and formatStats", () => {
  it("keeps three significant digits and groups thousands", () => {
    assert.equal(formatNumber(1234567.8), "1,234,568");
    assert.equal(formatNumber(12.345), "12.3");
    assert.equal(formatNumber(0.0012345), "0.00123");
    assert.equal(formatNumber(0), "0");
    assert.equal(formatNumber(Number.NaN), "—");
  });
  it("puts min–max beside the median, except for a single sample", () => {
    assert.equal(
      formatStats({ median: 7.5, min: 6.25, max: 9, samples: 10 }, "ms"),
      "7.5 ms (6.25–9)",
    );
    assert.equal(
      formatStats({ median: 105.7, min: 105.7, max: 105.7, samples: 1 }, "MiB"),
      "106 MiB",
    );
  });
});

describe("verdict", () => {
  it("tells met, missed, no target and not measured apart", () => {
    assert.equal(verdict(row({ met: true })), "met");
    assert.equal(verdict(row({ met: false })), "missed");
    assert.equal(verdict(row({ met: null })), "no target");
    assert.equal(verdict(row({ failure: "socat not installed" })), "not measured");
    assert.equal(
      verdict(row({ ipcat: { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples: 0 } })),
      "not measured",
    );
  });
});

describe("renderReport", () => {
  it("prints each row with both figures, the ratio, the target and the verdict", () => {
    const report = renderReport(RUN, [section("sock", [row({})])]);
    assert.match(
      report,
      /\| raw throughput \| 900 MiB\/s \(850–950\) \| socat -b131072 \| 600 MiB\/s \(580–640\) \| 1\.5× \| >= 1\.2x socat \| met \|/,
    );
  });
  it("names every missed target plainly in the summary and marks the row", () => {
    const report = renderReport(RUN, [
      section("mq", [
        row({
          name: "msg/s in-process",
          unit: "msg/s",
          met: false,
          target: ">= 0.85x C",
          peer: "C (gcc -O2)",
        }),
      ]),
    ]);
    assert.match(report, /\*\*1 target was missed:\*\*/);
    assert.match(
      report,
      /- mq: \*\*msg\/s in-process\*\* missed its target \(>= 0\.85x C\): ipcat 900 msg\/s against C \(gcc -O2\) 600 msg\/s \(1\.5×\)\./,
    );
    assert.match(report, /\| \*\*MISSED\*\* \|/);
  });
  it("gives a failed module a row with the reason, and keeps the other families", () => {
    const report = renderReport(RUN, [
      section("docker", [], { failure: "dockerd not reachable" }),
      section("general", [row({ name: "start-up", met: null })]),
    ]);
    assert.match(report, /\| bench\/docker\.bench\.ts \| failed \|/);
    assert.match(report, /\*\*bench\/docker\.bench\.ts failed\*\*: dockerd not reachable/);
    assert.match(report, /\| start-up \|/);
  });
  it("shows a failed measurement's reason instead of figures", () => {
    const report = renderReport(RUN, [
      section("sock", [
        row({
          failure: "socat exited 1",
          ipcat: { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples: 0 },
          peerStats: null,
          met: null,
        }),
      ]),
    ]);
    assert.match(
      report,
      /\| raw throughput \| failed \| socat -b131072 \| — \| — \| >= 1\.2x socat \| \*\*not measured\*\* \|/,
    );
    assert.match(report, /Not measured: sock, raw throughput: socat exited 1/);
  });
  it("orders the tables docker, mq, sock, then general, whatever order the modules ran in", () => {
    const report = renderReport(
      RUN,
      ["general", "sock", "docker", "mq"].map((f) => section(f, [row({})])),
    );
    const positions = ["## docker", "## mq", "## sock", "## general"].map((h) => report.indexOf(h));
    assert.ok(positions.every((p) => p >= 0));
    assert.deepEqual([...positions].sort((x, y) => x - y), positions);
  });
  it("records the machine, the date, the duration and how to reproduce the run", () => {
    const report = renderReport({ ...RUN, quick: true, only: ["sock"] }, [
      section("sock", [row({})]),
    ]);
    assert.match(report, /started 2026-11-21 11:02 UTC, took 1 min 35 s/);
    assert.match(report, /`npm run bench -- --quick --only sock` reproduces them/);
    assert.match(report, /\| CPU \| 2 cores, AMD EPYC \|/);
  });
  it("escapes a | inside a cell so the table keeps its columns", () => {
    const report = renderReport(RUN, [section("sock", [row({ name: "a | b" })])]);
    assert.match(report, /\| a \\\| b \|/);
  });
  it("says so when every target with a figure was met", () => {
    const all = ["docker", "mq", "sock", "general"].map((f) => section(f, [row({})]));
    assert.match(renderReport(RUN, all), /Every target with a figure was met/);
  });
  it("names the families that have no module, except those left out with --only", () => {
    assert.match(
      renderReport(RUN, [section("general", [row({})])]),
      /No benchmark module in this checkout for: docker, mq, sock \(so no table\)/,
    );
    assert.doesNotMatch(
      renderReport({ ...RUN, only: ["general"] }, [section("general", [row({})])]),
      /No benchmark module/,
    );
  });
});
