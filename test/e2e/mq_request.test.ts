// The AppScope/AppView request protocol end to end: `ipcat mq serve` in one process,
// `ipcat mq request` and the verbs in another, in each way ipcat runs; stale queues,
// timeouts, Ctrl-C, and a server in its own IPC (and PID) namespace reached with --pid.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { after, describe, it } from "node:test";
import {
  cliCommand,
  exited,
  hasCommand,
  runCli,
  runProcess,
  startCli,
  startProcess,
  tempName,
  waitForOutput,
  waysToTest,
} from "../harness.ts";
import { encodeRequest, openQueue, statQueue, tryOpenQueue } from "../../src/mq/mod.ts";

const children: ChildProcess[] = [];
/** What the tests made on disk, removed at the end whether they passed or not. */
const cleanups: (() => void)[] = [];
after(async () => {
  for (const cleanup of cleanups) cleanup();
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited(child);
    }
  }
});

/** Starts `ipcat mq serve ...args` and resolves once it says it is serving. */
async function startServer(
  way: Parameters<typeof startCli>[0],
  args: string[] = [],
): Promise<ChildProcess> {
  const child = startCli(way, ["mq", "serve", ...args]);
  children.push(child);
  await waitForOutput(child, "Ctrl-C stops");
  return child;
}

async function stopServer(
  child: ChildProcess,
  signal: "SIGINT" | "SIGHUP" = "SIGINT",
): Promise<void> {
  child.kill(signal);
  const status = signal === "SIGINT" ? 130 : 129;
  assert.equal((await exited(child)).code, status, `serve exits ${status} on ${signal}`);
}

const queueExists = (name: string) => {
  try {
    statQueue(name);
    return true;
  } catch {
    return false;
  }
};

const isRoot = process.getuid?.() === 0;
const SERVER_UID = 65534;
const THIRD_UID = 65533;
/** The argv prefix that runs a command as `uid` (and its own group), without root's groups. */
const asUid = (uid: number) => ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups"];
const canSwitchUid = isRoot && hasCommand("setpriv") &&
  existsSync(cliCommand("binary")[0]!);
const hasUnshare = hasCommand("unshare");
// The namespaced servers run as the compiled binary, whichever way the client runs.
const canNamespace = isRoot && hasUnshare && existsSync(cliCommand("binary")[0]!);

for (const way of waysToTest()) {
  describe(`mq request and serve (${way})`, () => {
    it("answers every verb as libscope does, and leaves no queue behind", async () => {
      const server = await startServer(way);
      const pid = String(server.pid);
      let r = await runCli(way, ["mq", "cmds", pid, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.length, 365);
      assert.deepEqual(JSON.parse(r.stdout).commands_scope.map((c: { name: string }) => c.name), [
        "getSupportedCmd",
        "getScopeStatus",
        "getScopeCfg",
        "setScopeCfg",
        "getTransportStatus",
        "getProcessDetails",
        "initiateSnapshot",
      ]);
      r = await runCli(way, ["mq", "status", pid, "--json"]);
      assert.equal(r.stdout, '{"status":200,"scoped":true}\n');
      r = await runCli(way, ["mq", "status", pid]);
      assert.equal(r.stdout, '{\n  "status": 200,\n  "scoped": true\n}\n');
      r = await runCli(way, ["mq", "details", pid, "--json"]);
      const details = JSON.parse(r.stdout);
      assert.equal(details.pid, server.pid);
      assert.match(details.uuid, /^[0-9a-f-]{36}$/);
      r = await runCli(way, ["mq", "transports", pid, "--json"]);
      assert.deepEqual(JSON.parse(r.stdout), {
        status: 200,
        interfaces: [
          { name: "log", config: "file:///tmp/scope.log", connected: false, attempts: 0 },
          { name: "cribl", config: "edge", connected: false, attempts: 0 },
        ],
      });
      // libscope's default configuration from the start, as 'scope inspect' needs.
      r = await runCli(way, ["mq", "cfg", pid, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const current = JSON.parse(r.stdout).cfg.current;
      assert.deepEqual(Object.keys(current), [
        "metric",
        "libscope",
        "event",
        "payload",
        "tags",
        "protocol",
        "cribl",
      ]);
      assert.equal(current.libscope.log.level, "warning");
      assert.deepEqual(current.metric.transport, {
        type: "udp",
        host: "127.0.0.1",
        port: "8125",
        tls: { enable: "false", validateserver: "true", cacertpath: "" },
      });
      // A non-200 answer: the body is printed all the same, the status says it failed.
      r = await runCli(way, ["mq", "snapshot", pid, "--json"]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '{"status":500}\n');
      assert.equal(
        r.stderr,
        `ipcat: process ${pid} answered initiateSnapshot with status 500 (it could not carry it out) (see the process's own log)\n`,
      );
      r = await runCli(way, ["mq", "request", "--pid", pid, '{"req":42}']);
      assert.equal(r.stdout, '{"status":501}\n');
      r = await runCli(way, ["mq", "request", "--pid", pid, '{"no":"req"}']);
      assert.equal(r.stdout, '{"status":400}\n');
      r = await runCli(way, ["mq", "status", "abc"]);
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        "ipcat: 'abc' is not a process id (give the PID of the process to ask, e.g. 'ipcat mq status 4242')\n",
      );
      assert.equal(queueExists(`/ScopeIPCIn.${pid}`) || queueExists(`/ScopeIPCOut.${pid}`), false);
      await stopServer(server);
    });

    it("puts the real CLI's bytes on the wire, in queues made as the real CLI makes them", async () => {
      const pid = 760000 + (process.pid % 10000);
      const names = { in: `/ScopeIPCIn.${pid}`, out: `/ScopeIPCOut.${pid}` };
      const client = runCli(way, [
        "mq",
        "request",
        "--in",
        names.in,
        "--out",
        names.out,
        '{"req":1}',
      ]);
      let frame: Uint8Array | null = null;
      let seen: ReturnType<typeof statQueue> | null = null;
      const until = Date.now() + 30_000;
      while (!frame) {
        assert.ok(Date.now() < until, "the request never arrived");
        const inQueue = tryOpenQueue(names.in, "read");
        const outQueue = tryOpenQueue(names.out, "write");
        const message = outQueue ? inQueue?.tryReceive() : null;
        if (message && outQueue) {
          frame = message.data;
          seen = statQueue(names.in);
          const uniq =
            JSON.parse(new TextDecoder().decode(frame.subarray(0, frame.indexOf(0)))).uniq;
          outQueue.trySend(
            new TextEncoder().encode(
              `{"status":200,"uniq":${uniq},"remain":28}\0{"status":200,"scoped":true}`,
            ),
          );
        }
        inQueue?.close();
        outQueue?.close();
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const r = await client;
      assert.equal(r.stdout, '{"status":200,"scoped":true}\n', r.stderr);
      const text = new TextDecoder().decode(frame);
      assert.match(text, /^\{"req":0,"uniq":\d{1,4},"remain":9\}\0\{"req":1\}\0$/);
      assert.equal(seen!.maxmsg, 10);
      assert.equal(seen!.msgsize, 8192);
      if (seen!.mode !== null) assert.equal(seen!.mode, "0666", "created under a cleared umask");
      assert.equal(queueExists(names.in) || queueExists(names.out), false);
    });

    it("idles without burning a core", async () => {
      const server = await startServer(way);
      const cpuTicks = () =>
        readFileSync(`/proc/${server.pid}/stat`, "utf8").split(") ")[1]!.split(" ").slice(11, 13)
          .reduce((a, b) => a + Number(b), 0);
      const before = cpuTicks();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const used = cpuTicks() - before;
      // 100 ticks a second is one whole core; polling every few milliseconds costs about 1 %.
      assert.ok(used < 75, `serve used ${used} ticks of CPU in 3 s of idling`);
      const r = await runCli(way, ["mq", "status", String(server.pid), "--json"]);
      assert.equal(r.stdout, '{"status":200,"scoped":true}\n');
      await stopServer(server);
    });

    it("carries a multi-frame configuration both ways (set-cfg then cfg)", async () => {
      const server = await startServer(way);
      const pid = String(server.pid);
      const cfg = {
        libscope: {
          log: { level: "debug" },
          tags: Object.fromEntries(
            Array.from({ length: 5000 }, (_, i) => [`tag${i}`, `é value ${i}`]),
          ),
        },
      };
      let r = await runCli(way, ["mq", "set-cfg", pid, "-"], { stdin: JSON.stringify(cfg) });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(JSON.stringify(cfg).length > 12 * 8192, "needs more frames than a queue holds");
      r = await runCli(way, ["mq", "cfg", pid, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { cfg: { current: cfg }, status: 200 });
      await stopServer(server);
    });

    it("set-cfg reads YAML as 'scope update' does; transports follow the configuration", async () => {
      const server = await startServer(way);
      const pid = String(server.pid);
      const yaml = [
        "# scope.yml, as 'scope update' takes it",
        "metric:",
        "  enable: true",
        "  transport: { type: udp, host: 10.0.0.1, port: '8125' }",
        "event:",
        "  enable: true",
        "  transport:",
        "    type: unix",
        "    path: /run/events.sock",
        "cribl:",
        "  enable: false",
        "libscope:",
        "  log: { level: debug, transport: { type: file, path: /var/log/scope.log } }",
        "",
      ].join("\n");
      let r = await runCli(way, ["mq", "set-cfg", pid, "-"], { stdin: yaml });
      assert.equal(r.code, 0, r.stderr);
      r = await runCli(way, ["mq", "cfg", pid, "--json"]);
      assert.equal(JSON.parse(r.stdout).cfg.current.libscope.log.level, "debug");
      r = await runCli(way, ["mq", "transports", pid, "--json"]);
      assert.deepEqual(
        JSON.parse(r.stdout).interfaces.map((t: { name: string; config: string }) => [
          t.name,
          t.config,
        ]),
        [
          ["log", "file:///var/log/scope.log"],
          ["events", "unix:///run/events.sock"],
          ["metrics", "udp://10.0.0.1:8125"],
        ],
      );
      r = await runCli(way, ["mq", "set-cfg", pid, "-"], { stdin: "metric: [unclosed" });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^ipcat: the configuration in stdin is neither YAML nor JSON/);
      r = await runCli(way, ["mq", "set-cfg", pid, "-"], { stdin: "- a list\n" });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /is not a mapping/);
      await stopServer(server);
    });

    it("hands every request to --handler CMD, and answers 500 when it fails", async () => {
      const server = await startServer(way, [
        "--as-pid",
        "777001",
        "--handler",
        `read -r r; if [ "$IPCAT_MQ_REQ" = 2 ]; then exit 3; fi; printf '{"status":200,"echo":%s}' "$r"`,
      ]);
      let r = await runCli(way, [
        "mq",
        "request",
        "--in",
        "/ScopeIPCIn.777001",
        "--out",
        "/ScopeIPCOut.777001",
        '{"req":1,"x":[1,2]}',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { status: 200, echo: { req: 1, x: [1, 2] } });
      r = await runCli(way, [
        "mq",
        "request",
        "--in",
        "ScopeIPCIn.777001",
        "--out",
        "ScopeIPCOut.777001",
        '{"req":2}',
      ]);
      assert.equal(r.stdout, '{"status":500}\n');
      await stopServer(server);
    });

    it("speaks AppView with --flavor appview", async () => {
      const server = await startServer(way, ["--flavor", "appview"]);
      const pid = String(server.pid);
      let r = await runCli(way, ["mq", "status", pid, "--flavor", "appview", "--json"]);
      assert.equal(r.stdout, '{"status":200,"viewed":true}\n');
      r = await runCli(way, ["mq", "cmds", pid, "--flavor", "appview", "--json"]);
      assert.deepEqual(
        JSON.parse(r.stdout).commands_appview.map((c: { name: string }) => c.name).slice(1, 4),
        ["getAppViewStatus", "getAppViewCfg", "setAppViewCfg"],
      );
      r = await runCli(way, ["mq", "snapshot", pid, "--flavor", "appview"]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /AppView has no snapshot request/);
      r = await runCli(way, ["mq", "status", pid, "--timeout", "0.3"]);
      assert.equal(r.code, 6, "a scope request finds no scope server");
      await stopServer(server, "SIGHUP");
    });

    it("outlives a tiny or hostile Out queue: meta-only 500 where it fits, skipped otherwise", async () => {
      const asPid = 781000 + (process.pid % 10000);
      const server = await startServer(way, ["--as-pid", String(asPid)]);
      const names = { in: `/ScopeIPCIn.${asPid}`, out: `/ScopeIPCOut.${asPid}` };
      for (const [msgsize, expected] of [[32, null], [36, '{"status":500,"uniq":77,"remain":0}']]) {
        const inQueue = openQueue(names.in, { create: true, exclusive: true, access: "write" });
        const outQueue = openQueue(names.out, {
          create: true,
          exclusive: true,
          access: "read",
          msgsize: msgsize as number,
        });
        const logged = expected === null
          ? waitForOutput(server, "and for a meta-only error: skipped")
          : null;
        try {
          inQueue.trySend(encodeRequest('{"req":0}', 77, inQueue.msgsize)[0]!);
          const until = Date.now() + 30_000;
          while (inQueue.attributes().curmsgs > 0) {
            assert.ok(Date.now() < until, "the server never took the request");
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          if (expected === null) {
            await logged;
            assert.equal(outQueue.tryReceive(), null, "nothing fits a 32-byte queue");
          } else {
            const frame = await outQueue.receive({ timeoutMs: 30_000 });
            assert.equal(new TextDecoder().decode(frame.data), expected);
          }
        } finally {
          for (const queue of [inQueue, outQueue]) {
            queue.close();
            queue.unlink();
          }
        }
      }
      assert.equal(server.exitCode, null, "the server is still running");
      const r = await runCli(way, [
        "mq",
        "request",
        "--in",
        names.in,
        "--out",
        names.out,
        '{"req":1}',
      ]);
      assert.equal(r.stdout, '{"status":200,"scoped":true}\n', r.stderr);
      await stopServer(server);
    });

    it("names a stale queue and removes it with --force", async () => {
      const server = await startServer(way);
      const pid = String(server.pid);
      openQueue(`/ScopeIPCIn.${pid}`, { create: true }).close();
      let r = await runCli(way, ["mq", "status", pid]);
      assert.equal(r.code, 4);
      assert.equal(
        r.stderr,
        `ipcat: queue /ScopeIPCIn.${pid} already exists: left behind by a request that crashed, or another request is running (remove it with --force (or 'ipcat mq unlink /ScopeIPCIn.${pid}'))\n`,
      );
      r = await runCli(way, ["mq", "status", pid, "--force", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(queueExists(`/ScopeIPCIn.${pid}`), false);
      await stopServer(server);
    });

    it("times out when nothing takes the request, and removes its queues", async () => {
      const sleeper = startProcess(["sleep", "60"]);
      children.push(sleeper);
      const r = await runCli(way, ["mq", "status", String(sleeper.pid), "--timeout", "0.3"]);
      assert.equal(r.code, 6);
      assert.match(
        r.stderr,
        new RegExp(
          `^ipcat: process ${sleeper.pid} did not take the request from /ScopeIPCIn.${sleeper.pid} within 0.3 s \\(timeout waiting for it to consume the message\\)`,
        ),
      );
      assert.equal(
        queueExists(`/ScopeIPCIn.${sleeper.pid}`) || queueExists(`/ScopeIPCOut.${sleeper.pid}`),
        false,
      );
      sleeper.kill("SIGTERM");
    });

    for (const [signal, status] of [["SIGINT", 130], ["SIGHUP", 129]] as const) {
      it(`${signal} during a request stops it at once (exit ${status}) and removes its queues`, async () => {
        const sleeper = startProcess(["sleep", "60"]);
        children.push(sleeper);
        const client = startCli(way, ["mq", "status", String(sleeper.pid), "--timeout", "60"]);
        const until = Date.now() + 30_000;
        while (!queueExists(`/ScopeIPCOut.${sleeper.pid}`)) {
          assert.ok(Date.now() < until, "the client never created its queues");
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        client.kill(signal);
        assert.equal((await exited(client)).code, status);
        assert.equal(
          queueExists(`/ScopeIPCIn.${sleeper.pid}`) || queueExists(`/ScopeIPCOut.${sleeper.pid}`),
          false,
        );
        sleeper.kill("SIGTERM");
      });
    }

    it(
      "keeps an exchange private: 0600 queues given to the server's uid; a third uid can neither read nor forge",
      {
        skip: !canSwitchUid,
      },
      async () => {
        const released = tempName("ipcat-mq-release");
        const server = startProcess([
          ...asUid(SERVER_UID),
          ...cliCommand("binary"),
          "mq",
          "serve",
          "--handler",
          `cat >/dev/null; while [ ! -e ${released} ]; do sleep 0.01; done; echo '{"status":200,"real":true}'`,
        ]);
        children.push(server);
        await waitForOutput(server, "Ctrl-C stops");
        const pid = String(server.pid);
        const names = { in: `/ScopeIPCIn.${pid}`, out: `/ScopeIPCOut.${pid}` };
        try {
          const asRoot = runCli(way, ["mq", "request", "--pid", pid, '{"req":1}']);
          const until = Date.now() + 30_000;
          while (!queueExists(names.out) || statQueue(names.in).curmsgs !== 0) {
            assert.ok(Date.now() < until, "the server never took the request");
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          for (const name of [names.in, names.out]) {
            const info = statQueue(name);
            assert.equal(info.mode, "0600", `${name} is private`);
            assert.equal(info.uid, SERVER_UID, `${name} belongs to the server's uid`);
          }
          const third = [...asUid(THIRD_UID), ...cliCommand("binary"), "mq"];
          const spy = await runProcess([...third, "recv", names.in, "--nonblock"]);
          assert.equal(spy.code, 5, spy.stderr);
          assert.match(spy.stderr, /permission denied to open queue/);
          const forger = await runProcess([...third, "send", names.out, "--split", "none"], {
            stdin: '{"status":200,"uniq":1,"remain":29}\u0000{"status":200,"forged":true}',
          });
          assert.equal(forger.code, 5, forger.stderr);
          writeFileSync(released, "");
          const root = await asRoot;
          assert.equal(root.code, 0, root.stderr);
          assert.equal(root.stdout, '{"status":200,"real":true}\n');
          // The server's own uid asking: 0600 as well, no change of owner needed. (Deno, run
          // as that uid, needs a cache directory it may write; removed afterwards.)
          const denoDir = tempName("ipcat-deno-dir");
          cleanups.push(() => rmSync(denoDir, { recursive: true, force: true }));
          const own = await runProcess([
            ...asUid(SERVER_UID),
            ...cliCommand(way),
            "mq",
            "status",
            pid,
          ], {
            env: { HOME: "/tmp", DENO_DIR: denoDir },
          });
          assert.equal(own.code, 0, own.stderr);
          assert.deepEqual(JSON.parse(own.stdout), { status: 200, real: true });
        } finally {
          // Whatever failed, the handler must finish, or the server never stops.
          writeFileSync(released, "");
        }
        rmSync(released, { force: true });
        assert.equal(queueExists(names.in) || queueExists(names.out), false);
        await stopServer(server);
      },
    );

    it(
      "reaches a server in its own IPC namespace with --pid (setns)",
      { skip: !canNamespace },
      async () => {
        const server = startProcess(["unshare", "--ipc", ...cliCommand("binary"), "mq", "serve"]);
        children.push(server);
        await waitForOutput(server, "Ctrl-C stops");
        const pid = String(server.pid);
        assert.notEqual(readlinkSync(`/proc/${pid}/ns/ipc`), readlinkSync("/proc/self/ns/ipc"));
        const r = await runCli(way, ["mq", "details", pid, "--json"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(JSON.parse(r.stdout).pid, server.pid);
        assert.equal(
          queueExists(`/ScopeIPCIn.${pid}`),
          false,
          "the queues lived in the server's namespace, not here",
        );
        await stopServer(server);
      },
    );

    it("reaches a server in its own IPC and PID namespaces, naming queues by its inner PID", {
      skip: !canNamespace,
    }, async () => {
      const wrapper = spawn("unshare", [
        "--ipc",
        "--pid",
        "--fork",
        "--mount-proc",
        ...cliCommand("binary"),
        "mq",
        "serve",
      ], { stdio: ["pipe", "pipe", "pipe"] });
      children.push(wrapper);
      await waitForOutput(wrapper, "Ctrl-C stops");
      const inner = Number(
        readFileSync(`/proc/${wrapper.pid}/task/${wrapper.pid}/children`, "utf8").trim().split(
          /\s+/,
        )[0],
      );
      assert.match(readFileSync(`/proc/${inner}/status`, "utf8"), /^NSpid:\s+\d+\s+1$/m);
      const r = await runCli(way, ["mq", "details", String(inner), "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).pid, 1);
      process.kill(inner, "SIGINT");
      await exited(wrapper);
    });
  });
}
