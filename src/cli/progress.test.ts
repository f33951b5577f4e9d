// Unit tests of the progress line: what it draws, how often, and that quiet draws nothing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatBytes, formatProgress, startProgress, startProgressLine } from "./progress.ts";

function recorder() {
  const writes: string[] = [];
  const decoder = new TextDecoder();
  return {
    writes,
    output: {
      write: (data: Uint8Array) => Promise.resolve(void writes.push(decoder.decode(data))),
      close: () => Promise.resolve(),
    },
  };
}

describe("progress", () => {
  it("formats sizes, rates and the time left", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(1023), "1023 B");
    assert.equal(formatBytes(82.6), "83 B", "a rate in whole bytes");
    assert.equal(formatBytes(5 * 2 ** 30), "5.0 GiB");
    assert.equal(
      formatProgress({ label: "push", bytes: 2 ** 20, total: 2 ** 30, elapsedMs: 1000 }),
      "push  1.0 MiB / 1.0 GiB  1.0 MiB/s  ETA 17:03",
    );
    assert.equal(
      formatProgress({ label: "cp", bytes: 3 * 2 ** 30, total: 2 ** 40, elapsedMs: 1000 }),
      "cp  3.0 GiB / 1.0 TiB  3.0 GiB/s  ETA 5:41",
    );
  });

  it("redraws at most once per interval and ends the line", async () => {
    const { writes, output } = recorder();
    const progress = startProgress("copy", { output, total: 300, intervalMs: 60_000 });
    progress.add(100);
    progress.add(100);
    progress.add(100);
    await progress.done();
    assert.equal(writes.length, 3, "one draw, the final draw, the newline");
    assert.match(writes[0]!, /^\rcopy {2}100 B \/ 300 B/);
    assert.match(writes[1]!, /^\rcopy {2}300 B \/ 300 B/);
    assert.equal(writes[2], "\n");
  });

  it("draws a line its caller renders, padded over a longer earlier one", async () => {
    const { writes, output } = recorder();
    const figures = ["sent 10 B   received 1.5 KiB", "sent 20 B"];
    const line = startProgressLine(() => figures.shift() ?? "none", { output, intervalMs: 0 });
    line.update();
    line.update();
    await line.done();
    assert.deepEqual(writes, [
      "\rsent 10 B   received 1.5 KiB",
      "\rsent 20 B" + " ".repeat(19),
      "\rnone" + " ".repeat(24),
      "\n",
    ]);
  });

  it("draws nothing when quiet", async () => {
    const { writes, output } = recorder();
    const progress = startProgress("copy", { output, quiet: true });
    progress.add(10);
    await progress.done();
    assert.deepEqual(writes, []);
  });
});
