import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { describe, it } from "node:test";
import { descendantsOf, stopProcesses } from "./processes.ts";

function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => (check()
      ? resolve()
      : Date.now() > until
      ? reject(new Error("timed out"))
      : setTimeout(poll, 20));
    poll();
  });
}

describe("descendantsOf and stopProcesses (real processes)", () => {
  it("finds children and grandchildren, and stops them all, one that ignores SIGTERM included", async () => {
    // The inner shell ignores SIGTERM and keeps looping: only the SIGKILL after the grace period ends it.
    const shell = spawn("sh", [
      "-c",
      "sh -c 'trap \"\" TERM; while :; do sleep 0.05; done' & sleep 30 & wait",
    ], { stdio: "ignore" });
    const shellPid = shell.pid!;
    await waitFor(() =>
      descendantsOf(shellPid).some((p) => p.command === "sleep 30") &&
      descendantsOf(shellPid).some((p) => p.command.includes("trap"))
    );
    const found = descendantsOf(process.pid);
    assert.ok(found.some((p) => p.pid === shellPid), "the direct child is found");
    assert.ok(found.some((p) => p.command === "sleep 30"), "a grandchild is found");

    const stubborn = descendantsOf(shellPid).find((p) => p.command.includes("trap"))!.pid;
    const pids = [shellPid, ...descendantsOf(shellPid).map((p) => p.pid)];
    await stopProcesses(pids, 300);
    await waitFor(() =>
      !descendantsOf(process.pid).some((p) => p.pid === stubborn || p.pid === shellPid)
    );
  });
  it("finds nothing under a process without children", () => {
    const lone = spawn("sleep", ["5"], { stdio: "ignore" });
    assert.deepEqual(descendantsOf(lone.pid!), []);
    lone.kill("SIGKILL");
  });
});
