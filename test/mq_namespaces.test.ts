// `ipcat mq` raw commands and IPC namespaces: `ls` and `stat` show the caller's own
// namespace (after `unshare --ipc` and `nsenter --ipc`, where /dev/mqueue shows another's),
// and `--pid PID` / `--container NAME` act in another process's namespace.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readlinkSync } from "node:fs";
import process from "node:process";
import { after, describe, it } from "node:test";
import {
  cliCommand,
  exited,
  hasCommand,
  runCli,
  runProcess,
  startProcess,
  waysToTest,
} from "./harness.ts";
import { openQueue, statQueue, unlinkQueue } from "../src/mq/mod.ts";
import {
  DOCKER_HOST,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  uniqueName,
} from "./docker_env.ts";

const isRoot = process.getuid?.() === 0;
const canNamespace = isRoot && hasCommand("unshare") && hasCommand("nsenter");

const sleepers: ChildProcess[] = [];
after(async () => {
  for (const sleeper of sleepers) {
    if (sleeper.exitCode === null && sleeper.signalCode === null) {
      sleeper.kill("SIGTERM");
      await exited(sleeper);
    }
  }
});

/** A process alone in a new IPC namespace, and its PID once it is there. */
async function processInOwnIpcNamespace(): Promise<number> {
  const sleeper = startProcess(["unshare", "--ipc", "sleep", "120"]);
  sleepers.push(sleeper);
  const until = Date.now() + 30_000;
  // unshare execs sleep in the new namespace: wait until the PID shows it.
  while (readlinkSync(`/proc/${sleeper.pid}/ns/ipc`) === readlinkSync("/proc/self/ns/ipc")) {
    assert.ok(Date.now() < until, "unshare never moved to its own IPC namespace");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return sleeper.pid!;
}

const queueNamesOf = (stdout: string) =>
  (JSON.parse(stdout) as Array<{ name: string }>).map((q) => q.name);

for (const way of waysToTest()) {
  describe(`mq raw commands across IPC namespaces (${way})`, { skip: !canNamespace }, () => {
    it("ls and stat after unshare --ipc show that namespace's queues, with bytes, mode and owner", async () => {
      const parentQueue = `/ipcat-ns-parent-${process.pid}-${way}`;
      openQueue(parentQueue, { create: true, maxmsg: 2, msgsize: 16 }).close();
      try {
        const r = await runProcess([
          "unshare",
          "--ipc",
          "sh",
          "-c",
          `"$@" mq create /only-mine --mode 0640 && "$@" mq send /only-mine hello && "$@" mq ls --json && "$@" mq stat /only-mine --json`,
          "sh",
          ...cliCommand(way),
        ]);
        assert.equal(r.code, 0, r.stderr);
        const [ls, stat] = r.stdout.trim().split("\n");
        assert.deepEqual(queueNamesOf(ls!), ["/only-mine"], "none of the parent's queues");
        assert.deepEqual(JSON.parse(stat!), {
          name: "/only-mine",
          maxmsg: 10,
          msgsize: 8192,
          curmsgs: 1,
          bytes: 5,
          mode: "0640",
          uid: 0,
          gid: 0,
        });
        assert.match(r.stderr, /mounted this IPC namespace's mqueue filesystem at \/dev\/mqueue/);
        assert.ok(statQueue(parentQueue), "the parent's namespace is untouched");
        assert.throws(() => statQueue("/only-mine"), /no queue named/);
      } finally {
        unlinkQueue(parentQueue);
      }
    });

    it("mounts its own view when /dev/mqueue is absent (and changes no mount outside)", async () => {
      const r = await runProcess([
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--ipc",
        "sh",
        "-c",
        `umount /dev/mqueue 2>/dev/null; "$@" mq create /only-here && "$@" mq ls && (grep -c mqueue /proc/self/mountinfo || true)`,
        "sh",
        ...cliCommand(way),
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /mounted this IPC namespace's mqueue filesystem/);
      assert.match(r.stdout, /^\/only-here\s+0\s/m);
      assert.match(r.stdout, /^0$/m, "the shell's own mount namespace still has no mqueue mount");
    });

    it("--pid acts in that process's IPC namespace: create, send, stat, ls, recv, unlink; nsenter sees the same", async () => {
      const pid = String(await processInOwnIpcNamespace());
      const name = `/ipcat-ns-there-${way}`;
      let r = await runCli(way, ["mq", "create", name, "--pid", pid, "--maxmsg", "3"]);
      assert.equal(r.code, 0, r.stderr);
      r = await runCli(way, ["mq", "send", name, "over there", "--pid", pid]);
      assert.equal(r.code, 0, r.stderr);
      assert.throws(() => statQueue(name), /no queue named/, "not in this namespace");
      r = await runCli(way, ["mq", "stat", name, "--pid", pid, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        { ...JSON.parse(r.stdout), uid: undefined, gid: undefined },
        {
          name,
          maxmsg: 3,
          msgsize: 8192,
          curmsgs: 1,
          bytes: 10,
          mode: "0600",
          uid: undefined,
          gid: undefined,
        },
      );
      r = await runCli(way, ["mq", "ls", "--pid", pid, "--json"]);
      assert.deepEqual(queueNamesOf(r.stdout), [name]);
      r = await runProcess([
        "nsenter",
        "--ipc",
        "-t",
        pid,
        ...cliCommand(way),
        "mq",
        "ls",
        "--json",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(queueNamesOf(r.stdout), [name], "nsenter --ipc: that namespace's queues");
      r = await runCli(way, ["mq", "recv", name, "--pid", pid]);
      assert.equal(r.stdout, "over there\n");
      r = await runCli(way, ["mq", "unlink", name, "--pid", pid]);
      assert.equal(r.code, 0, r.stderr);
      r = await runCli(way, ["mq", "ls", "--pid", pid, "--json"]);
      assert.deepEqual(queueNamesOf(r.stdout), []);
    });

    it("refuses --pid and --container together, and names a missing process", async () => {
      let r = await runCli(way, ["mq", "ls", "--pid", "1", "--container", "x"]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--pid and --container do not go together/);
      r = await runCli(way, ["mq", "ls", "--pid", String(2 ** 22 + 7)]);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /no process with PID/);
    });
  });
}

for (const way of waysToTest()) {
  describe(`mq raw commands in a container's IPC namespace (${way})`, () => {
    dockerIt("--container NAME finds the PID through the Docker API", async () => {
      await ensureImage();
      const container = uniqueName("mq");
      let r = await ipcatDocker("bun", ["run", "-d", "--name", container, IMAGE, "sleep", "120"]);
      assert.equal(r.code, 0, r.stderr);
      try {
        const env = { DOCKER_HOST };
        r = await runCli(way, ["mq", "create", "/in-container", "--container", container], { env });
        assert.equal(r.code, 0, r.stderr);
        r = await runCli(way, ["mq", "send", "/in-container", "hi", "--container", container], {
          env,
        });
        assert.equal(r.code, 0, r.stderr);
        r = await runCli(way, ["mq", "ls", "--container", container, "--json"], { env });
        assert.deepEqual(queueNamesOf(r.stdout), ["/in-container"]);
        assert.throws(() => statQueue("/in-container"), /no queue named/);
        r = await runCli(way, ["mq", "recv", "/in-container", "--container", container], { env });
        assert.equal(r.stdout, "hi\n");
        r = await runCli(way, ["mq", "ls", "--container", "ipcat-no-such-container"], { env });
        // The docker client's own error and status (125, as the docker CLI).
        assert.equal(r.code, 125, r.stderr);
        assert.match(r.stderr, /^ipcat: No such container: ipcat-no-such-container/);
      } finally {
        await ipcatDocker("bun", ["rm", "-f", container]);
      }
    });
  });
}
