// TCP and TLS endpoints of `ipcat sock` (issue 13, item 1): routed and --raw on 127.0.0.1,
// server certificates verified by --tls-ca, mutual TLS with --allow-cn/--allow-san, the
// refusal of open plain TCP, and interop with socat's OPENSSL both ways. Certificates
// are made here with openssl.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exited, hasCommand, runCli, runProcess, startProcess, waysToTest } from "../harness.ts";
import { freePort, startServer } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-net-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);

/** A CA, a server certificate for 127.0.0.1 and two client certificates (CN worker, CN other). */
before(() => {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  writeFileSync(
    file("ext.cnf"),
    "[server]\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n[worker]\nsubjectAltName=DNS:worker.example\n[other]\nsubjectAltName=DNS:other.example\n",
  );
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=ipcat test CA",
  );
  for (const name of ["server", "worker", "other"]) {
    openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      file(`${name}.key`),
      "-out",
      file(`${name}.csr`),
      "-subj",
      `/CN=${name}`,
    );
    openssl(
      "x509",
      "-req",
      "-in",
      file(`${name}.csr`),
      "-CA",
      file("ca.pem"),
      "-CAkey",
      file("ca.key"),
      "-CAcreateserial",
      "-out",
      file(`${name}.pem`),
      "-days",
      "2",
      "-extfile",
      file("ext.cnf"),
      "-extensions",
      name,
    );
  }
});

/** Resolves once something accepts TCP connections on `port` of 127.0.0.1. */
async function untilAccepting(port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (accepted) return;
    if (Date.now() > deadline) throw new Error(`nothing accepted on port ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const serverTls = () => ["--tls-cert", file("server.pem"), "--tls-key", file("server.key")];
const trust = () => ["--tls-ca", file("ca.pem")];
const asClient = (name: string) => [
  ...trust(),
  "--tls-cert",
  file(`${name}.pem`),
  "--tls-key",
  file(`${name}.key`),
];

for (const way of waysToTest()) {
  describe(`sock over TCP and TLS (${way})`, () => {
    it("routed over tls://: run and call reach the server, which the client verifies", async () => {
      const port = await freePort();
      const endpoint = `tls://127.0.0.1:${port}`;
      const server = await startServer(way, [
        ...serverTls(),
        endpoint,
        "--",
        "sh",
        "-c",
        "read l; echo got $l; exit 3",
      ]);
      try {
        const run = await runCli(way, ["sock", "run", ...trust(), endpoint], { stdin: "job\n" });
        assert.equal(run.stdout, "got job\n", run.stderr);
        assert.equal(run.code, 3);
        const call = await runCli(way, [
          "sock",
          "call",
          ...trust(),
          endpoint,
          "ipcat.echo",
          "ping",
        ]);
        assert.equal(call.stdout, "ping", call.stderr);
        assert.equal(call.code, 0);
        // Without the CA the server's certificate is not trusted: a one-line error, exit 8.
        const untrusted = await runCli(way, ["sock", "call", endpoint, "ipcat.echo", "x"]);
        assert.equal(untrusted.code, 8, untrusted.stderr);
        assert.match(untrusted.stderr, new RegExp(`^ipcat: .*tls://127\\.0\\.0\\.1:${port}`));
        assert.equal(untrusted.stderr.trim().split("\n").length, 1, untrusted.stderr);
        // --tls-servername: the certificate must carry that name (Deno cannot check another).
        const named = await runCli(way, [
          "sock",
          "call",
          ...trust(),
          "--tls-servername",
          "localhost",
          endpoint,
          "ipcat.echo",
          "n",
        ]);
        if (way === "deno") {
          assert.equal(named.code, 8);
          assert.match(named.stderr, /Deno checks the server certificate against HOST only/);
        } else {
          assert.equal(named.stdout, "n", named.stderr);
          const wrong = await runCli(way, [
            "sock",
            "call",
            ...trust(),
            "--tls-servername",
            "wrong.example",
            endpoint,
            "ipcat.echo",
            "n",
          ]);
          assert.equal(wrong.code, 8, wrong.stderr);
          assert.equal(wrong.stdout, "");
        }
      } finally {
        await server.stop();
      }
    });

    it("mutual TLS: --allow-cn lets in the worker certificate only, and no certificate is refused", async () => {
      const port = await freePort();
      const endpoint = `tls://127.0.0.1:${port}`;
      const args = [
        ...serverTls(),
        ...trust(),
        "--allow-cn",
        "worker",
        endpoint,
        "--",
        "echo",
        "in",
      ];
      if (way === "deno") {
        const refused = await runCli(way, ["sock", "serve", ...args]);
        assert.equal(refused.code, 2);
        assert.match(
          refused.stderr,
          /^ipcat: --tls-ca: Deno cannot request or verify client certificates/,
        );
        return;
      }
      const server = await startServer(way, args);
      try {
        const worker = await runCli(way, ["sock", "run", ...asClient("worker"), endpoint]);
        assert.equal(worker.stdout, "in\n", worker.stderr);
        assert.equal(worker.code, 0);
        const other = await runCli(way, ["sock", "run", ...asClient("other"), endpoint]);
        assert.equal(other.code, 5, other.stderr);
        assert.equal(other.stdout, "");
        await server.logShows(/refused: certificate CN=other is not allowed/);
        const anonymous = await runCli(way, ["sock", "run", ...trust(), endpoint]);
        assert.notEqual(anonymous.code, 0);
        assert.equal(anonymous.stdout, "");
      } finally {
        await server.stop();
      }
    });

    it("mutual TLS: --allow-san matches a subject alternative name, on --raw too", async (t) => {
      if (way === "deno") {
        return t.skip("Deno has no client certificates (its refusal is tested above)");
      }
      const port = await freePort();
      const endpoint = `tls://127.0.0.1:${port}`;
      const server = await startServer(way, [
        "--raw",
        ...serverTls(),
        ...trust(),
        "--allow-san",
        "worker.example",
        endpoint,
        "--",
        "sh",
        "-c",
        "read l; echo raw $l",
      ]);
      try {
        const worker = await runCli(way, ["sock", "connect", ...asClient("worker"), endpoint], {
          stdin: "a\n",
        });
        assert.equal(worker.stdout, "raw a\n", worker.stderr);
        const other = await runCli(way, ["sock", "connect", ...asClient("other"), endpoint], {
          stdin: "b\n",
        });
        assert.equal(other.stdout, "");
        await server.logShows(/other is not allowed/);
      } finally {
        await server.stop();
      }
    });

    it("plain tcp:// on 127.0.0.1 serves routed and raw; another address needs --insecure", async () => {
      const port = await freePort();
      const endpoint = `tcp://127.0.0.1:${port}`;
      const routed = await startServer(way, [endpoint, "--", "cat"]);
      try {
        const run = await runCli(way, ["sock", "run", endpoint], { stdin: "over tcp" });
        assert.equal(run.stdout, "over tcp", run.stderr);
        assert.equal(run.code, 0);
      } finally {
        await routed.stop();
      }
      const rawPort = await freePort();
      const raw = await startServer(way, [
        "--raw",
        `tcp://127.0.0.1:${rawPort}`,
        "--",
        "sh",
        "-c",
        "read l; echo raw $l",
      ]);
      try {
        const reply = await runCli(way, ["sock", "connect", `tcp://127.0.0.1:${rawPort}`], {
          stdin: "x\n",
        });
        assert.equal(reply.stdout, "raw x\n", reply.stderr);
        assert.equal(reply.code, 0);
      } finally {
        await raw.stop();
      }
      const open = await runCli(way, [
        "sock",
        "serve",
        `tcp://0.0.0.0:${await freePort()}`,
        "--",
        "cat",
      ]);
      assert.equal(open.code, 2);
      assert.match(open.stderr, /^ipcat: refusing plain tcp:\/\/ on 0\.0\.0\.0: .*--insecure/);
      assert.equal(open.stderr.trim().split("\n").length, 1);
    });

    it("interop with socat OPENSSL: socat to ipcat --raw, and ipcat connect to socat", async (t) => {
      if (!hasCommand("socat")) return t.skip("socat is not installed");
      const port = await freePort();
      const endpoint = `tls://127.0.0.1:${port}`;
      const server = await startServer(way, [
        "--raw",
        ...serverTls(),
        endpoint,
        "--",
        "sh",
        "-c",
        "read l; echo ipcat $l",
      ]);
      try {
        const socat = await runProcess([
          "socat",
          "-",
          `OPENSSL:127.0.0.1:${port},cafile=${file("ca.pem")}`,
        ], { stdin: "from socat\n" });
        assert.equal(socat.stdout, "ipcat from socat\n", socat.stderr);
      } finally {
        await server.stop();
      }
      const socatPort = await freePort();
      const listener = startProcess([
        "socat",
        `OPENSSL-LISTEN:${socatPort},bind=127.0.0.1,reuseaddr,fork,cert=${file("server.pem")},key=${
          file("server.key")
        },verify=0`,
        "SYSTEM:read l; echo socat $l",
      ]);
      try {
        await untilAccepting(socatPort);
        const reply = await runCli(way, [
          "sock",
          "connect",
          ...trust(),
          `tls://127.0.0.1:${socatPort}`,
        ], { stdin: "from ipcat\n" });
        assert.equal(reply.stdout, "socat from ipcat\n", reply.stderr);
        assert.equal(reply.code, 0);
      } finally {
        listener.kill("SIGTERM");
        await exited(listener);
      }
    });
  });
}
