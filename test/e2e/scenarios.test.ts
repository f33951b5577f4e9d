// The seeds' jobs, end to end, across real containers on the project's own dockerd:
// the compiled ipcat is dropped into a busybox image made by `ipcat docker import`
// (scripts/rootfs.sh), exactly as users would, and every container runs with network none.
//
// 1. seed 001: a script server in A, its client in B, on a shared named volume; exit codes;
//    the START/SUCCESS line protocol through --raw; A killed and restarted on its stale socket
// 2. seeds 002/003: `ipcat mq serve` in a container's own IPC namespace asked from the host,
//    and a host server asked from a container started with --ipc host
// 3. seed 000: import, run -d, logs, attach, stop, rm, with nothing but `ipcat docker`
// 4. seed 004: a routed daemon in A; B and C with several channels each; C killed mid-stream
//
// Runs the compiled binary only (it is what goes into the image), and only when
// IPCAT_TEST_DOCKER_HOST names a daemon (npm test starts one when run as root).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readlinkSync, rmSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import {
  cliCommand,
  type CliResult,
  exited,
  ROOT,
  runCli,
  startCli,
  tempName,
  waitForOutput,
  waysToTest,
} from "../harness.ts";

const dockerHost = process.env.IPCAT_TEST_DOCKER_HOST;
const fixtures = join(ROOT, "test", "fixtures", "scenarios");

function reasonToSkip(): string | undefined {
  if (!dockerHost) {
    return "IPCAT_TEST_DOCKER_HOST is not set: no Docker daemon to run containers in (npm test starts one when run as root)";
  }
  if (!dockerHost.startsWith("unix://")) {
    return `IPCAT_TEST_DOCKER_HOST=${dockerHost}: the scenarios share volumes and namespaces with this host, so they need a local unix:// daemon`;
  }
  if (!waysToTest(["binary"]).includes("binary")) {
    return "the scenarios run the compiled binary, and dist/ipcat is missing or IPCAT_WAYS excludes binary";
  }
  if (process.getuid?.() !== 0) return "entering a container's IPC namespace (setns) needs root";
  return undefined;
}
const skip = reasonToSkip();
if (skip) console.warn(`scenarios skipped: ${skip}`);

/** A short random suffix, so that names never collide with another run's leftovers. */
const run = Math.random().toString(36).slice(2, 8);
const image = `ipcat-scenarios:${run}`;
const env = { DOCKER_HOST: dockerHost };
const created = { containers: new Set<string>(), volumes: new Set<string>() };
let imageImported = false;

/** `ipcat ARGS…` (the compiled binary) against the test daemon. */
function ipcat(args: readonly string[], stdin?: string): Promise<CliResult> {
  return runCli("binary", args, { env, stdin, timeoutMs: 120_000 });
}

/** `ipcat ARGS…`, which must exit 0; returns what it printed. */
async function ok(args: readonly string[], stdin?: string): Promise<CliResult> {
  const r = await ipcat(args, stdin);
  assert.equal(
    r.code,
    0,
    `ipcat ${args.join(" ")} exited ${
      r.code ?? r.signal
    }\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
  );
  return r;
}

/** A container name for this run, registered for removal. */
function container(role: string): string {
  const name = `ipcat-scn-${run}-${role}`;
  created.containers.add(name);
  return name;
}

/** A named volume for this run, registered for removal. */
function volume(role: string): string {
  const name = `ipcat-scn-${run}-${role}`;
  created.volumes.add(name);
  return name;
}

/** `ipcat docker run --network none ARGS…`: every container of these tests has no network. */
function dockerRun(args: readonly string[], stdin?: string): Promise<CliResult> {
  return ipcat(["docker", "run", "--network", "none", ...args], stdin);
}

/** Starts a detached container and returns its id. */
async function startDetached(name: string, args: readonly string[]): Promise<string> {
  const r = await ok(["docker", "run", "-d", "--network", "none", "--name", name, ...args]);
  const id = r.stdout.trim();
  assert.match(
    id,
    /^[0-9a-f]{64}$/,
    `run -d printed ${JSON.stringify(r.stdout)}, not a container id`,
  );
  return id;
}

/** The container's `inspect` document (ipcat prints what the Engine API answers). */
async function inspect(
  name: string,
): Promise<{ Id: string; State: { Pid: number; Running: boolean; ExitCode: number } }> {
  const parsed = JSON.parse((await ok(["docker", "inspect", name])).stdout);
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/** Reruns `ipcat docker logs NAME` until its stdout and stderr contain `text`. */
async function logsContaining(
  name: string,
  text: string | RegExp,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await ok(["docker", "logs", name]);
    const both = r.stdout + r.stderr;
    if (typeof text === "string" ? both.includes(text) : text.test(both)) return both;
    if (Date.now() > deadline) {
      assert.fail(`logs of ${name} never showed ${text}; they are:\n${both}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** DELETE on the Engine API: images and volumes, which `ipcat docker` does not remove. */
function engineDelete(path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({
      socketPath: dockerHost!.slice("unix://".length),
      method: "DELETE",
      path,
      headers: { host: "docker" },
    }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.end();
  });
}

/** Removes this run's containers, volumes and image; runs after every scenario, failed or not. */
async function removeEverything(): Promise<void> {
  for (const name of created.containers) await ipcat(["docker", "rm", "-f", name]);
  created.containers.clear();
  for (const name of created.volumes) await engineDelete(`/volumes/${name}?force=1`);
  created.volumes.clear();
  if (imageImported) await engineDelete(`/images/${encodeURIComponent(image)}?force=1`);
}

describe("scenarios in real containers", () => {
  before(async () => {
    if (skip) return;
    const tar = `${tempName("ipcat-scn-rootfs")}.tar`;
    try {
      execFileSync("bash", [
        join(ROOT, "scripts", "rootfs.sh"),
        tar,
        "--binary",
        cliCommand("binary")[0]!,
        "--add",
        `${join(fixtures, "server_app.sh")}=/scripts/server_app.sh`,
        "--add",
        `${join(fixtures, "start_handler.sh")}=/scripts/start_handler.sh`,
        "--add",
        `${join(fixtures, "job.sh")}=/scripts/job.sh`,
      ], { stdio: ["ignore", "ignore", "inherit"] });
      await ok(["docker", "import", tar, image]);
      imageImported = true;
    } finally {
      rmSync(tar, { force: true });
    }
    const r = await dockerRun(["--rm", image, "/usr/local/bin/ipcat", "--version"]);
    assert.equal(r.code, 0, `ipcat does not run in the image: ${r.stderr}`);
    assert.match(r.stdout, /^ipcat \d+\.\d+\.\d+ \(bun .*compiled/);
  });
  after(async () => {
    if (!skip) await removeEverything();
  });

  describe("seed 001: a script in A run on request from B, through a socket on a shared volume", () => {
    const vol = volume("ipc001");
    const mount = `${vol}:/ipc`;
    const a = container("001-a");
    let aHost = "";

    /** Runs B: pipes `request` into `ipcat sock run` and returns what the container did. */
    function runB(
      request: string,
      name = container(`001-b-${Math.random().toString(36).slice(2, 6)}`),
    ): Promise<CliResult> {
      return dockerRun([
        "--rm",
        "--name",
        name,
        "-v",
        mount,
        image,
        "sh",
        "-c",
        `echo ${request} | ipcat sock run /ipc/app.sock --wait 30`,
      ]);
    }

    it("B started first waits for A's socket, then shows the script's output and its exit code 0", {
      skip,
    }, async () => {
      const b = container("001-b-first");
      const bDone = runB("exit=0", b);
      // A starts only once B is up and waiting: the wait replaces the seed's `ss` check.
      await waitUntilListed(b);
      aHost = (await startDetached(a, [
        "-v",
        mount,
        image,
        "ipcat",
        "sock",
        "serve",
        "/ipc/app.sock",
        "--",
        "/scripts/server_app.sh",
      ])).slice(0, 12);
      const r = await bDone;
      assert.equal(r.code, 0, r.stderr);
      const { Mounts } = JSON.parse((await ok(["docker", "inspect", a])).stdout)[0] as {
        Mounts: { Type: string; Name?: string; Destination: string }[];
      };
      assert.deepEqual(Mounts.map((m) => [m.Type, m.Name, m.Destination]), [[
        "volume",
        vol,
        "/ipc",
      ]], "A and B share a named volume");
      assert.equal(r.stdout, `server_app: job done on ${aHost}, request 'exit=0'\n`);
      assert.match(r.stderr, /^server_app: exiting with 0$/m);
    });

    it("B's exit code is the script's: 1, then 42", { skip }, async () => {
      for (const code of [1, 42]) {
        const r = await runB(`exit=${code}`);
        assert.equal(r.code, code, r.stderr);
        assert.equal(r.stdout, `server_app: job done on ${aHost}, request 'exit=${code}'\n`);
        assert.match(r.stderr, new RegExp(`^server_app: exiting with ${code}$`, "m"));
      }
    });

    it("--raw keeps the seed's START / SUCCESS line protocol, and the late answer is not cut off", {
      skip,
    }, async () => {
      const raw = container("001-raw");
      const rawHost = (await startDetached(raw, [
        "-v",
        mount,
        image,
        "ipcat",
        "sock",
        "serve",
        "--raw",
        "/ipc/raw.sock",
        "--",
        "/scripts/start_handler.sh",
      ])).slice(0, 12);
      const client = (line: string) =>
        dockerRun([
          "--rm",
          "-v",
          mount,
          image,
          "sh",
          "-c",
          `echo ${line} | ipcat sock connect /ipc/raw.sock --wait 30`,
        ]);
      const success = await client("START");
      assert.equal(success.code, 0, success.stderr);
      assert.equal(
        success.stdout,
        `SUCCESS: server_app: job done on ${rawHost}, request 'exit=0'\n`,
      );
      const failure = await client("STOP");
      assert.equal(failure.stdout, "FAIL: unknown command 'STOP' (expected START)\n");
      // The server logs each command's exit status: 0 for START, 2 for the unknown command.
      const log = await logsContaining(raw, /start_handler\.sh exited with status 2$/m);
      assert.match(log, /start_handler\.sh exited with status 0$/m);
    });

    it("A killed with SIGKILL leaves its socket file; started again, it reuses it and serves", {
      skip,
    }, async () => {
      await ok(["docker", "kill", "-s", "KILL", a]);
      const leftover = await dockerRun(["--rm", "-v", mount, image, "test", "-S", "/ipc/app.sock"]);
      assert.equal(
        leftover.code,
        0,
        "the killed server's socket file should still be on the volume",
      );
      await ok(["docker", "start", a]);
      const r = await runB("exit=0");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `server_app: job done on ${aHost}, request 'exit=0'\n`);
      await logsContaining(a, /stale socket file \/ipc\/app\.sock/);
    });
  });

  describe("seeds 002/003: the queue request protocol across IPC namespaces", () => {
    it("ipcat mq serve in a container's own IPC namespace answers ipcat mq status <host pid>", {
      skip,
    }, async () => {
      const server = container("mq-serve");
      await startDetached(server, [image, "ipcat", "mq", "serve"]);
      const { State } = await inspect(server);
      assert.ok(
        State.Running && State.Pid > 1,
        `the server should run with a host PID: ${JSON.stringify(State)}`,
      );
      assert.notEqual(
        readlinkSync(`/proc/${State.Pid}/ns/ipc`),
        readlinkSync("/proc/self/ns/ipc"),
        "the server should be in its own IPC namespace",
      );
      const status = await ok(["mq", "status", String(State.Pid)]);
      assert.deepEqual(JSON.parse(status.stdout), { status: 200, scoped: true });
      // Inside its namespace the server is PID 1; that is what it reports about itself.
      const details = await ok(["mq", "details", String(State.Pid)]);
      assert.equal(JSON.parse(details.stdout).pid, 1, details.stdout);
      // The client removed its queues in the container's namespace, not in the host's.
      const left = await ok(["docker", "exec", server, "ls", "-A", "/dev/mqueue"]);
      assert.equal(left.stdout, "", `queues left in the container's namespace: ${left.stdout}`);
    });

    it(
      "a server on the host answers a client in a container started with --ipc host",
      { skip },
      async () => {
        const server = startCli("binary", ["mq", "serve"], { env });
        try {
          const pid = server.pid!;
          // The container has its own PID namespace: it cannot see the host PID in /proc, so
          // it names the queue pair itself.
          const r = await dockerRun([
            "--rm",
            "--ipc",
            "host",
            image,
            "ipcat",
            "mq",
            "request",
            "--in",
            `/ScopeIPCIn.${pid}`,
            "--out",
            `/ScopeIPCOut.${pid}`,
            '{"req":5}',
          ]);
          assert.equal(r.code, 0, r.stderr);
          const answer = JSON.parse(r.stdout);
          assert.equal(answer.status, 200);
          assert.equal(answer.pid, pid);
        } finally {
          server.kill("SIGTERM");
          await exited(server);
        }
      },
    );
  });

  describe("seed 000: a container driven through the Engine API with nothing but ipcat docker", () => {
    it(
      "import, run -d, read a token with logs, attach and answer it, stop, rm",
      { skip },
      async () => {
        // The image was imported by `ipcat docker import` in the before hook.
        const gui = container("000-gui");
        await startDetached(gui, [
          "-i",
          image,
          "sh",
          "-c",
          'token=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d " \\n"); echo "token=$token"; ' +
          'while read -r line; do if [ "$line" = "$token" ]; then echo "accepted $line"; else echo "rejected $line"; fi; done',
        ]);
        const token = (await logsContaining(gui, /^token=[0-9a-f]{16}$/m)).match(
          /^token=([0-9a-f]{16})$/m,
        )![1]!;

        const attach = startCli("binary", ["docker", "attach", "--sig-proxy=false", gui], { env });
        try {
          attach.stdin!.write("not-the-token\n");
          attach.stdin!.write(`${token}\n`);
          const seen = await waitForOutput(attach, `accepted ${token}`, 60_000);
          assert.match(seen, /^rejected not-the-token\naccepted [0-9a-f]{16}\n/);
          attach.stdin!.end();
          assert.equal(
            (await inspect(gui)).State.Running,
            true,
            "the container keeps running after the attach",
          );
          await ok(["docker", "stop", "-t", "1", gui]);
          // The attached client ends with the container and exits with its code, as docker attach does.
          const ended = await Promise.race([
            exited(attach),
            new Promise<null>((r) => setTimeout(() => r(null), 30_000)),
          ]);
          assert.ok(ended, "ipcat docker attach still runs 30 s after the container stopped");
          const { State } = await inspect(gui);
          assert.equal(State.Running, false);
          assert.equal(ended.code, State.ExitCode);
        } finally {
          attach.kill("SIGKILL");
          await exited(attach);
        }
        await ok(["docker", "rm", gui]);
        const gone = await ipcat(["docker", "inspect", gui]);
        assert.notEqual(gone.code, 0, "the container should be gone after rm");
        // As the docker CLI 28 words it for inspect: "No such object".
        assert.match(gone.stderr, /no such (container|object)/i);
      },
    );
  });

  describe("seed 004: a routed daemon in A, clients in B and C, C killed mid-stream", () => {
    it(
      "B's channels complete normally and A's log shows C's contexts freed",
      { skip },
      async () => {
        const vol = volume("ipc004");
        const mount = `${vol}:/ipc`;
        const a = container("004-a");
        const b = container("004-b");
        const c = container("004-c");
        await startDetached(a, [
          "-v",
          mount,
          image,
          "ipcat",
          "sock",
          "serve",
          "/ipc/daemon.sock",
          "--allow-args",
          "--",
          "/scripts/job.sh",
        ]);
        // B: six exec channels at once, all held open until C is dead (the file /ipc/c-killed):
        // four stream 1000 lines through the remote cat, two wait for the file. Then four
        // echo channels at once. Every byte is checked.
        await startDetached(b, [
          "-v",
          mount,
          image,
          "sh",
          "-c",
          [
            "cd /tmp",
            "ipcat sock wait /ipc/daemon.sock --timeout 30 || exit 99",
            "seq 1 1000 >expected",
            'for i in 1 2 3 4; do ( (seq 1 500; /scripts/job.sh wait-for /ipc/c-killed >/dev/null; seq 501 1000) | ipcat sock run /ipc/daemon.sock >cat$i.out; echo "cat$i exit $?" ) & done',
            'for i in 1 2; do ( ipcat sock run /ipc/daemon.sock -- wait-for /ipc/c-killed >wait$i.out; echo "wait$i exit $?" ) & done',
            "echo B streaming; wait",
            'for i in 1 2 3 4; do ( seq 1 20000 | ipcat sock call /ipc/daemon.sock ipcat.echo - >echo$i.out; echo "echo$i exit $?" ) & done; wait',
            "seq 1 20000 >expected-echo",
            'for i in 1 2 3 4; do cmp expected cat$i.out && echo "cat$i intact"; done',
            "for i in 1 2; do grep -qx 'released by /ipc/c-killed' wait$i.out && echo \"wait$i intact\"; done",
            'for i in 1 2 3 4; do cmp expected-echo echo$i.out && echo "echo$i intact"; done',
          ].join("\n"),
        ]);
        // C: echo channels first, then four exec channels streaming when it is killed: two
        // ticking for a minute, two feeding the remote cat forever.
        await startDetached(c, [
          "-v",
          mount,
          image,
          "sh",
          "-c",
          [
            "ipcat sock wait /ipc/daemon.sock --timeout 30 || exit 99",
            'for i in 1 2 3; do ipcat sock call /ipc/daemon.sock ipcat.echo "c$i" & done; wait',
            "for i in 1 2; do ipcat sock run /ipc/daemon.sock -- ticks 600 & done",
            "for i in 1 2; do (while :; do echo c$i; sleep 0.05; done) | ipcat sock run /ipc/daemon.sock >/dev/null & done",
            "wait",
          ].join("\n"),
        ]);
        await logsContaining(b, "B streaming");
        await logsContaining(c, /tick 5\n[^]*tick 5\n/);
        await ok(["docker", "kill", "-s", "KILL", c]);

        // A ends the commands of C's four exec channels, naming the clients they belonged to.
        // (Any exec that ends now is C's: B's are held until /ipc/c-killed exists.)
        const log = await logsContaining(a, /(client \d+: \/scripts\/job\.sh exited[^]*){4}/);
        const cClients = [
          ...new Set(
            [...log.matchAll(/client (\d+): \/scripts\/job\.sh exited/g)].map((m) => m[1]!),
          ),
        ];
        assert.equal(
          cClients.length,
          4,
          `C had four exec channels on four connections; A's log:\n${log}`,
        );

        // A freed each of C's client contexts, with the channel each left open, while B's
        // channels are all still open.
        for (const id of cClients) {
          await logsContaining(
            a,
            new RegExp(
              `client ${id}: disconnected; context freed, 1 open channel completed as disconnected$`,
              "m",
            ),
          );
        }

        // Only now, with C gone, may B's channels finish.
        await ok(["docker", "exec", a, "touch", "/ipc/c-killed"]);
        const waited = await ok(["docker", "wait", b]);
        const bLog = (await ok(["docker", "logs", b])).stdout;
        assert.equal(waited.stdout.trim(), "0", bLog);
        for (
          const name of [
            "cat1",
            "cat2",
            "cat3",
            "cat4",
            "wait1",
            "wait2",
            "echo1",
            "echo2",
            "echo3",
            "echo4",
          ]
        ) {
          assert.match(bLog, new RegExp(`^${name} exit 0$`, "m"), bLog);
          assert.match(bLog, new RegExp(`^${name} intact$`, "m"), bLog);
        }
        // B's clients left with every channel complete: only C's left any open.
        const aLog = (await ok(["docker", "logs", a])).stderr;
        assert.equal(aLog.match(/completed as disconnected$/gm)?.length, 4, aLog);
        assert.equal((await inspect(a)).State.Running, true, "the daemon survives C's death");
      },
    );
  });
});

/** Resolves once `ipcat docker ps` lists a container named `name`. */
async function waitUntilListed(name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await ok(["docker", "ps"])).stdout.includes(name)) {
    if (Date.now() > deadline) assert.fail(`${name} never showed up in ipcat docker ps`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
