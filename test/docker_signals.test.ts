// Signals to the client, as the docker CLI takes them: `run` and `attach` forward SIGTERM
// and SIGHUP to the container and exit with its status, also once an attach's stdin is at
// EOF (the session is then waiting for the exit); `logs -f` ends at SIGHUP as the CLI does.
import assert from "node:assert/strict";
import { after, before, describe } from "node:test";
import { exited, startCli, startProcess, waitForOutput, waysToTest } from "./harness.ts";
import {
  DOCKER_CLI,
  DOCKER_HOST,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  removeContainers,
  runBytes,
  track,
  uniqueName,
} from "./docker_env.ts";

before(async () => {
  if (DOCKER_HOST) await ensureImage();
});
after(() => removeContainers());

const TRAPS = 'trap "echo got-term; exit 7" TERM; trap "echo got-hup; exit 9" HUP; echo ready; ' +
  "while :; do sleep 0.1; done";

/** Polls the daemon's events until `container` was attached to (the client is then wired). */
async function attached(container: string, since: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const events = await runBytes([
      ...DOCKER_CLI,
      "events",
      "--since",
      String(since),
      "--until",
      "0s",
      "--filter",
      `container=${container}`,
      "--filter",
      "event=attach",
    ]);
    if (events.stdout.byteLength > 0) return;
  }
  throw new Error(`no attach to ${container} within 20 s`);
}

for (const way of waysToTest()) {
  describe(`docker: signals to the client, as the CLI takes them (${way})`, () => {
    for (const [signal, status] of [["SIGTERM", 7], ["SIGHUP", 9]] as const) {
      dockerIt(`run forwards ${signal} to the container and exits with its status`, async () => {
        const name = track(uniqueName(`sig-run-${way}`));
        const child = startCli(way, [
          "docker",
          "run",
          "--rm",
          "--name",
          name,
          "--network",
          "none",
          IMAGE,
          "sh",
          "-c",
          TRAPS,
        ], { env: { DOCKER_HOST } });
        child.stdin!.end();
        await waitForOutput(child, "ready");
        child.kill(signal);
        const output = waitForOutput(child, signal === "SIGTERM" ? "got-term" : "got-hup");
        assert.deepEqual(await exited(child), { code: status, signal: null });
        await output.catch(() => {});
      }, 30_000);
    }

    dockerIt(
      "attach < file: at stdin's EOF it stays, forwards SIGTERM and exits with the status",
      async () => {
        const name = track(uniqueName(`sig-att-${way}`));
        const started = await ipcatDocker(way, [
          "run",
          "-d",
          "-i",
          "--name",
          name,
          "--network",
          "none",
          IMAGE,
          "sh",
          "-c",
          TRAPS,
        ]);
        assert.equal(started.code, 0, started.stderr);
        const since = Math.floor(Date.now() / 1000) - 1;
        const child = startCli(way, ["docker", "attach", name], { env: { DOCKER_HOST } });
        child.stdin!.end("input that ends at once\n");
        await attached(name, since);
        child.kill("SIGTERM");
        assert.deepEqual(await exited(child), { code: 7, signal: null });
        const state = await ipcatDocker(way, [
          "inspect",
          "-f",
          "{{.State.Status}} {{.State.ExitCode}}",
          name,
        ]);
        assert.equal(state.stdout, "exited 7\n");
      },
      30_000,
    );

    dockerIt(
      "logs -f ends at SIGHUP as the CLI's does, leaving the container running",
      async () => {
        const name = track(uniqueName(`sig-logs-${way}`));
        await ipcatDocker(way, [
          "run",
          "-d",
          "--name",
          name,
          "--network",
          "none",
          IMAGE,
          "sh",
          "-c",
          TRAPS,
        ]);
        const ends = [];
        for (
          const child of [
            startCli(way, ["docker", "logs", "-f", name], { env: { DOCKER_HOST } }),
            startProcess([...DOCKER_CLI, "logs", "-f", name]),
          ]
        ) {
          child.stdin!.end();
          await waitForOutput(child, "ready");
          child.kill("SIGHUP");
          ends.push(await exited(child));
        }
        assert.deepEqual(ends[0], ends[1], "the same end as the CLI's");
        const state = await ipcatDocker(way, ["inspect", "-f", "{{.State.Status}}", name]);
        assert.equal(state.stdout, "running\n");
      },
      30_000,
    );
  });
}

for (const way of waysToTest()) {
  describe(`docker: a reader that closes stdout (${way})`, () => {
    dockerIt("logs -f | head -1 ends quietly with 141, as a pipeline expects", async () => {
      const name = track(uniqueName(`epipe-${way}`));
      await ipcatDocker(way, [
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        IMAGE,
        "sh",
        "-c",
        "while :; do echo line; sleep 0.05; done",
      ]);
      const child = startCli(way, ["docker", "logs", "-f", name], { env: { DOCKER_HOST } });
      child.stdin!.end();
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      await waitForOutput(child, "line");
      child.stdout!.destroy();
      const end = await exited(child);
      assert.equal(end.code, 141, stderr);
      assert.equal(stderr, "");
    }, 30_000);
  });
}
