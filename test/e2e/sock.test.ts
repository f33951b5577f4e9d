// `ipcat sock` end to end: real servers and clients as processes (compiled binary, Bun,
// Deno), real unix sockets, seed 001's START/SUCCESS scripts, socat on the other end.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { encodeFrame, serviceId } from "../../src/framing/sock.ts";
import { connect } from "../../src/sock/mod.ts";
import {
  exited,
  runCli,
  runProcess,
  startCli,
  startProcess,
  waitForOutput,
  waysToTest,
} from "../harness.ts";
import { hello, rawPeer, startServer, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-e2e-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = (name = "s") => join(dir, `${name}${++counter}.sock`);

// Seed 001's server_app logic: one line in; START does the work and answers SUCCESS
// (after a pause longer than socat's 0.5 s cut-off), anything else answers FAIL.
const SERVER_APP = join(dir, "server_app.sh");
writeFileSync(
  SERVER_APP,
  [
    "#!/bin/sh",
    "read -r cmd",
    'if [ "$cmd" = "START" ]; then',
    "  sleep 1",
    '  echo "SUCCESS: hugin conversion done"',
    "  exit 0",
    "fi",
    'echo "FAIL: unknown command $cmd"',
    "exit 1",
    "",
  ].join("\n"),
  { mode: 0o755 },
);
// The same exchange where the exit code is chosen by the client (through --allow-args).
const EXIT_APP = join(dir, "exit_app.sh");
writeFileSync(
  EXIT_APP,
  '#!/bin/sh\nread -r cmd\necho "SUCCESS: $cmd"\necho "to stderr" >&2\nexit "$1"\n',
  { mode: 0o755 },
);

function vmKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
    readFileSync(`/proc/${pid}/status`, "utf8"),
  );
  return Number(m![1]);
}

for (const way of waysToTest()) {
  describe(`sock (${way})`, () => {
    it("serve + run: seed 001's exchange with exit codes 0, 1 and 42 propagated, stderr kept apart", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--allow-args", path, "--", EXIT_APP]);
      for (const code of [0, 1, 42]) {
        const r = await runCli(way, ["sock", "run", path, "--", String(code)], {
          stdin: "START\n",
        });
        assert.equal(r.code, code, r.stderr);
        assert.equal(r.stdout, "SUCCESS: START\n");
        assert.equal(r.stderr, "to stderr\n");
      }
      await server.logShows(/exited with status 42/);
      assert.equal((await server.stop()).code, 143);
      assert.equal(existsSync(path), false, "socket file removed on SIGTERM");
    });

    it("run: the seed's server_app answers SUCCESS for START and FAIL (exit 1) otherwise", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", SERVER_APP]);
      const ok = await runCli(way, ["sock", "run", path], { stdin: "START\n" });
      assert.deepEqual([ok.code, ok.stdout], [0, "SUCCESS: hugin conversion done\n"], ok.stderr);
      const bad = await runCli(way, ["sock", "run", path], { stdin: "STOP\n" });
      assert.deepEqual([bad.code, bad.stdout], [1, "FAIL: unknown command STOP\n"]);
      const args = await runCli(way, ["sock", "run", path, "--", "x"]);
      assert.equal(args.code, 5, "arguments refused without --allow-args");
      assert.match(args.stderr, /--allow-args/);
      await server.stop("SIGINT");
      assert.equal(existsSync(path), false, "socket file removed on SIGINT");
    });

    it("run: a command killed by a signal gives 128+N; streams many MiB through stdin and stdout intact", async () => {
      const path = sockPath();
      const server = await startServer(way, [
        path,
        "--",
        "sh",
        "-c",
        'if [ -n "$KILLME" ]; then kill -9 $$; fi; cat',
      ]);
      const big = new Uint8Array(8 << 20).map((_, i) => (i * 7 + (i >> 13)) & 255);
      const r = await runCli(way, ["sock", "run", path], { stdin: big });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        Buffer.compare(Buffer.from(r.stdoutBytes), Buffer.from(big)),
        0,
        "stdout equals stdin",
      );
      await server.stop();
      const envServer = await startServer(way, [
        "--allow-env",
        "KILLME",
        path,
        "--",
        "sh",
        "-c",
        'if [ -n "$KILLME" ]; then kill -9 $$; fi; cat',
      ]);
      const killed = await runCli(way, ["sock", "run", "-e", "KILLME=1", path]);
      assert.equal(killed.code, 137, killed.stderr);
      await envServer.stop();
    });

    it("serve --raw: seed 001's scripts unchanged, with ipcat connect and with socat as the client; exit status logged", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--raw", path, "--", SERVER_APP]);
      const viaIpcat = await runCli(way, ["sock", "connect", path], { stdin: "START\n" });
      assert.deepEqual(
        [viaIpcat.code, viaIpcat.stdout],
        [0, "SUCCESS: hugin conversion done\n"],
        viaIpcat.stderr,
      );
      // socat's default -t 0.5 would cut the reply of a 1 s job off: give it time, as the seed had to.
      const viaSocat = await runProcess(["socat", "-t", "5", "-", `UNIX-CONNECT:${path}`], {
        stdin: "START\n",
      });
      assert.equal(viaSocat.stdout, "SUCCESS: hugin conversion done\n");
      const fail = await runCli(way, ["sock", "connect", path], { stdin: "BOGUS\n" });
      const catPath = sockPath();
      const cat = await startServer(way, ["--raw", catPath, "--", "cat"]);
      const big = new Uint8Array(8 << 20).map((_, i) => (i * 13 + (i >> 11)) & 255);
      const echoed = await runCli(way, ["sock", "connect", catPath], { stdin: big });
      assert.equal(echoed.code, 0, echoed.stderr);
      assert.equal(
        Buffer.compare(Buffer.from(echoed.stdoutBytes), Buffer.from(big)),
        0,
        "8 MiB through cat, byte-exact",
      );
      await cat.stop();
      assert.equal(fail.stdout, "FAIL: unknown command BOGUS\n");
      await until(
        () =>
          /exited with status 0/.test(server.log()) && /exited with status 1/.test(server.log()),
        "both runs' exit lines",
      );
      assert.match(server.log(), /server_app\.sh exited with status 0/);
      assert.match(server.log(), /server_app\.sh exited with status 1/);
      await server.stop();
    });

    it("connect: client of a socat listener, half-closing at EOF and reading the reply to its end", async () => {
      const path = sockPath();
      const socat = startProcess([
        "socat",
        "-t",
        "5",
        `UNIX-LISTEN:${path},fork`,
        `SYSTEM:${SERVER_APP}`,
      ]);
      try {
        const up = await runCli(way, ["sock", "wait", "--timeout", "20", path]);
        assert.equal(up.code, 0, up.stderr);
        const r = await runCli(way, ["sock", "connect", path], { stdin: "START\n" });
        assert.deepEqual([r.code, r.stdout], [0, "SUCCESS: hugin conversion done\n"], r.stderr);
      } finally {
        socat.kill("SIGTERM");
        await exited(socat);
      }
    });

    it("socket files: a stale one is reused with a note, a live one never taken, abstract names work", async () => {
      const path = sockPath();
      const bound = await runProcess([
        "python3",
        "-c",
        "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
        path,
      ]);
      assert.equal(bound.code, 0);
      const server = await startServer(way, [path, "--", "cat"]);
      assert.match(server.log(), new RegExp(`removed stale socket file ${path}`));
      assert.equal(statSync(path).mode & 0o777, 0o600, "default mode 0600, set at creation");
      const second = await runCli(way, ["sock", "serve", path, "--", "cat"]);
      assert.equal(second.code, 4);
      assert.equal(
        second.stderr,
        `ipcat: another server is already listening on ${path} (stop it first, or choose another path)\n`,
      );
      await server.stop();
      const shared = sockPath();
      const wide = await startServer(way, ["--mode", "0660", shared, "--", "cat"]);
      assert.equal(statSync(shared).mode & 0o777, 0o660);
      await wide.stop();
      const abstract = `@ipcat-test-${process.pid}-${++counter}`;
      const a = await startServer(way, [abstract, "--", "sh", "-c", "echo abstract"]);
      const r = await runCli(way, ["sock", "run", abstract]);
      assert.deepEqual([r.code, r.stdout], [0, "abstract\n"], r.stderr);
      await a.stop();
    });

    it("wait: 1 on timeout, 0 once a server accepts (started after the wait began)", async () => {
      const path = sockPath();
      const missing = await runCli(way, ["sock", "wait", "--timeout", "0.3", path]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /nothing accepted connections on .* within 0\.3 s/);
      const waiter = startCli(way, ["sock", "wait", "--timeout", "60", path]);
      // Not a wait for a condition: a head start, so the server comes up after the wait began.
      await new Promise((r) => setTimeout(r, 300));
      const server = await startServer(way, [path]);
      assert.equal((await exited(waiter)).code, 0);
      const run = await runCli(way, ["sock", "run", "--wait", "5", path]);
      assert.equal(run.code, 3, "no ipcat.exec without a command");
      assert.match(run.stderr, /has no service ipcat\.exec/);
      await server.stop();
      const late = startCli(way, ["sock", "run", "--wait", "60", path], { stdin: "" });
      late.stdin!.end("START\n");
      // A head start, as above: the client is waiting before the server exists.
      await new Promise((r) => setTimeout(r, 300));
      const exec = await startServer(way, [path, "--", SERVER_APP]);
      const out: string[] = [];
      late.stdout!.on("data", (c: Buffer) => out.push(c.toString()));
      assert.equal((await exited(late)).code, 0);
      assert.equal(out.join(""), "SUCCESS: hugin conversion done\n");
      await exec.stop();
    });

    it("call: services as JSON, echo, unknown service exits 3, too-large data refused", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--max-payload", "1024", path, "--", "true"]);
      const list = await runCli(way, ["sock", "call", path, "ipcat.services", "--json"]);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(JSON.parse(JSON.parse(list.stdout).data), {
        version: "1.0",
        services: ["ipcat.echo", "ipcat.exec", "ipcat.services"],
      });
      const echo = await runCli(way, ["sock", "call", path, "ipcat.echo", "-"], {
        stdin: "from stdin",
      });
      assert.deepEqual([echo.code, echo.stdout], [0, "from stdin"]);
      const missing = await runCli(way, ["sock", "call", path, "no.such"]);
      assert.equal(missing.code, 3);
      assert.match(
        missing.stderr,
        /^ipcat: the server on .* has no service no\.such: no service with id 0x[0-9a-f]{16} \(/,
      );
      const big = await runCli(way, ["sock", "call", path, "ipcat.echo", "x".repeat(2000)]);
      assert.equal(big.code, 9);
      await server.stop();
    });

    it("--allow-uid: peers are checked with SO_PEERCRED (binary, Bun); Deno refuses the option", async () => {
      if (way === "deno") {
        const uid = await runCli(way, ["sock", "serve", "--allow-uid", "1000", sockPath()]);
        assert.equal(uid.code, 2);
        assert.match(uid.stderr, /--allow-uid needs SO_PEERCRED, which deno does not expose/);
        return;
      }
      const name = `@ipcat-uid-${process.pid}-${++counter}`;
      const server = await startServer(way, ["--allow-uid", "1234", name]);
      const hello = Buffer.from(
        encodeFrame({
          kind: "connect",
          major: 1,
          minor: 0,
          features: 0,
          maxPayload: 1 << 20,
          code: 0,
        }),
      ).toString("hex");
      const connectAs = (uid: number) =>
        runProcess([
          "python3",
          "-c",
          [
            "import os, socket, sys",
            "os.setgid(int(sys.argv[2])); os.setuid(int(sys.argv[2]))",
            "s = socket.socket(socket.AF_UNIX); s.connect('\\0' + sys.argv[1][1:])",
            `s.sendall(bytes.fromhex('${hello}'))`,
            "data = b''",
            "while len(data) < 21: data += s.recv(100)",
            "print(int.from_bytes(data[17:21], 'little'))",
          ].join("\n"),
          name,
          String(uid),
        ]);
      const allowed = await connectAs(1234);
      assert.equal(allowed.stdout.trim(), "0", allowed.stderr);
      const refused = await connectAs(4321);
      assert.equal(refused.stdout.trim(), "14", refused.stderr);
      await server.logShows(/refused: uid 4321 \(pid \d+\) is not allowed/);
      await server.stop();
    });

    it("bad frames: the connection is closed with one log line; a wrong major gets unsupported_version; others unaffected", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", "cat"]);
      const steady = startCli(way, ["sock", "run", path]);
      steady.stdin!.write("before\n");
      await waitForOutput(steady, "before");
      const cases: Array<[Uint8Array, RegExp]> = [
        [new TextEncoder().encode("START\n"), /bad magic bytes 53 54 41 52/],
        [new Uint8Array([0x49, 0x50, 0x43, 0x54, 0, 0, 0, 0]), /frame with size 0/],
        [new Uint8Array([0x49, 0x50, 0x43, 0x54, 0, 0, 0, 0x10]), /over the 64-byte limit/],
        [new Uint8Array([0x49, 0x50, 0x43, 0x54, 1, 0, 0, 0, 42]), /unknown frame kind 42/],
        [encodeFrame(hello).subarray(0, 12), /stream ended inside a frame/],
      ];
      for (const [bytes, pattern] of cases) {
        const before = server.log().split("\n").length;
        const peer = rawPeer(path);
        peer.socket.write(bytes);
        if (pattern.source.includes("inside")) peer.socket.end();
        assert.equal(await peer.next(), null);
        await server.logShows(pattern);
        const lines = server.log().split("\n").slice(before - 1).filter((l) => /closed:/.test(l));
        assert.equal(lines.length, 1, server.log());
        assert.match(lines[0]!, pattern);
      }
      const peer = rawPeer(path);
      peer.send({ ...hello, major: 2 });
      const answer = await peer.next();
      assert.ok(
        answer?.kind === "connect" && answer.code === 13,
        JSON.stringify(answer, (_k, v) => typeof v === "bigint" ? String(v) : v),
      );
      assert.equal(await peer.next(), null);
      steady.stdin!.end("after\n");
      const out: string[] = [];
      steady.stdout!.on("data", (c: Buffer) => out.push(c.toString()));
      assert.equal((await exited(steady)).code, 0);
      assert.equal(out.join(""), "after\n");
      await server.stop();
    });

    it("a client SIGKILLed mid-frame is freed; other clients' channels complete normally; --max-clients refuses extras", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--max-clients", "3", path, "--", "cat"]);
      const other = startCli(way, ["sock", "run", path]);
      other.stdin!.write("one\n");
      await waitForOutput(other, "one");
      const victim = startProcess([
        "python3",
        "-c",
        [
          "import socket, sys, time",
          "s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])",
          `s.sendall(bytes.fromhex('${Buffer.from(encodeFrame(hello)).toString("hex")}'))`,
          "s.recv(100)",
          `s.sendall(bytes.fromhex('${
            Buffer.from(
              encodeFrame({
                kind: "msg",
                tag: 1,
                seq: 0,
                serviceId: serviceId("ipcat.echo"),
                data: new Uint8Array(100),
              }).subarray(0, 40),
            ).toString("hex")
          }'))`,
          "print('ready', flush=True)",
          "time.sleep(60)",
        ].join("\n"),
        path,
      ]);
      await waitForOutput(victim, "ready");
      const holder = startCli(way, ["sock", "run", path]);
      holder.stdin!.write("held\n");
      await waitForOutput(holder, "held");
      const refused = await runCli(way, ["sock", "call", path, "ipcat.echo", "x"]);
      assert.equal(refused.code, 8, "a fourth client is refused");
      assert.match(refused.stderr, /maximum number of clients/);
      victim.kill("SIGKILL");
      await exited(victim);
      await server.logShows(
        /client (\d+): closed: stream ended inside a frame[^\n]*\n(.*\n)*ipcat: client \1: disconnected; context freed\n/,
      );
      const freed = await runCli(way, ["sock", "call", path, "ipcat.echo", "room again"]);
      assert.deepEqual([freed.code, freed.stdout], [0, "room again"], freed.stderr);
      other.stdin!.end("two\n");
      holder.stdin!.end();
      const out: string[] = [];
      other.stdout!.on("data", (c: Buffer) => out.push(c.toString()));
      assert.equal((await exited(other)).code, 0);
      assert.equal((await exited(holder)).code, 0);
      assert.equal(out.join(""), "two\n");
      await server.stop();
    });

    it("a client SIGKILLed with open channels: the server logs its context freed and its channels completed", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", "cat"]);
      const echo = serviceId("ipcat.echo");
      const victim = startProcess([
        "python3",
        "-c",
        [
          "import socket, sys, time",
          "s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])",
          `s.sendall(bytes.fromhex('${Buffer.from(encodeFrame(hello)).toString("hex")}'))`,
          "s.recv(100)",
          `s.sendall(bytes.fromhex('${
            Buffer.from(
              encodeFrame({
                kind: "msg",
                tag: 1,
                seq: 0,
                serviceId: echo,
                data: new Uint8Array(8),
              }),
            ).toString("hex")
          }'))`,
          `s.sendall(bytes.fromhex('${
            Buffer.from(
              encodeFrame({
                kind: "msg",
                tag: 2,
                seq: 0,
                serviceId: echo,
                data: new Uint8Array(8),
              }),
            ).toString("hex")
          }'))`,
          "got = b''",
          "while got.count(b'IPCT') < 2: got += s.recv(4096)",
          "print('ready', flush=True)",
          "time.sleep(60)",
        ].join("\n"),
        path,
      ]);
      await waitForOutput(victim, "ready");
      victim.kill("SIGKILL");
      await exited(victim);
      await server.logShows(
        /ipcat: client (\d+): connected \(protocol 1\.0, 1 client\)\n(.*\n)*ipcat: client \1: disconnected; context freed, 2 open channels completed as disconnected\n/,
      );
      const after = await runCli(way, ["sock", "call", path, "ipcat.echo", "still serving"]);
      assert.deepEqual([after.code, after.stdout], [0, "still serving"], after.stderr);
      await server.stop();
    });

    it("a server killed mid-call: run exits non-zero with a clear message", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", "sh", "-c", "echo started; exec sleep 5"]);
      const client = startCli(way, ["sock", "run", path]);
      let stderr = "";
      client.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
      await waitForOutput(client, "started");
      server.child.kill("SIGKILL");
      const end = await exited(client);
      assert.equal(end.code, 8);
      assert.match(stderr, /^ipcat: the server on .* went away before ipcat\.exec finished/);
    });

    it("200 clients x 100 echo round trips: nothing lost, duplicated or reordered; server memory bounded", async () => {
      const path = sockPath();
      const server = await startServer(way, [path]);
      const clients = await Promise.all(Array.from({ length: 200 }, () => connect(path)));
      await Promise.all(clients.map(async (client, c) => {
        const channel = client.open("ipcat.echo", `open ${c}`);
        assert.equal(new TextDecoder().decode((await channel.read())!), `open ${c}`);
        for (let i = 0; i < 100; i++) {
          const message = `client ${c} message ${i}`;
          await channel.send(message);
          assert.equal(new TextDecoder().decode((await channel.read())!), message);
        }
        channel.closeWrite();
        assert.equal(await channel.read(), null);
        assert.equal((await channel.done).name, "ok");
        client.close();
      }));
      const peakMiB = vmKiB(server.child.pid!, "VmHWM") / 1024;
      assert.ok(peakMiB < 300, `server peak RSS ${peakMiB.toFixed(0)} MiB`);
      await server.stop();
    });

    it("a slow reader does not grow the server's memory: back-pressure, then everything arrives in order", async () => {
      const path = sockPath();
      const server = await startServer(way, [path]);
      const peer = rawPeer(path);
      peer.send(hello);
      assert.equal((await peer.next())?.kind, "connect");
      peer.socket.pause();
      const echo = serviceId("ipcat.echo");
      const total = 64 << 20;
      const size = 60 * 1024;
      const count = Math.ceil(total / size);
      const base = vmKiB(server.child.pid!, "VmRSS");
      for (let i = 0; i < count; i++) {
        const data = new Uint8Array(size).fill(i & 255);
        peer.send({ kind: "msg", tag: 1, seq: i, serviceId: echo, data });
      }
      // Wait until the server stops taking bytes (our unsent queue stops shrinking).
      let last = -1;
      while (peer.socket.writableLength !== last) {
        last = peer.socket.writableLength;
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.ok(
        peer.socket.writableLength > total / 2,
        `the server kept reading: ${peer.socket.writableLength} bytes unsent`,
      );
      const grownMiB = (vmKiB(server.child.pid!, "VmRSS") - base) / 1024;
      assert.ok(
        grownMiB < 48,
        `server RSS grew by ${grownMiB.toFixed(0)} MiB while the reader was stalled`,
      );
      peer.socket.resume();
      for (let i = 0; i < count; i++) {
        const f = await peer.next();
        assert.ok(
          f?.kind === "msg" && f.seq === i && f.data.byteLength === size &&
            f.data[0] === (i & 255) && f.data[size - 1] === (i & 255),
          `message ${i}`,
        );
      }
      peer.socket.destroy();
      await server.stop();
    });
  });
}
