// Every failure of `ipcat docker` is one line on stderr and a docker CLI exit status:
// no daemon (missing socket, refusing socket, a real daemon that was stopped), permission
// denied, no such container or image, not running or paused, an API version mismatch,
// and a daemon that drops the connection midway (a real proxy in front of the real daemon).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { existsSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { cliCommand, ROOT, tempName, waysToTest } from "./harness.ts";
import {
  DOCKER_HOST,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  removeContainers,
  runBytes,
  SKIP,
  track,
  uniqueName,
} from "./docker_env.ts";

const socketPath = DOCKER_HOST?.replace(/^unix:\/\//, "") ?? "";
const ONE_LINE = /^ipcat: [^\n]+\n$/;

/** A raw Engine API call over the daemon's socket (to pause a container: ipcat has no pause command). */
function engine(method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * A unix-socket proxy in front of the real daemon that drops connections: REST calls
 * whose request line matches `dropRequest` are cut at once, and attach streams are cut
 * 12 bytes after their response head (inside the first stdcopy frame).
 */
function droppingProxy(path: string, dropRequest: RegExp): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(socketPath);
    let attach = false;
    let afterHead: number | null = null;
    let headText = "";
    client.on("data", (data: Buffer) => {
      const text = data.toString("latin1");
      if (dropRequest.test(text)) {
        client.destroy();
        upstream.destroy();
        return;
      }
      if (/^POST \S+\/attach\?/.test(text)) attach = true;
      upstream.write(data);
    });
    upstream.on("data", (data: Buffer) => {
      if (!attach) return void client.write(data);
      if (afterHead === null) {
        headText += data.toString("latin1");
        const end = headText.indexOf("\r\n\r\n");
        if (end < 0) return void client.write(data);
        afterHead = headText.length - (end + 4);
      } else afterHead += data.byteLength;
      const over = afterHead - 12;
      if (over >= 0) {
        client.write(data.subarray(0, data.byteLength - over));
        client.destroy();
        upstream.destroy();
      } else client.write(data);
    });
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

const cleanup: Array<() => void> = [];
before(async () => {
  if (DOCKER_HOST) await ensureImage();
});
after(async () => {
  for (const undo of cleanup.splice(0)) undo();
  await removeContainers();
});

for (const way of waysToTest()) {
  describe(`docker errors (${way})`, () => {
    dockerIt(
      "no daemon: a missing socket and a refusing one are told apart, naming the socket",
      async () => {
        const missing = tempName("ipcat-no-daemon") + ".sock";
        const result = await ipcatDocker(way, ["ps"], {
          env: { DOCKER_HOST: `unix://${missing}` },
        });
        assert.equal(result.code, 1);
        assert.match(result.stderr, ONE_LINE);
        assert.ok(result.stderr.includes(`the socket ${missing} does not exist`), result.stderr);

        const stale = tempName("ipcat-stale") + ".sock";
        execFileSync("python3", [
          "-c",
          "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])",
          stale,
        ]);
        cleanup.push(() => rmSync(stale, { force: true }));
        const refused = await ipcatDocker(way, ["run", "--rm", IMAGE, "true"], {
          env: { DOCKER_HOST: `unix://${stale}` },
        });
        assert.equal(refused.code, 125);
        assert.match(refused.stderr, ONE_LINE);
        assert.ok(
          refused.stderr.includes(
            `unix://${stale}: nothing is listening there (connection refused)`,
          ),
          refused.stderr,
        );
      },
    );

    dockerIt("an HTTP server that is not a Docker daemon is told apart", async () => {
      const path = tempName("ipcat-not-docker") + ".sock";
      const server = createServer((_req, res) => res.end("hello"));
      await new Promise<void>((resolve) => server.listen(path, resolve));
      try {
        const result = await ipcatDocker(way, ["ps"], { env: { DOCKER_HOST: `unix://${path}` } });
        assert.equal(result.code, 1);
        assert.equal(
          result.stderr,
          `ipcat: unix://${path} answered /_ping without a valid Api-Version header (is DOCKER_HOST really a Docker daemon?)\n`,
        );
      } finally {
        server.close();
      }
    });

    dockerIt("a bad DOCKER_HOST and a bad DOCKER_API_VERSION are one-line errors", async () => {
      const bad = await ipcatDocker(way, ["ps"], { env: { DOCKER_HOST: "ssh://somewhere" } });
      assert.equal(bad.code, 1);
      assert.equal(
        bad.stderr,
        "ipcat: DOCKER_HOST 'ssh://somewhere' is not unix:///PATH or tcp://HOST:PORT (for example unix:///var/run/docker.sock)\n",
      );
      const version = await ipcatDocker(way, ["ps"], { env: { DOCKER_API_VERSION: "latest" } });
      assert.equal(version.code, 1);
      assert.match(version.stderr, /^ipcat: API version 'latest' is not of the form 1\.41 \(/);
    });

    dockerIt(
      "API version mismatch: the daemon's refusal of a pinned version, in one line",
      async () => {
        const tooNew = await ipcatDocker(way, ["ps"], { env: { DOCKER_API_VERSION: "1.99" } });
        assert.equal(tooNew.code, 1);
        assert.match(tooNew.stderr, ONE_LINE);
        assert.match(
          tooNew.stderr,
          /^ipcat: Error response from daemon: client version 1\.99 is too new\. Maximum supported API version is 1\.41 \(unset DOCKER_API_VERSION/,
        );
        const tooOld = await ipcatDocker(way, ["run", "--rm", IMAGE, "true"], {
          env: { DOCKER_API_VERSION: "1.11" },
        });
        assert.equal(tooOld.code, 125);
        assert.match(
          tooOld.stderr,
          /^ipcat: Error response from daemon: client version 1\.11 is too old\. Minimum supported API version is 1\.12/,
        );
      },
    );

    dockerIt("no such container or image, for every command that names one", async () => {
      const nobody = "ipcat-no-such-container";
      for (
        const args of [
          ["start", nobody],
          ["stop", nobody],
          ["kill", nobody],
          ["rm", nobody],
          ["wait", nobody],
          ["logs", nobody],
          ["attach", nobody],
          ["exec", nobody, "true"],
          ["start", "-a", nobody],
        ]
      ) {
        const result = await ipcatDocker(way, args);
        // The docker CLI's status for a failure outside `run` is 1.
        assert.equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
        const prefix = args[0] === "kill" ? `Cannot kill container: ${nobody}: ` : "";
        assert.equal(
          result.stderr,
          `ipcat: Error response from daemon: ${prefix}No such container: ${nobody} (list containers with 'ipcat docker ps -a')\n`,
          args.join(" "),
        );
        assert.equal(result.stdout, "");
      }
      const some = track(uniqueName(`some-${way}`));
      await ipcatDocker(way, ["create", "--name", some, "--network", "none", IMAGE, "true"]);
      const partly = await ipcatDocker(way, ["rm", some, nobody]);
      assert.equal(partly.code, 1, "one failure among several names is still a failure");
      assert.equal(partly.stdout, `${some}\n`);
      assert.equal(
        partly.stderr,
        `ipcat: Error response from daemon: No such container: ${nobody} (list containers with 'ipcat docker ps -a')\n`,
      );
      const image = await ipcatDocker(way, [
        "run",
        "--rm",
        "--network",
        "none",
        "ipcat-no-such-image:v0",
        "true",
      ]);
      assert.equal(image.code, 125);
      assert.match(image.stderr, ONE_LINE);
      assert.match(
        image.stderr,
        /No such image: ipcat-no-such-image:v0 \(no registry is used: build the image with 'ipcat docker import'\)/,
      );
    });

    dockerIt("not running, paused: attach and exec refuse in one line", async () => {
      const stopped = track(uniqueName(`stopped-${way}`));
      await ipcatDocker(way, ["create", "--name", stopped, "--network", "none", IMAGE, "true"]);
      const attach = await ipcatDocker(way, ["attach", stopped]);
      assert.equal(attach.code, 1);
      assert.equal(
        attach.stderr,
        `ipcat: You cannot attach to a stopped container, start it first (ipcat docker start -a ${stopped})\n`,
      );
      const exec = await ipcatDocker(way, ["exec", stopped, "true"]);
      assert.equal(exec.code, 1);
      assert.match(
        exec.stderr,
        /^ipcat: Error response from daemon: Container [0-9a-f]+ is not running \(start it first with 'ipcat docker start'\)\n$/,
      );

      const paused = track(uniqueName(`paused-${way}`));
      await ipcatDocker(way, [
        "run",
        "-d",
        "--name",
        paused,
        "--network",
        "none",
        IMAGE,
        "sleep",
        "60",
      ]);
      assert.equal(await engine("POST", `/containers/${paused}/pause`), 204);
      const attachPaused = await ipcatDocker(way, ["attach", paused]);
      assert.equal(attachPaused.code, 1);
      assert.match(
        attachPaused.stderr,
        /^ipcat: You cannot attach to a paused container, unpause it first/,
      );
      const execPaused = await ipcatDocker(way, ["exec", paused, "true"]);
      assert.equal(execPaused.code, 1);
      assert.match(
        execPaused.stderr,
        /^ipcat: Error response from daemon: Container \S+ is paused, unpause the container before exec \(unpause it first with 'ipcat docker unpause'\)\n$/,
      );
      assert.equal(await engine("POST", `/containers/${paused}/unpause`), 204);
    });

    dockerIt(
      "restarting: attach and exec refuse in one line while the daemon restarts a failing container",
      async () => {
        const name = track(uniqueName(`restarting-${way}`));
        assert.equal(
          (await ipcatDocker(way, [
            "run",
            "-d",
            "--restart",
            "always",
            "--name",
            name,
            "--network",
            "none",
            IMAGE,
            "false",
          ])).code,
          0,
        );
        // The daemon's back-off doubles from 100 ms: after a few restarts the container
        // spends seconds in "restarting", long enough to meet it there.
        for (let i = 0;; i++) {
          const state = JSON.parse((await ipcatDocker(way, ["inspect", name])).stdout)[0];
          if (state.State.Restarting && state.RestartCount >= 4) break;
          assert.ok(i < 300, "the container never settled into restarting");
          await new Promise((r) => setTimeout(r, 100));
        }
        const attach = await ipcatDocker(way, ["attach", name]);
        assert.equal(attach.code, 1);
        assert.equal(
          attach.stderr,
          "ipcat: You cannot attach to a restarting container, wait until it is running\n",
        );
        const exec = await ipcatDocker(way, ["exec", name, "true"]);
        assert.equal(exec.code, 1);
        assert.match(
          exec.stderr,
          /^ipcat: Error response from daemon: Container \S+ is restarting, wait until the container is running \(wait until it is running\)\n$/,
        );
        const conflict = await ipcatDocker(way, [
          "run",
          "--rm",
          "--restart",
          "always",
          IMAGE,
          "true",
        ]);
        assert.equal(conflict.code, 125, "the docker CLI's status for run's own failures");
        assert.match(
          conflict.stderr,
          /^ipcat: conflicting options: cannot specify both --restart and --rm/,
        );
      },
    );

    dockerIt(
      "a daemon that drops the connection midway: during a REST call, and inside an attach stream",
      async () => {
        const proxyPath = tempName("ipcat-drop") + ".sock";
        const proxy = await droppingProxy(proxyPath, /^GET \S*\/v[\d.]+\/containers\/json/);
        cleanup.push(() => proxy.close());
        const env = { DOCKER_HOST: `unix://${proxyPath}` };
        const ps = await ipcatDocker(way, ["ps"], { env });
        assert.equal(ps.code, 1);
        assert.match(ps.stderr, ONE_LINE);
        assert.match(ps.stderr, /dropped the connection midway/);

        const name = track(uniqueName(`drop-${way}`));
        const run = await ipcatDocker(way, [
          "run",
          "--name",
          name,
          "--network",
          "none",
          IMAGE,
          "sh",
          "-c",
          "echo a-first-line-of-output; sleep 2",
        ], { env });
        assert.equal(run.code, 125);
        assert.match(run.stderr, ONE_LINE);
        assert.match(
          run.stderr,
          /dropped the connection midway \(stream ended 19 bytes short of the end of a frame\)/,
        );
        assert.equal(run.stdout, "a-fi");
        proxy.close();
      },
    );

    dockerIt(
      "a real daemon that was stopped: ipcat names its socket and says it is gone",
      async () => {
        const dir = tempName("ipcat-dockerd-stopped");
        const env = { ...process.env, IPCAT_DOCKERD_DIR: dir };
        const started = execFileSync("bash", [`${ROOT}/scripts/dockerd.sh`, "start"], {
          env,
          encoding: "utf8",
        }).trim();
        cleanup.push(() => {
          execFileSync("bash", [`${ROOT}/scripts/dockerd.sh`, "stop"], { env });
          rmSync(dir, { recursive: true, force: true });
        });
        const host = started.replace(/^DOCKER_HOST=/, "");
        const alive = await ipcatDocker(way, ["ping"], { env: { DOCKER_HOST: host } });
        assert.equal(alive.code, 0, alive.stderr);
        execFileSync("bash", [`${ROOT}/scripts/dockerd.sh`, "stop"], { env });
        const gone = await ipcatDocker(way, ["ping"], { env: { DOCKER_HOST: host } });
        assert.equal(gone.code, 1);
        assert.equal(
          gone.stderr,
          `ipcat: cannot connect to the Docker daemon at ${host}: the socket ${
            host.slice(7)
          } does not exist (is the docker daemon running? set DOCKER_HOST to its socket)\n`,
        );
      },
    );
  });
}

describe("docker errors: permission", () => {
  const binary = cliCommand("binary")[0]!;
  const canDropPrivileges = process.getuid?.() === 0 && existsSync(binary);
  it("permission denied on the socket, for a user outside its group", {
    skip: SKIP || (!canDropPrivileges && "needs root and dist/ipcat"),
  }, async () => {
    const result = await runBytes([
      "setpriv",
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      binary,
      "docker",
      "ps",
    ], { env: { DOCKER_HOST } });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr.toString(),
      `ipcat: permission denied on the Docker daemon socket ${socketPath} (run as root or as a member of the socket's group, usually 'docker')\n`,
    );
  });
});
