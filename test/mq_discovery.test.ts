// Discovery: `ipcat mq ps` lists the processes that can answer (libscope or libappview
// mapped, or `ipcat mq serve`) with their flavor and namespaces; `ipcat mq inspect` gathers
// cfg, transports and details of one process or of all, as `scope inspect` does.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import process from "node:process";
import { after, describe, it } from "node:test";
import {
  cliCommand,
  exited,
  hasCommand,
  runCli,
  startCli,
  startProcess,
  tempName,
  waitForOutput,
  waysToTest,
} from "./harness.ts";

const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited(child);
    }
  }
});

async function server(way: Parameters<typeof startCli>[0], args: string[] = []) {
  const child = startCli(way, ["mq", "serve", ...args]);
  children.push(child);
  await waitForOutput(child, "Ctrl-C stops");
  return child;
}

/** A harmless shared library under libscope's name, for a process to map. */
const STAND_IN = "/lib/x86_64-linux-gnu/libdl.so.2";
const canNamespace = process.getuid?.() === 0 &&
  hasCommand("unshare") &&
  existsSync(cliCommand("binary")[0]!);

for (const way of waysToTest()) {
  describe(`mq ps and inspect (${way})`, () => {
    it("ps lists 'mq serve' of both flavors and a process with libscope mapped", {
      skip: !existsSync(STAND_IN),
    }, async () => {
      const scope = await server(way);
      const appview = await server(way, ["--flavor", "appview"]);
      const dir = tempName("ipcat-fake-libscope");
      mkdirSync(dir);
      copyFileSync(STAND_IN, `${dir}/libscope.so`);
      const mapped = startProcess(["sleep", "60"], { env: { LD_PRELOAD: `${dir}/libscope.so` } });
      children.push(mapped);
      try {
        const until = Date.now() + 30_000;
        while (!readFileSync(`/proc/${mapped.pid}/maps`, "utf8").includes("libscope.so")) {
          assert.ok(Date.now() < until, "the library never got mapped");
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const r = await runCli(way, ["mq", "ps", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const found = new Map(
          (JSON.parse(r.stdout) as Array<{ pid: number; flavor: string }>).map((p) => [p.pid, p]),
        );
        const ipc = readlinkSync("/proc/self/ns/ipc");
        assert.deepEqual(
          { ...found.get(scope.pid!), command: undefined },
          {
            pid: scope.pid,
            nspid: scope.pid,
            ipcNamespace: ipc,
            flavor: "scope",
            via: "ipcat",
            command: undefined,
          },
        );
        assert.equal(found.get(appview.pid!)?.flavor, "appview");
        assert.deepEqual(
          { ...found.get(mapped.pid!), command: undefined },
          {
            pid: mapped.pid,
            nspid: mapped.pid,
            ipcNamespace: ipc,
            flavor: "scope",
            via: "libscope",
            command: undefined,
          },
        );
        assert.equal(found.has(process.pid), false, "the test runner answers nothing");
        const table = await runCli(way, ["mq", "ps"]);
        assert.match(table.stdout, /^PID\s+NSPID\s+IPC NAMESPACE\s+FLAVOR\s+VIA\s+COMMAND$/m);
        assert.match(
          table.stdout,
          new RegExp(
            `^${appview.pid}\\s+${appview.pid}\\s+\\S+\\s+appview\\s+ipcat\\s+.*mq serve --flavor appview$`,
            "m",
          ),
        );
      } finally {
        mapped.kill("SIGTERM");
        rmSync(dir, { recursive: true, force: true });
      }
      scope.kill("SIGTERM");
      appview.kill("SIGTERM");
    });

    it("inspect gathers cfg, interfaces and process as 'scope inspect'; --all each flavor in its own", async () => {
      const scope = await server(way);
      const appview = await server(way, ["--flavor", "appview"]);
      let r = await runCli(way, ["mq", "inspect", String(scope.pid)]);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(doc), ["cfg", "interfaces", "process"]);
      assert.equal(doc.cfg.current.libscope.log.level, "warning");
      assert.deepEqual(doc.interfaces.map((i: { name: string }) => i.name), ["log", "cribl"]);
      assert.equal(doc.process.pid, scope.pid);
      assert.match(r.stdout, /^\{\n {3}"cfg": \{/, "indented by 3, as scope inspect");
      r = await runCli(way, ["mq", "inspect", "--all", "--json"]);
      const docs = r.stdout.trim().split("\n").map((line) => JSON.parse(line));
      const pids = docs.map((d: { process: { pid: number } }) => d.process.pid);
      assert.ok(pids.includes(scope.pid!) && pids.includes(appview.pid!), r.stderr);
      // Others' servers may come and go while this runs; ours must not be among the failures.
      for (const pid of [scope.pid, appview.pid]) {
        assert.doesNotMatch(r.stderr, new RegExp(`process ${pid}:`));
      }
      r = await runCli(way, ["mq", "inspect"]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /name the processes to inspect, or --all/);
      scope.kill("SIGTERM");
      appview.kill("SIGTERM");
    });

    it(
      "ps and inspect see a server in its own IPC and PID namespaces",
      { skip: !canNamespace },
      async () => {
        const wrapper = startProcess([
          "unshare",
          "--ipc",
          "--pid",
          "--fork",
          "--mount-proc",
          ...cliCommand("binary"),
          "mq",
          "serve",
        ]);
        children.push(wrapper);
        await waitForOutput(wrapper, "Ctrl-C stops");
        const inner = Number(
          readFileSync(`/proc/${wrapper.pid}/task/${wrapper.pid}/children`, "utf8").trim(),
        );
        let r = await runCli(way, ["mq", "ps", "--json"]);
        const entry = (JSON.parse(r.stdout) as Array<Record<string, unknown>>).find((p) =>
          p.pid === inner
        );
        assert.equal(entry?.nspid, 1);
        assert.equal(entry?.ipcNamespace, readlinkSync(`/proc/${inner}/ns/ipc`));
        assert.notEqual(entry?.ipcNamespace, readlinkSync("/proc/self/ns/ipc"));
        r = await runCli(way, ["mq", "inspect", String(inner), "--json"]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(
          { pid: JSON.parse(r.stdout).process.pid, hostPid: JSON.parse(r.stdout).process.hostPid },
          { pid: 1, hostPid: inner },
        );
        process.kill(inner, "SIGTERM");
        await exited(wrapper);
      },
    );
  });
}
