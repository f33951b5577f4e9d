// SOCK_SEQPACKET (issue 13): `ipcat sock connect --seqpacket` and `ipcat sock serve --raw
// --seqpacket`, with each other, with socat's socktype=5 and with a python3 peer that
// sends its packets all at once and records the length of each packet it receives.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { ChildProcess } from "node:child_process";
import { after, afterEach, describe, it } from "node:test";
import {
  cliCommand,
  exited,
  hasCommand,
  ROOT,
  runCli,
  runProcess,
  startCli as startCliProcess,
  startProcess as startAnyProcess,
  waitForOutput,
  type Way,
  waysToTest,
} from "../harness.ts";
import { hasChildren, startServer as startServerProcess, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-seqpacket-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `q${++counter}.sock`);
const PEER = join(ROOT, "test", "fixtures", "seqpacket_peer.py");

// Whatever a test started is stopped after it, even when an assertion failed midway.
const started: ChildProcess[] = [];
afterEach(async () => {
  for (const child of started.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill("SIGTERM");
    await exited(child);
  }
});
const startProcess = (...args: Parameters<typeof startAnyProcess>) => {
  const child = startAnyProcess(...args);
  started.push(child);
  return child;
};
const startCli = (...args: Parameters<typeof startCliProcess>) => {
  const child = startCliProcess(...args);
  started.push(child);
  return child;
};
const startServer = async (...args: Parameters<typeof startServerProcess>) => {
  const server = await startServerProcess(...args);
  started.push(server.child);
  return server;
};
/** `ipcat sock serve --raw --seqpacket ...options PATH -- ...command`, started. */
const serveSeqpacket = (way: Way, path: string, command: string[], options: string[] = []) =>
  startServer(way, ["--raw", "--seqpacket", ...options, path, "--", ...command]);

/** The packets the python peer received, and their bytes. */
type PeerReport = { lengths: number[]; data: string };

/** What the peer sends for `sizes`: a run of 'a', then 'b', … */
const packets = (sizes: number[]) =>
  sizes.map((size, i) => String.fromCharCode(97 + i).repeat(size)).join("");

/** Starts the python peer listening on `path` with the packets to send; resolves once it listens. */
async function listeningPeer(path: string, sizes: number[]) {
  const child = startProcess(["python3", PEER, "listen", path, ...sizes.map(String)]);
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  await waitForOutput(child, "listening");
  return {
    async report(): Promise<PeerReport> {
      assert.equal((await exited(child)).code, 0);
      return JSON.parse(out.split("\n")[1]!);
    },
  };
}

/** The sizes of the chunks a --trace dump reports going `direction`. */
function traced(stderr: string, direction: "<" | ">"): number[] {
  return [...stderr.matchAll(new RegExp(`^\\${direction} .* (\\d+) bytes at \\d+$`, "gm"))].map((
    m,
  ) => Number(m[1]));
}

const python = hasCommand("python3");
const socat = hasCommand("socat");

for (const way of waysToTest()) {
  describe(`sock seqpacket (${way})`, () => {
    it("connect --seqpacket writes each packet whole and sends stdin as a packet", {
      skip: !python && "python3 is not installed",
    }, async () => {
      const path = sockPath();
      const sizes = [1, 5000, 150000, 3];
      const peer = await listeningPeer(path, sizes);
      const result = await runCli(way, ["sock", "connect", "--seqpacket", "--trace", path], {
        stdin: "hello\n",
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, packets(sizes));
      // Sent back to back, each packet arrived as one read of its own size.
      assert.deepEqual(traced(result.stderr, "<"), sizes);
      assert.deepEqual(await peer.report(), { lengths: [6], data: "hello\n" });
    });

    it("connect --seqpacket between packet sockets: stdin's packets and the peer's stay whole", {
      skip: !python && "python3 is not installed",
    }, async () => {
      const path = sockPath();
      const peerSizes = [2, 90000, 1, 4000];
      const peer = await listeningPeer(path, peerSizes);
      const stdinSizes = [3, 120000, 1, 64];
      // Sent all at once into a seqpacket stdin; received from a seqpacket stdout.
      const through = await runProcess([
        "python3",
        PEER,
        "through",
        stdinSizes.join(","),
        ...cliCommand(way),
        "sock",
        "connect",
        "--seqpacket",
        path,
      ]);
      assert.equal(through.code, 0, through.stderr);
      assert.deepEqual(JSON.parse(through.stdout), {
        lengths: peerSizes,
        data: packets(peerSizes),
        code: 0,
      });
      assert.deepEqual(await peer.report(), { lengths: stdinSizes, data: packets(stdinSizes) });
    });

    it("serve --raw --seqpacket: each packet's bytes reach CMD, its output goes back as packets", {
      skip: !python && "python3 is not installed",
    }, async () => {
      const path = sockPath();
      const server = await serveSeqpacket(way, path, ["sh", "-c", "wc -c"], ["--trace"]);
      const sizes = [1, 70000, 2, 100];
      const client = await runProcess(["python3", PEER, "connect", path, ...sizes.map(String)]);
      assert.equal(client.code, 0, client.stderr);
      const report: PeerReport = JSON.parse(client.stdout);
      assert.equal(report.data.trim(), "70103");
      assert.deepEqual(report.lengths, [report.data.length]);
      await until(
        () => traced(server.log(), "<").length >= sizes.length,
        "the trace of each packet",
      );
      assert.deepEqual(traced(server.log(), "<"), sizes);
      assert.equal((await server.stop()).code, 143);
      assert.equal(existsSync(path), false);
      assert.equal(existsSync(`${path}.lock`), false);
    });

    it("ipcat to ipcat: 300 KB through cat, in order and complete, over @name too", async () => {
      for (const path of [sockPath(), `@ipcat-seqpacket-${process.pid}-${++counter}`]) {
        const server = await serveSeqpacket(way, path, ["cat"]);
        const input = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
        const result = await runCli(way, ["sock", "connect", "--seqpacket", path], {
          stdin: input,
        });
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(result.stdoutBytes, input);
        assert.equal((await server.stop("SIGINT")).code, 130);
      }
    });

    it("connect --seqpacket -- CMD and --wait: a conversation with a server that starts later", async () => {
      const path = sockPath();
      const client = startCli(way, [
        "sock",
        "connect",
        "--seqpacket",
        "--wait",
        "20",
        path,
        "--",
        "sh",
        "-c",
        'echo START; read reply; echo "got $reply" >&2',
      ]);
      let err = "";
      client.stderr!.on("data", (c: Buffer) => (err += c.toString()));
      const server = await serveSeqpacket(way, path, ["sh", "-c", 'read line; echo "$line-OK"']);
      assert.equal((await exited(client)).code, 0, err);
      assert.match(err, /got START-OK/);
      assert.equal((await server.stop()).code, 143);
    });

    it("--idle-timeout ends connect --seqpacket (exit 11); SIGTERM ends the runs' groups", async () => {
      const path = sockPath();
      const server = await serveSeqpacket(way, path, ["sh", "-c", "echo ready; exec sleep 300"]);
      const quiet = await runCli(way, [
        "sock",
        "connect",
        "--seqpacket",
        "--idle-timeout",
        "300ms",
        path,
      ], { timeoutMs: 30_000 });
      assert.equal(quiet.code, 11, quiet.stderr);
      assert.match(quiet.stderr, /^ipcat: no data to or from .* for 0\.3 s \(--idle-timeout\)/);
      // A client whose run is still going when the server is stopped sees the end.
      const held = startCli(way, ["sock", "connect", "--seqpacket", path]);
      let out = "";
      held.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      await until(() => out === "ready\n", "the held run's first line");
      assert.equal((await server.stop()).code, 143);
      await until(
        () => /the server is shutting down: SIGTERM to process group/.test(server.log()),
        "the log of the group's end",
      );
      assert.equal((await exited(held)).code, 0);
      assert.equal(existsSync(path), false);
    });

    it("a client over --max-clients learns it (exit 8), as on stream sockets", async () => {
      const path = sockPath();
      const server = await serveSeqpacket(way, path, ["sh", "-c", "read l; echo done $l"], [
        "--max-clients",
        "1",
      ]);
      const first = startCli(way, ["sock", "connect", "--seqpacket", path]);
      let out = "";
      first.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      await until(
        () => /connection 1/.test(server.log()) || hasChildren(server.child.pid!),
        "run 1",
      );
      const refused = await runCli(way, ["sock", "connect", "--seqpacket", path], {
        stdin: "x\n",
      });
      assert.equal(refused.code, 8, refused.stderr);
      assert.match(refused.stderr, /refused the connection: already serving --max-clients 1/);
      first.stdin!.end("one\n");
      assert.equal((await exited(first)).code, 0);
      assert.equal(out, "done one\n");
      assert.equal((await server.stop("SIGHUP")).code, 129);
    });

    it("the uid check (SO_PEERCRED) refuses another user and admits --allow-uid", {
      skip: (process.getuid?.() !== 0 || !existsSync("/usr/bin/python3")) &&
        "needs root and /usr/bin/python3",
    }, async () => {
      chmodSync(dir, 0o755); // nobody must reach the socket
      const path = sockPath();
      // The peer's source is passed inline: nobody may not reach the checkout.
      const asNobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "/usr/bin/python3",
        "-c",
        readFileSync(PEER, "utf8"),
      ];
      const refusing = await serveSeqpacket(way, path, ["echo", "in"], ["--mode", "0666"]);
      const refused = await runProcess([...asNobody, "connect", path]);
      assert.equal(refused.code, 0, refused.stderr);
      assert.doesNotMatch(JSON.parse(refused.stdout).data, /^in/);
      await until(() => /refused: uid 65534/.test(refusing.log()), "the refusal in the log");
      await refusing.stop();
      const allowing = await serveSeqpacket(way, path, ["echo", "in"], [
        "--mode",
        "0666",
        "--allow-uid",
        "65534",
      ]);
      const admitted = await runProcess([...asNobody, "connect", path]);
      assert.deepEqual(JSON.parse(admitted.stdout), { lengths: [3], data: "in\n" });
      await allowing.stop();
    });

    it(
      "with socat: ipcat connect to UNIX-LISTEN,socktype=5, and socat's UNIX-CONNECT to ipcat serve",
      {
        skip: !socat && "socat is not installed",
      },
      async () => {
        const listenPath = sockPath();
        const listener = startProcess([
          "socat",
          `UNIX-LISTEN:${listenPath},socktype=5`,
          "SYSTEM:sed s/^/socat-/",
        ]);
        await until(() => existsSync(listenPath), "socat's socket");
        const toSocat = await runCli(way, ["sock", "connect", "--seqpacket", listenPath], {
          stdin: "ping\n",
        });
        assert.equal(toSocat.code, 0, toSocat.stderr);
        assert.equal(toSocat.stdout, "socat-ping\n");
        await exited(listener);

        const path = sockPath();
        const server = await serveSeqpacket(way, path, ["sed", "s/^/ipcat-/"]);
        const fromSocat = await runProcess([
          "socat",
          "-t",
          "10",
          "-",
          `UNIX-CONNECT:${path},socktype=5`,
        ], {
          stdin: "pong\n",
        });
        assert.equal(fromSocat.code, 0, fromSocat.stderr);
        assert.equal(fromSocat.stdout, "ipcat-pong\n");
        assert.equal((await server.stop()).code, 143);
      },
    );

    it("a live socat seqpacket socket is never taken over; a killed server's stale file is", {
      skip: !socat && "socat is not installed",
    }, async () => {
      const path = sockPath();
      startProcess(["socat", `UNIX-LISTEN:${path},socktype=5,fork`, "SYSTEM:cat"]);
      await until(() => existsSync(path), "socat's socket");
      const taken = await runCli(way, ["sock", "serve", "--raw", "--seqpacket", path, "--", "cat"]);
      assert.equal(taken.code, 4, taken.stderr);
      assert.match(taken.stderr, /^ipcat: another server is already listening on /);

      const stalePath = sockPath();
      const killed = await serveSeqpacket(way, stalePath, ["cat"]);
      killed.child.kill("SIGKILL");
      await exited(killed.child);
      assert.equal(existsSync(stalePath), true);
      const reused = await serveSeqpacket(way, stalePath, ["cat"]);
      assert.match(reused.log(), /removed stale socket file/);
      const echoed = await runCli(way, ["sock", "connect", "--seqpacket", stalePath], {
        stdin: "again\n",
      });
      assert.equal(echoed.stdout, "again\n", echoed.stderr);
      assert.equal((await reused.stop()).code, 143);
    });

    it("refusals are one line: a stream socket, a missing path, --seqpacket without --raw", async () => {
      const streamPath = sockPath();
      const streamServer = net.createServer().listen(streamPath);
      try {
        await until(() => existsSync(streamPath), "the stream socket");
        const wrong = await runCli(way, ["sock", "connect", "--seqpacket", streamPath]);
        assert.equal(wrong.code, 2);
        assert.match(wrong.stderr, /^ipcat: .* is a socket of another type \(.*--seqpacket.*\)\n$/);
      } finally {
        streamServer.close();
      }
      const seqpacketPath = sockPath();
      const server = await serveSeqpacket(way, seqpacketPath, ["cat"]);
      const stream = await runCli(way, ["sock", "connect", seqpacketPath], { stdin: "x" });
      assert.equal(stream.code, 2);
      assert.match(stream.stderr, /^ipcat: .* is a socket of another type \(.*\)\n$/);
      await server.stop();
      const missing = await runCli(way, ["sock", "connect", "--seqpacket", sockPath()]);
      assert.equal(missing.code, 3);
      assert.match(
        missing.stderr,
        /^ipcat: no socket at .*: the socket file does not exist \(.*\)\n$/,
      );
      const routed = await runCli(way, ["sock", "serve", "--seqpacket", sockPath(), "--", "cat"]);
      assert.equal(routed.code, 2);
      assert.match(routed.stderr, /^ipcat: --seqpacket needs --raw/);
      const tcp = await runCli(way, ["sock", "connect", "--seqpacket", "tcp://127.0.0.1:1"]);
      assert.equal(tcp.code, 2);
      assert.match(tcp.stderr, /^ipcat: --seqpacket applies to unix sockets/);
    });
  });
}
