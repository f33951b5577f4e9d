// The `Docker` library (src/docker/mod.ts) against the real daemon, and DOCKER_HOST over
// tcp:// and TLS (socat on loopback in front of the daemon's unix socket, with
// certificates made by openssl), through the library and through the CLI.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Docker, DockerError } from "../src/docker/mod.ts";
import { IpcatError } from "../src/errors.ts";
import { tempName, waysToTest } from "./harness.ts";
import {
  binaryData,
  DOCKER_HOST,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  removeContainers,
  SKIP,
  track,
  uniqueName,
} from "./docker_env.ts";

const socketPath = DOCKER_HOST?.replace(/^unix:\/\//, "") ?? "";
const children: ChildProcess[] = [];
const closers: Array<() => void> = [];
const certDir = tempName("ipcat-certs");

before(async () => {
  if (DOCKER_HOST) await ensureImage();
});
after(async () => {
  for (const child of children) child.kill("SIGTERM");
  for (const close of closers) close();
  rmSync(certDir, { recursive: true, force: true });
  await removeContainers();
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** socat from a loopback port to the daemon's socket; `tls` adds openssl options. */
async function bridge(listen: string): Promise<void> {
  const child = spawn("socat", [listen, `UNIX-CONNECT:${socketPath}`], { stdio: "ignore" });
  children.push(child);
  const port = Number(/:(\d+)/.exec(listen)![1]);
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const probe = net.connect(port, "127.0.0.1", () => (probe.end(), resolve(true)));
      probe.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`socat never listened on ${port}`);
}

/** A CA, a server certificate for localhost/127.0.0.1 and a client certificate, as DOCKER_CERT_PATH holds them. */
function makeCertificates(): void {
  mkdirSync(certDir, { recursive: true });
  const ssl = (args: string[], input = "") =>
    execFileSync("openssl", args, { cwd: certDir, input, stdio: ["pipe", "ignore", "ignore"] });
  ssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=ipcat test CA",
    "-keyout",
    "ca-key.pem",
    "-out",
    "ca.pem",
  ]);
  for (
    const [name, cn, ext] of [
      ["server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ["client", "client", "extendedKeyUsage=clientAuth"],
    ] as const
  ) {
    ssl([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      `${name}-key.pem`,
      "-out",
      `${name}.csr`,
    ]);
    ssl([
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      "/dev/stdin",
      "-out",
      `${name}.pem`,
    ], `${ext}\n`);
  }
}

describe("Docker library", () => {
  dockerIt("seed 000: start a container and read its output in a few lines", async () => {
    const docker = await Docker.fromEnv({ DOCKER_HOST });
    const container = await docker.run({
      image: IMAGE,
      cmd: ["sh", "-c", "echo hello; echo oops >&2; exit 2"],
      networkMode: "none",
      autoRemove: true,
    });
    const [out, err] = await Promise.all([
      new Response(container.stdout).text(),
      new Response(container.stderr).text(),
    ]);
    assert.equal(out, "hello\n");
    assert.equal(err, "oops\n");
    assert.equal(await container.exit, 2);
  });

  dockerIt("attach before start, with stdin; exec with stdin and its exit code", async () => {
    const docker = await Docker.fromEnv({ DOCKER_HOST });
    const name = track(uniqueName("lib"));
    const { id } = await docker.create({
      image: IMAGE,
      cmd: ["sh", "-c", "read a; echo got:$a; sleep 60"],
      name,
      openStdin: true,
      networkMode: "none",
    });
    const attached = await docker.attach(id);
    await docker.start(id);
    const writer = attached.stdin!.getWriter();
    await writer.write(new TextEncoder().encode("ping\n"));
    const reader = attached.stdout.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), "got:ping\n");

    const payload = binaryData(100_000, 3);
    const exec = await docker.exec(id, ["sh", "-c", "cat; exit 12"], { stdin: true });
    const execWriter = exec.stdin!.getWriter();
    const echoed = new Response(exec.stdout).arrayBuffer();
    await execWriter.write(payload);
    await execWriter.close();
    assert.deepEqual(new Uint8Array(await echoed), new Uint8Array(payload));
    assert.equal(await exec.exit, 12);
    attached.close();
    await docker.remove(id, { force: true });
  });

  dockerIt(
    "the attach endpoint's plain-text error becomes the daemon's one-line message",
    async () => {
      const docker = await Docker.fromEnv({ DOCKER_HOST });
      await assert.rejects(
        docker.attachSession("ipcat-no-such-container", { tty: false }),
        (error: unknown) => {
          assert.ok(error instanceof IpcatError);
          assert.ok(error instanceof DockerError);
          assert.equal(error.kind, "not_found");
          assert.equal(error.status, 404);
          assert.equal(
            error.message,
            "Error response from daemon: No such container: ipcat-no-such-container",
          );
          return true;
        },
      );
    },
  );

  dockerIt("logs demultiplexes into separate sinks", async () => {
    const docker = await Docker.fromEnv({ DOCKER_HOST });
    const name = track(uniqueName("liblogs"));
    const { id } = await docker.create({
      image: IMAGE,
      cmd: ["sh", "-c", "echo a; echo b >&2"],
      name,
      networkMode: "none",
    });
    await docker.start(id);
    assert.equal(await docker.wait(id), 0);
    const logs = docker.logs(id);
    const [out, err] = await Promise.all([
      new Response(logs.stdout).text(),
      new Response(logs.stderr).text(),
    ]);
    await logs.done;
    assert.deepEqual([out, err], ["a\n", "b\n"]);
  });
});

describe("DOCKER_HOST over tcp:// and TLS", () => {
  it("tcp:// through the library and the CLI", { skip: SKIP }, async () => {
    const port = await freePort();
    await bridge(`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`);
    const host = `tcp://127.0.0.1:${port}`;
    const docker = await Docker.fromEnv({ DOCKER_HOST: host });
    assert.match((await docker.ping()).apiVersion, /^1\.\d+$/);
    for (const way of waysToTest()) {
      const result = await ipcatDocker(way, [
        "run",
        "--rm",
        "-i",
        "--network",
        "none",
        IMAGE,
        "sh",
        "-c",
        "cat; echo err >&2; exit 3",
      ], { env: { DOCKER_HOST: host }, stdin: "over tcp\n" });
      assert.equal(result.code, 3, `${way}: ${result.stderr}`);
      assert.equal(result.stdout, "over tcp\n");
      assert.equal(result.stderr, "err\n");
    }
  });

  it("TLS with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (client certificate required)", {
    skip: SKIP,
  }, async () => {
    makeCertificates();
    const port = await freePort();
    // node:tls rather than socat's OPENSSL-LISTEN: socat refuses TLS session resumption
    // when it verifies client certificates ("session id context uninitialized").
    const server = tls.createServer({
      cert: readFileSync(join(certDir, "server.pem")),
      key: readFileSync(join(certDir, "server-key.pem")),
      ca: readFileSync(join(certDir, "ca.pem")),
      requestCert: true,
      rejectUnauthorized: true,
    }, (client) => {
      const upstream = net.connect(socketPath);
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    closers.push(() => server.close());
    const env = {
      DOCKER_HOST: `tcp://localhost:${port}`,
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CERT_PATH: certDir,
    };
    const rename = (from: string, to: string) =>
      execFileSync("cp", [join(certDir, from), join(certDir, to)]);
    rename("client.pem", "cert.pem");
    rename("client-key.pem", "key.pem");
    for (const way of waysToTest()) {
      const ping = await ipcatDocker(way, ["ping"], { env });
      assert.equal(ping.code, 0, `${way}: ${ping.stderr}`);
      const run = await ipcatDocker(way, [
        "run",
        "--rm",
        "--network",
        "none",
        IMAGE,
        "echo",
        "over tls",
      ], { env });
      assert.equal(run.stdout, "over tls\n", `${way}: ${run.stderr}`);
      assert.equal(run.code, 0);
    }
    const untrusted = await ipcatDocker("bun", ["ping"], {
      env: { ...env, DOCKER_CERT_PATH: tempName("ipcat-no-certs") },
    });
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /^ipcat: cannot read .*ca\.pem/);
  });
});
