// `ipcat docker` end to end against the real dockerd that `npm test` starts, in each of
// the three ways (compiled binary, bun, deno). Images come from `ipcat docker import`.
import assert from "node:assert/strict";
import { readlinkSync, rmSync, writeFileSync } from "node:fs";
import { after, before, describe } from "node:test";
import { exited, startCli, tempName, waitForOutput, waysToTest } from "../harness.ts";
import {
  binaryData,
  busyboxRootfsTar,
  DOCKER_HOST,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  ipcatDockerBytes,
  removeContainers,
  track,
  uniqueName,
} from "../docker_env.ts";

const MiB = 1 << 20;
const outFile = tempName("ipcat-docker-out");
const errFile = tempName("ipcat-docker-err");
const stdoutData = binaryData(MiB, 11);
const stderrData = binaryData(MiB, 12);

before(async () => {
  if (!DOCKER_HOST) return;
  writeFileSync(outFile, stdoutData);
  writeFileSync(errFile, stderrData);
  await ensureImage();
});
after(async () => {
  rmSync(outFile, { force: true });
  rmSync(errFile, { force: true });
  await removeContainers();
});

for (const way of waysToTest()) {
  describe(`docker (${way})`, () => {
    dockerIt("ping and version name the daemon's API version", async () => {
      const ping = await ipcatDocker(way, ["ping"]);
      assert.equal(ping.code, 0, ping.stderr);
      assert.match(ping.stdout, /^OK \(API 1\.\d+, linux, Docker\//);
      const version = await ipcatDocker(way, ["version"]);
      assert.equal(version.code, 0, version.stderr);
      assert.match(version.stdout, /^Client: ipcat\n Version: +\d+\.\d+\.\d+\n/);
      assert.match(version.stdout, /API version:\s+1\.41 \(downgraded from 1\.\d+\)/);
      assert.match(version.stdout, /Server:\n Engine:\n {2}Version:\s+20\./);
    });

    dockerIt(
      "import makes a runnable image from a root fs tar, from a file and from stdin",
      async () => {
        const tar = busyboxRootfsTar();
        try {
          const fromFile = await ipcatDocker(way, ["import", tar, `ipcat-test-import-${way}:v1`]);
          assert.equal(fromFile.code, 0, fromFile.stderr);
          assert.match(fromFile.stdout, /^sha256:[0-9a-f]{64}\n$/);
          const { readFileSync } = await import("node:fs");
          const fromStdin = await ipcatDocker(way, ["import", "-", `ipcat-test-import-${way}:v2`], {
            stdin: readFileSync(tar),
          });
          assert.equal(fromStdin.code, 0, fromStdin.stderr);
          const run = await ipcatDocker(way, [
            "run",
            "--rm",
            "--network",
            "none",
            `ipcat-test-import-${way}:v2`,
            "echo",
            "imported",
          ]);
          assert.equal(run.stdout, "imported\n", run.stderr);
        } finally {
          rmSync(tar, { force: true });
        }
        const bad = await ipcatDocker(way, ["import", "-", "x:y"], { stdin: "not a tar at all" });
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /^ipcat: .+\n$/);
      },
    );

    dockerIt(
      "run: 1 MiB stdout and 1 MiB stderr, byte-exact and apart, exit code 3; --rm leaves nothing",
      async () => {
        const name = uniqueName(`big-${way}`);
        const result = await ipcatDockerBytes(way, [
          "run",
          "--rm",
          "--name",
          name,
          "--network",
          "none",
          "-v",
          `${outFile}:/out.bin:ro`,
          "-v",
          `${errFile}:/err.bin:ro`,
          IMAGE,
          "sh",
          "-c",
          "cat /out.bin; cat /err.bin >&2; exit 3",
        ]);
        assert.equal(result.code, 3, result.stderr.subarray(0, 300).toString());
        assert.equal(result.stdout.byteLength, MiB);
        assert.ok(result.stdout.equals(stdoutData), "stdout differs");
        assert.equal(result.stderr.byteLength, MiB);
        assert.ok(result.stderr.equals(stderrData), "stderr differs");
        const gone = await ipcatDocker(way, ["inspect", name]);
        assert.equal(gone.code, 1, "--rm must have removed the container before run returned");
      },
    );

    dockerIt("logs -f follows a running container to its end, streams apart", async () => {
      const name = track(uniqueName(`follow-${way}`));
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
        "echo a; sleep 1; echo b >&2; sleep 1; echo c",
      ]);
      const result = await ipcatDocker(way, ["logs", "-f", name]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "a\nc\n");
      assert.equal(result.stderr, "b\n");
    });

    dockerIt(
      "run -i: binary stdin round trip through cat, ending on output EOF after the half-close",
      async () => {
        const data = binaryData(3 * MiB + 17, 5);
        const result = await ipcatDockerBytes(way, [
          "run",
          "--rm",
          "-i",
          "--network",
          "none",
          IMAGE,
          "cat",
        ], { stdin: data });
        assert.equal(result.code, 0, result.stderr.toString());
        assert.ok(result.stdout.equals(data), `got ${result.stdout.byteLength} bytes`);
      },
    );

    dockerIt(
      "run -i: stdin EOF reaches the container, which then prints and exits with its own code",
      async () => {
        const result = await ipcatDocker(way, [
          "run",
          "--rm",
          "-i",
          "--network",
          "none",
          IMAGE,
          "sh",
          "-c",
          "wc -c; echo done >&2; exit 4",
        ], { stdin: "12345" });
        assert.equal(result.code, 4);
        assert.equal(result.stdout.trim(), "5");
        assert.equal(result.stderr, "done\n");
      },
    );

    dockerIt(
      "run -i: a container that exits without reading 20 MiB of stdin still ends with its output and code",
      async () => {
        const result = await ipcatDockerBytes(way, [
          "run",
          "--rm",
          "-i",
          "--network",
          "none",
          IMAGE,
          "sh",
          "-c",
          "echo bye; exit 2",
        ], { stdin: new Uint8Array(20 * MiB) });
        assert.equal(result.stdout.toString(), "bye\n");
        assert.equal(result.code, 2, result.stderr.toString());
      },
    );

    dockerIt("run loses nothing from a container that prints and exits at once", async () => {
      for (let i = 0; i < 3; i++) {
        const result = await ipcatDocker(way, [
          "run",
          "--rm",
          "--network",
          "none",
          IMAGE,
          "echo",
          `first-${i}`,
        ]);
        assert.equal(result.stdout, `first-${i}\n`);
        assert.equal(result.code, 0);
      }
    });

    dockerIt("run passes -e, -w, -u, --entrypoint and --name", async () => {
      const name = track(uniqueName(`opts-${way}`));
      const result = await ipcatDocker(way, [
        "run",
        "--name",
        name,
        "--network",
        "none",
        "-e",
        "GREETING=hi there",
        "-w",
        "/tmp",
        "-u",
        "65534",
        "--entrypoint",
        "sh",
        IMAGE,
        "-c",
        'echo "$GREETING|$(pwd)|$(id -u)|$HOSTNAME"',
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^hi there\|\/tmp\|65534\|[0-9a-f]{12}\n$/);
      const inspect = await ipcatDocker(way, ["inspect", name]);
      assert.equal(JSON.parse(inspect.stdout)[0].Name, `/${name}`);
    });

    dockerIt(
      "run --ipc host shares the host's POSIX message queues; the default keeps its own",
      async () => {
        const inHostNs = await ipcatDocker(way, [
          "run",
          "--rm",
          "--network",
          "none",
          "--ipc",
          "host",
          IMAGE,
          "readlink",
          "/proc/self/ns/ipc",
        ]);
        assert.equal(inHostNs.code, 0, inHostNs.stderr);
        assert.equal(inHostNs.stdout.trim(), readlinkSync("/proc/self/ns/ipc"));
        const own = await ipcatDocker(way, [
          "run",
          "--rm",
          "--network",
          "none",
          IMAGE,
          "readlink",
          "/proc/self/ns/ipc",
        ]);
        assert.equal(own.code, 0, own.stderr);
        assert.notEqual(own.stdout.trim(), readlinkSync("/proc/self/ns/ipc"));
        const bad = await ipcatDocker(way, ["run", "--rm", "--ipc", "sideways", IMAGE, "true"]);
        assert.equal(bad.code, 125);
        assert.match(bad.stderr, /invalid --ipc MODE: 'sideways'/);
      },
    );

    dockerIt(
      "run -t without a terminal passes the raw TTY stream (CRLF line ends, stderr merged)",
      async () => {
        const result = await ipcatDocker(way, [
          "run",
          "--rm",
          "-t",
          "--network",
          "none",
          IMAGE,
          "sh",
          "-c",
          "echo out; echo err >&2",
        ]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, "out\r\nerr\r\n");
        assert.equal(result.stderr, "");
      },
    );

    dockerIt("lifecycle: create, start, ps, logs, stop, wait, kill, rm", async () => {
      const name = track(uniqueName(`life-${way}`));
      const create = await ipcatDocker(way, [
        "create",
        "--name",
        name,
        "--network",
        "none",
        IMAGE,
        "sh",
        "-c",
        "echo started; echo warn >&2; trap 'echo got-term; exit 5' TERM; while true; do sleep 0.1; done",
      ]);
      assert.equal(create.code, 0, create.stderr);
      const id = create.stdout.trim();
      assert.match(id, /^[0-9a-f]{64}$/);

      const psCreated = await ipcatDocker(way, ["ps", "-a", "--format", "json"]);
      const row = psCreated.stdout.trim().split("\n").map((l) => JSON.parse(l)).find((r) =>
        r.Names === name
      );
      assert.equal(row?.State, "created");
      assert.equal(row?.ID, id.slice(0, 12));

      assert.equal((await ipcatDocker(way, ["start", name])).stdout, `${name}\n`);
      const ps = await ipcatDocker(way, ["ps"]);
      assert.match(ps.stdout, /^CONTAINER ID {3}IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES\n/);
      assert.ok(
        ps.stdout.split("\n").some((l) =>
          l.startsWith(id.slice(0, 12)) && l.endsWith(name) && l.includes(" Up ")
        ),
        ps.stdout,
      );
      const quiet = await ipcatDocker(way, ["ps", "-q"]);
      assert.ok(quiet.stdout.split("\n").includes(id.slice(0, 12)));

      for (let i = 0; i < 50; i++) {
        const logs = await ipcatDocker(way, ["logs", name]);
        if (logs.stdout === "started\n" && logs.stderr === "warn\n") break;
        assert.ok(i < 49, `logs never showed both streams: ${JSON.stringify(logs)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const stamped = await ipcatDocker(way, ["logs", "--timestamps", "--tail", "1", name]);
      assert.match(stamped.stdout + stamped.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z (started|warn)\n$/);

      const waiter = startCli(way, ["docker", "wait", name], { env: { DOCKER_HOST } });
      let waited = "";
      waiter.stdout!.on("data", (c: Buffer) => (waited += c.toString()));
      const stop = await ipcatDocker(way, ["stop", "-t", "5", name]);
      assert.equal(stop.stdout, `${name}\n`, stop.stderr);
      assert.equal((await exited(waiter)).code, 0);
      assert.equal(waited, "5\n");
      assert.equal((await ipcatDocker(way, ["wait", name])).stdout, "5\n");
      assert.equal((await ipcatDocker(way, ["logs", name])).stdout, "started\ngot-term\n");

      assert.equal((await ipcatDocker(way, ["start", name])).code, 0);
      const killed = await ipcatDocker(way, ["kill", "-s", "KILL", name]);
      assert.equal(killed.stdout, `${name}\n`, killed.stderr);
      assert.equal((await ipcatDocker(way, ["wait", name])).stdout, "137\n");
      assert.equal((await ipcatDocker(way, ["rm", name])).stdout, `${name}\n`);
      const gone = await ipcatDocker(way, ["inspect", name]);
      assert.equal(gone.code, 1);
      assert.equal(gone.stdout, "[]\n");
      assert.equal(gone.stderr, `ipcat: No such object: ${name}\n`);
    });

    dockerIt(
      "start -a streams a created container and exits with its code; rm -f removes a running one",
      async () => {
        const name = track(uniqueName(`starta-${way}`));
        await ipcatDocker(way, [
          "create",
          "--name",
          name,
          "--network",
          "none",
          IMAGE,
          "sh",
          "-c",
          "echo from-start; echo e >&2; exit 6",
        ]);
        const result = await ipcatDocker(way, ["start", "-a", name]);
        assert.equal(result.code, 6);
        assert.equal(result.stdout, "from-start\n");
        assert.equal(result.stderr, "e\n");

        const running = track(uniqueName(`rmf-${way}`));
        const detached = await ipcatDocker(way, [
          "run",
          "-d",
          "--name",
          running,
          "--network",
          "none",
          IMAGE,
          "sleep",
          "60",
        ]);
        assert.match(detached.stdout, /^[0-9a-f]{64}\n$/);
        const refused = await ipcatDocker(way, ["rm", running]);
        assert.equal(refused.code, 1);
        assert.match(
          refused.stderr,
          /^ipcat: .*(stop the container before removing|cannot remove a running container).*\n$/i,
        );
        assert.equal((await ipcatDocker(way, ["rm", "-f", running])).stdout, `${running}\n`);
      },
    );

    dockerIt("start -ai forwards stdin to a container created with -i", async () => {
      const name = track(uniqueName(`startai-${way}`));
      await ipcatDocker(way, [
        "create",
        "-i",
        "--name",
        name,
        "--network",
        "none",
        IMAGE,
        "sh",
        "-c",
        "read line; echo got:$line",
      ]);
      const result = await ipcatDocker(way, ["start", "-ai", name], { stdin: "hello\n" });
      assert.equal(result.stdout, "got:hello\n", result.stderr);
      assert.equal(result.code, 0);
    });

    dockerIt(
      "attach --no-stdin follows a running container to its end and exits with its code",
      async () => {
        const name = track(uniqueName(`attach-${way}`));
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
          "sleep 1; echo late; echo late-err >&2; exit 9",
        ]);
        const result = await ipcatDocker(way, ["attach", "--no-stdin", name]);
        assert.equal(result.code, 9, result.stderr);
        assert.equal(result.stdout, "late\n");
        assert.equal(result.stderr, "late-err\n");
      },
    );

    dockerIt(
      "exec without and with a TTY, with -e/-w/-u, stdin, and the exec's own exit code",
      async () => {
        const name = track(uniqueName(`exec-${way}`));
        await ipcatDocker(way, [
          "run",
          "-d",
          "--name",
          name,
          "--network",
          "none",
          IMAGE,
          "sleep",
          "60",
        ]);
        const plain = await ipcatDocker(way, [
          "exec",
          "-e",
          "X=1",
          "-w",
          "/bin",
          "-u",
          "65534",
          name,
          "sh",
          "-c",
          'echo "$X $(pwd) $(id -u)"; echo e >&2; exit 42',
        ]);
        assert.equal(plain.code, 42);
        assert.equal(plain.stdout, "1 /bin 65534\n");
        assert.equal(plain.stderr, "e\n");
        const tty = await ipcatDocker(way, [
          "exec",
          "-t",
          name,
          "sh",
          "-c",
          "echo tty; echo err >&2; exit 3",
        ]);
        assert.equal(tty.code, 3);
        assert.equal(tty.stdout, "tty\r\nerr\r\n");
        const data = binaryData(256 * 1024, 8);
        const piped = await ipcatDockerBytes(way, ["exec", "-i", name, "cat"], { stdin: data });
        assert.equal(piped.code, 0);
        assert.ok(piped.stdout.equals(data));
        const missing = await ipcatDocker(way, ["exec", name, "no-such-command"]);
        assert.equal(missing.code, 126, missing.stderr);
      },
    );

    dockerIt("sig-proxy: SIGTERM to ipcat run reaches the container (no TTY)", async () => {
      const child = startCli(way, [
        "docker",
        "run",
        "--rm",
        "--network",
        "none",
        IMAGE,
        "sh",
        "-c",
        "trap 'echo trapped; exit 7' TERM; echo ready; while true; do sleep 0.1; done",
      ], { env: { DOCKER_HOST } });
      await waitForOutput(child, "ready");
      child.kill("SIGTERM");
      let out = "";
      child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      const { code } = await exited(child);
      assert.equal(code, 7);
      assert.match(out, /trapped/);
    });

    dockerIt("--sig-proxy=false: SIGINT ends ipcat and leaves the container running", async () => {
      const name = track(uniqueName(`nosig-${way}`));
      const child = startCli(way, [
        "docker",
        "run",
        "--sig-proxy=false",
        "--name",
        name,
        "--network",
        "none",
        IMAGE,
        "sh",
        "-c",
        "trap 'echo trapped' INT; echo ready; while true; do sleep 0.1; done",
      ], { env: { DOCKER_HOST } });
      await waitForOutput(child, "ready");
      child.kill("SIGINT");
      const ended = await exited(child);
      assert.ok(ended.code === 130 || ended.signal === "SIGINT", JSON.stringify(ended));
      const state = JSON.parse((await ipcatDocker(way, ["inspect", name])).stdout)[0].State;
      assert.equal(state.Running, true);
    });
  });
}
