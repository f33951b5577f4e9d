import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, describe, it } from "node:test";
import {
  alternate,
  alternationOrder,
  compileCSource,
  elapsedMs,
  failedRow,
  peakRss,
  ratio,
  sampleRss,
  stats,
  timeCommand,
} from "./measure.ts";

describe("stats", () => {
  it("takes the middle sample of an odd count, whatever the order", () => {
    assert.deepEqual(stats([5, 1, 3]), { median: 3, min: 1, max: 5, samples: 3 });
  });
  it("averages the two middle samples of an even count", () => {
    assert.deepEqual(stats([10, 2, 4, 8]), { median: 6, min: 2, max: 10, samples: 4 });
  });
  it("sorts numerically, not as strings", () => {
    assert.deepEqual(stats([9, 10, 100]), { median: 10, min: 9, max: 100, samples: 3 });
  });
  it("summarises a single sample", () => {
    assert.deepEqual(stats([7]), { median: 7, min: 7, max: 7, samples: 1 });
  });
  it("leaves the caller's array untouched", () => {
    const samples = [3, 1, 2];
    stats(samples);
    assert.deepEqual(samples, [3, 1, 2]);
  });
  it("refuses no samples and non-finite ones", () => {
    assert.throws(() => stats([]), /no samples/);
    assert.throws(() => stats([1, Number.NaN]), /not a finite number/);
    assert.throws(() => stats([1, Number.POSITIVE_INFINITY]), /not a finite number/);
  });
});

describe("alternationOrder", () => {
  it("swaps the order of every other pair", () => {
    assert.deepEqual(alternationOrder(4), ["a", "b", "b", "a", "a", "b", "b", "a"]);
  });
  it("runs each side exactly `runs` times, odd counts included", () => {
    for (const runs of [0, 1, 5, 12]) {
      const order = alternationOrder(runs);
      assert.equal(order.filter((s) => s === "a").length, runs);
      assert.equal(order.filter((s) => s === "b").length, runs);
    }
  });
  it("refuses a negative or fractional count", () => {
    assert.throws(() => alternationOrder(-1), /whole number/);
    assert.throws(() => alternationOrder(1.5), /whole number/);
  });
});

describe("alternate", () => {
  it("runs warm-up and measured runs in alternating order and keeps only the measured figures", async () => {
    const calls: string[] = [];
    let tick = 0;
    const result = await alternate({
      warmup: 1,
      runs: 3,
      a: () => (calls.push("a"), ++tick),
      b: () => Promise.resolve((calls.push("b"), 100 + ++tick)),
    });
    assert.deepEqual(calls, ["a", "b", "a", "b", "b", "a", "a", "b"]);
    // Ticks 1 and 2 were the warm-up; the measured ones are 3..8 in the order above.
    assert.deepEqual(result.aSamples, [3, 6, 7]);
    assert.deepEqual(result.bSamples, [104, 105, 108]);
    assert.deepEqual(result.a, { median: 6, min: 3, max: 7, samples: 3 });
    assert.deepEqual(result.b, { median: 105, min: 104, max: 108, samples: 3 });
  });
  it("lets a failing measurement fail the whole comparison", async () => {
    await assert.rejects(
      alternate({
        warmup: 0,
        runs: 2,
        a: () => 1,
        b: () => Promise.reject(new Error("peer broke")),
      }),
      /peer broke/,
    );
  });
  it("refuses zero runs", async () => {
    await assert.rejects(alternate({ warmup: 0, runs: 0, a: () => 1, b: () => 1 }), /at least 1/);
  });
});

describe("ratio and failedRow", () => {
  it("divides ipcat's median by the peer's", () => {
    assert.equal(ratio(stats([3, 30, 6]), stats([2, 4, 1])), 3);
  });
  it("marks a failed measurement with its reason and no figures", () => {
    const row = failedRow(
      { name: "x", unit: "ms", peer: "socat", target: "<= 2x" },
      new Error("socat missing"),
    );
    assert.equal(row.failure, "socat missing");
    assert.equal(row.met, null);
    assert.equal(row.ipcat.samples, 0);
    assert.equal(row.peerStats, null);
  });
});

describe("timeCommand (real processes)", () => {
  it("times a real program and returns milliseconds", () => {
    const ms = timeCommand(["sh", "-c", "exit 0"]);
    assert.ok(ms > 0 && Number.isFinite(ms), `got ${ms}`);
  });
  it("throws with the exit status and stderr of a failing program", () => {
    assert.throws(
      () => timeCommand(["sh", "-c", "echo broken >&2; exit 3"]),
      /exit status 3: broken/,
    );
  });
  it("accepts the status it is told to expect", () => {
    assert.ok(timeCommand(["sh", "-c", "exit 3"], { expectStatus: 3 }) > 0);
  });
  it("throws when the program does not exist", () => {
    assert.throws(() => timeCommand(["/nonexistent/ipcat-bench-program"]), /ENOENT/);
  });
  it("feeds input on stdin", () => {
    assert.ok(
      timeCommand(["sh", "-c", 'read line; [ "$line" = hello ]'], { input: "hello\n" }) > 0,
    );
  });
});

describe("elapsedMs", () => {
  it("waits for the action's promise to settle and returns a duration", async () => {
    let settled = false;
    const ms = await elapsedMs(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      settled = true;
    });
    assert.equal(settled, true);
    assert.ok(Number.isFinite(ms) && ms >= 0, `got ${ms}`);
  });
});

describe("peakRss and sampleRss (/proc)", () => {
  it("reads this process's VmHWM in bytes", () => {
    const bytes = peakRss(process.pid);
    assert.ok(bytes !== null && bytes > 1024 * 1024, `got ${bytes}`);
  });
  it("returns null for a process that does not exist", () => {
    assert.equal(peakRss(2 ** 30), null);
  });
  it("keeps the peak of a process after it has exited", async () => {
    // The child grows to about 64 MiB, holds it for a second (many samples), then exits.
    const child = spawn("python3", ["-c", 'import time; b = b"x" * (64 << 20); time.sleep(1)'], {
      stdio: "ignore",
    });
    const sampler = sampleRss(child.pid!, 20);
    await new Promise((resolve) => child.on("exit", resolve));
    const peak = sampler.stop();
    assert.ok(peak !== null && peak >= 64 * 1024 * 1024, `got ${peak}`);
    assert.equal(peakRss(child.pid!), null);
  });
});

describe("compileCSource (real gcc)", () => {
  const workDir = mkdtempSync(join(tmpdir(), "ipcat-measure-test-"));
  after(() => rmSync(workDir, { recursive: true, force: true }));
  it("builds a program that runs", () => {
    const exe = compileCSource({ workDir }, "answer", "int main(void) { return 42; }");
    assert.equal(spawnSync(exe).status, 42);
  });
  it("throws with gcc's message when the source does not compile", () => {
    assert.throws(
      () => compileCSource({ workDir }, "broken", "int main(void) { return nope; }"),
      /nope/,
    );
  });
});
