// `ipcat docker proxy`: the real docker CLI as the client through the proxy. Reads pass,
// writes are refused with a message the CLI shows unless a rule allows them, attach and
// exec hijacks pass once allowed, @UID rules follow SO_PEERCRED, a request smuggled
// behind an allowed one never reaches the daemon, and SIGTERM leaves no socket behind.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createConnection } from "node:net";
import process from "node:process";
import { after, before, describe } from "node:test";
import {
  cliCommand,
  eventually,
  runCli,
  runProcess,
  startCli,
  tempName,
  waitForOutput,
  waysToTest,
} from "../harness.ts";
import {
  DOCKER_HOST,
  dockerCli,
  dockerIt,
  ensureImage,
  IMAGE,
  removeContainers,
  track,
  uniqueName,
} from "../docker_env.ts";

/** A proxy started by the test, and what it logged. */
interface RunningProxy {
  child: ChildProcess;
  socket: string;
  log(): string;
}

async function startProxy(
  way: Parameters<typeof startCli>[0],
  args: string[],
): Promise<RunningProxy> {
  const socket = `${tempName("ipcat-proxy")}.sock`;
  const child = startCli(way, ["docker", "proxy", socket, ...args], { env: { DOCKER_HOST } });
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  await waitForOutput(child, "proxying");
  return { child, socket, log: () => log };
}

/** Resolves once the proxy's log matches: its line for a request is written a little after the answer. */
function logged(proxy: RunningProxy, pattern: RegExp): Promise<void> {
  return eventually(() => pattern.test(proxy.log()), `the proxy's log to show ${pattern}`);
}

async function stopProxy(proxy: RunningProxy): Promise<number | null> {
  if (proxy.child.exitCode !== null) return proxy.child.exitCode;
  const exited = new Promise<number | null>((resolve) =>
    proxy.child.once("exit", (code) => resolve(code))
  );
  proxy.child.kill("SIGTERM");
  return await exited;
}

/** Writes `wire` to the socket and returns all it answers until it closes. */
function rawExchange(path: string, wire: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = createConnection(path);
    let text = "";
    socket.on("data", (chunk) => (text += chunk.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => resolve(text));
    socket.write(wire);
  });
}

/** The docker CLI pointed at the proxy. */
const through = (
  proxy: RunningProxy,
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
) => runProcess(["docker", "-H", `unix://${proxy.socket}`, ...args], options);

for (const way of waysToTest()) {
  describe(`docker proxy (${way})`, () => {
    before(ensureImage);
    after(removeContainers);

    dockerIt("read-only by default: ps works, writes get the proxy's 403 in the CLI", async () => {
      // Deno hides the socket's descriptor, so the peer's uid is unknown there.
      const peer = way === "deno" ? "uid=\\?" : "uid=0";
      // A container of this test's own, so that others coming and going do not matter.
      const listed = track(uniqueName("proxy-ps"));
      assert.equal((await dockerCli(["create", "--name", listed, IMAGE, "true"])).code, 0);
      const proxy = await startProxy(way, []);
      try {
        const [proxied, direct] = [
          await through(proxy, [
            "ps",
            "-a",
            "--filter",
            `name=${listed}`,
            "--format",
            "{{.ID}} {{.Names}}",
          ]),
          await dockerCli([
            "ps",
            "-a",
            "--filter",
            `name=${listed}`,
            "--format",
            "{{.ID}} {{.Names}}",
          ]),
        ];
        assert.equal(proxied.code, 0, proxied.stderr);
        assert.equal(proxied.stdout, direct.stdout);
        assert.match(proxied.stdout, new RegExp(`^[0-9a-f]{12} ${listed}\n$`));
        const refused = await through(proxy, ["volume", "create", uniqueName("refused")]);
        assert.equal(refused.code, 1);
        assert.match(
          refused.stderr,
          /^Error response from daemon: ipcat docker proxy: POST \/v1\.\d+\/volumes\/create is not allowed \(no rule allows volumes:POST\); the proxy's owner can allow it with --allow volumes:POST\n$/,
        );
        await logged(
          proxy,
          new RegExp(
            `${peer} GET /v1\\.\\d+/containers/json\\?all=1\\S* -> 200 \\(read-only default\\)\n`,
          ),
        );
        await logged(
          proxy,
          new RegExp(`${peer} POST /v1\\.\\d+/volumes/create -> 403 refused`),
        );
        // The path is the running proxy's: a second one on it fails, and takes nothing.
        const second = await runCli(way, ["docker", "proxy", proxy.socket], {
          env: { DOCKER_HOST },
        });
        assert.equal(second.code, 1);
        assert.match(second.stderr, /^ipcat: another server is already listening on /);
        assert.equal((await through(proxy, ["ps", "-q"])).code, 0, "the first one still serves");
      } finally {
        assert.equal(await stopProxy(proxy), 143);
      }
      assert.equal(existsSync(proxy.socket), false, "the socket file must be gone after SIGTERM");
      assert.equal(existsSync(`${proxy.socket}.lock`), false, "and its lock file");
    });

    dockerIt("allowed run -i and exec -i hijacks pass stdin and output through", async () => {
      const proxy = await startProxy(way, ["--allow", "containers:POST,DELETE", "--allow", "exec"]);
      try {
        const ran = await through(proxy, [
          "run",
          "--rm",
          "-i",
          "--network",
          "none",
          IMAGE,
          "sh",
          "-c",
          "cat; echo err >&2; exit 3",
        ], {
          stdin: "piped through the proxy\n",
        });
        assert.equal(ran.code, 3, ran.stderr);
        assert.equal(ran.stdout, "piped through the proxy\n");
        assert.equal(ran.stderr, "err\n");
        const name = track(uniqueName("proxy-exec"));
        assert.equal(
          (await through(proxy, [
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            name,
            IMAGE,
            "sleep",
            "60",
          ])).code,
          0,
        );
        const exec = await through(proxy, ["exec", "-i", name, "wc", "-c"], { stdin: "12345" });
        assert.deepEqual([exec.code, exec.stdout.trim()], [0, "5"], exec.stderr);
        const volume = await through(proxy, ["volume", "create", uniqueName("still-refused")]);
        assert.equal(volume.code, 1, "rules open only their groups");
        await logged(proxy, /POST \/v1\.\d+\/exec\/[0-9a-f]+\/start -> 101 \(--allow exec\)/);
      } finally {
        await stopProxy(proxy);
      }
    });

    dockerIt(
      "detachKeys in config.json reach the daemon with run -i's attach (seen through the proxy)",
      async () => {
        const proxy = await startProxy(way, ["--allow", "containers"]);
        const config = tempName("ipcat-detach-config");
        mkdirSync(config, { recursive: true });
        writeFileSync(join(config, "config.json"), JSON.stringify({ detachKeys: "ctrl-a,a" }));
        try {
          const ran = await runProcess([
            ...cliCommand(way),
            "docker",
            "-H",
            `unix://${proxy.socket}`,
            "run",
            "--rm",
            "-i",
            "--network",
            "none",
            IMAGE,
            "true",
          ], { env: { DOCKER_CONFIG: config } });
          assert.equal(ran.code, 0, ran.stderr);
          await logged(
            proxy,
            /POST \/v1\.\d+\/containers\/[0-9a-f]+\/attach\?\S*detachKeys=ctrl-a%2Ca\S* -> 101/,
          );
        } finally {
          await stopProxy(proxy);
          rmSync(config, { recursive: true, force: true });
        }
      },
    );

    dockerIt("a request smuggled behind an allowed one never reaches the daemon", async () => {
      const proxy = await startProxy(way, []);
      const volume = uniqueName("smuggled");
      try {
        const body = JSON.stringify({ Name: volume });
        const wire = "GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n" +
          `POST /volumes/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
        const answer = await rawExchange(proxy.socket, wire);
        assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
        assert.equal(answer.match(/HTTP\/1\.1 /g)!.length, 1, "one answer: the ping's");
        const inspected = await dockerCli(["volume", "inspect", volume]);
        assert.equal(inspected.code, 1, `the smuggled volume exists: ${inspected.stdout}`);
      } finally {
        await stopProxy(proxy);
      }
    });

    dockerIt("a path the daemon would clean into another group is refused", async () => {
      const proxy = await startProxy(way, ["--allow", "volumes"]);
      try {
        const body = JSON.stringify({ Image: "none" });
        const answer = await rawExchange(
          proxy.socket,
          `POST /volumes/../containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        assert.match(answer, /^HTTP\/1\.1 403 Forbidden\r\n/);
        assert.match(answer, /is refused: the path is not in plain form/);
      } finally {
        await stopProxy(proxy);
      }
    });

    const canDropPrivileges = process.getuid?.() === 0;
    dockerIt(
      "@UID rules follow the peer's uid (SO_PEERCRED), or are refused where it is unknown",
      async () => {
        if (way === "deno") {
          const child = startCli(way, [
            "docker",
            "proxy",
            `${tempName("ipcat-proxy")}.sock`,
            "--allow",
            "volumes@65534",
          ], { env: { DOCKER_HOST } });
          const out = await waitForOutput(child, "SO_PEERCRED");
          assert.match(out, /rules with @UID need SO_PEERCRED, which deno does not expose/);
          return;
        }
        if (!canDropPrivileges) return;
        const proxy = await startProxy(way, [
          "--allow",
          "volumes:POST,DELETE@65534",
          "--mode",
          "666",
        ]);
        try {
          const asRoot = await through(proxy, ["volume", "create", uniqueName("root")]);
          assert.equal(asRoot.code, 1, "uid 0 is not 65534");
          const name = uniqueName("nobody");
          const asNobody = await runProcess([
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "docker",
            "-H",
            `unix://${proxy.socket}`,
            "volume",
            "create",
            name,
          ], { env: { HOME: "/tmp", DOCKER_CONFIG: tempName("ipcat-nobody-config") } });
          assert.equal(asNobody.code, 0, asNobody.stderr);
          assert.equal(asNobody.stdout, `${name}\n`);
          await logged(
            proxy,
            /uid=65534 POST \/v1\.\d+\/volumes\/create -> 201 \(--allow volumes:POST,DELETE@65534\)/,
          );
          await dockerCli(["volume", "rm", name]);
        } finally {
          await stopProxy(proxy);
        }
      },
    );
  });
}
