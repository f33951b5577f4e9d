// systemd socket activation and readiness (issue 13, item 6): `serve --listen-fds` serves
// the sockets Debian's systemd-socket-activate passes (unix and TCP), and sends READY=1
// once serving and STOPPING=1 at shutdown to a NOTIFY_SOCKET this test owns. CMD sees
// none of the activation variables. Deno cannot adopt a descriptor and says so.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  cliCommand,
  eventually,
  exited,
  hasCommand,
  runCli,
  startProcess,
  waysToTest,
} from "../harness.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-activation-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const name = (stem: string) => join(dir, `${stem}${++counter}`);

/** A unix datagram socket (python3: node has none) whose datagrams arrive as lines. */
function notifySocket(path: string) {
  const receiver = startProcess([
    "python3",
    "-c",
    "import socket, sys\ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint('bound', flush=True)\nwhile True: print(s.recv(4096).decode(), flush=True)",
    path,
  ]);
  let received = "";
  receiver.stdout!.on("data", (chunk: Buffer) => (received += chunk.toString()));
  return {
    lines: () => received.split("\n").filter((line) => line !== ""),
    stop: async () => {
      receiver.kill("SIGTERM");
      await exited(receiver);
    },
  };
}

/** `systemd-socket-activate -l ADDRESS -E NOTIFY_SOCKET=… ipcat sock serve --listen-fds …`. */
function activate(
  way: Parameters<typeof cliCommand>[0],
  address: string,
  notify: string,
  args: string[],
) {
  const child = startProcess([
    "systemd-socket-activate",
    "-l",
    address,
    "-E",
    `NOTIFY_SOCKET=${notify}`,
    ...cliCommand(way),
    "sock",
    "serve",
    "--listen-fds",
    ...args,
  ]);
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  return { child, log: () => log };
}

const usable = hasCommand("systemd-socket-activate") && hasCommand("python3");
const CMD = ["--", "sh", "-c", "echo activated; env | grep -E '^(LISTEN_|NOTIFY_SOCKET)' || true"];

for (const way of waysToTest()) {
  describe(
    `sock serve --listen-fds (${way})`,
    { skip: !usable && "needs systemd-socket-activate" },
    () => {
      if (way === "deno") {
        it("Deno refuses an inherited socket with a clear reason", async () => {
          const socket = name("d.sock");
          const notify = notifySocket(name("n.sock"));
          const server = activate(way, socket, name("n.sock"), CMD);
          try {
            // systemd-socket-activate starts the service on the first connection.
            await eventually(
              () =>
                new Promise<boolean>((resolve) => {
                  const probe = net.connect(socket, () => {
                    probe.destroy();
                    resolve(true);
                  });
                  probe.on("error", () => resolve(false));
                }),
              "the activation socket",
            );
            const status = await exited(server.child);
            assert.equal(status.code, 2, server.log());
            assert.match(
              server.log(),
              /ipcat: --listen-fds: deno cannot serve an inherited socket/,
            );
          } finally {
            await notify.stop();
          }
        });
        return;
      }

      it("serves the inherited unix socket, notifies READY=1 and STOPPING=1; CMD sees no activation variables", async () => {
        const socket = name("a.sock");
        const notifyPath = name("n.sock");
        const notify = notifySocket(notifyPath);
        await eventually(() => notify.lines().includes("bound"), "the notify socket");
        const server = activate(way, socket, notifyPath, CMD);
        try {
          const run = await runCli(way, ["sock", "run", "--wait", "20", socket]);
          assert.equal(run.stdout, "activated\n", run.stderr + server.log());
          assert.equal(run.code, 0);
          await eventually(() => notify.lines().includes("READY=1"), "READY=1");
          await eventually(
            () => /serving .* on inherited descriptor 3/.test(server.log()),
            "the serving line",
          );
          server.child.kill("SIGTERM");
          const status = await exited(server.child);
          assert.equal(status.code, 143);
          await eventually(() => notify.lines().includes("STOPPING=1"), "STOPPING=1");
          assert.deepEqual(notify.lines(), ["bound", "READY=1", "STOPPING=1"]);
        } finally {
          server.child.kill("SIGKILL");
          await notify.stop();
        }
      });

      it("serves an inherited TCP socket (--raw); a notify socket that is not there is logged, not fatal", async () => {
        const port = await new Promise<number>((resolve) => {
          const probe = net.createServer().listen(0, "127.0.0.1", () => {
            const chosen = (probe.address() as net.AddressInfo).port;
            probe.close(() => resolve(chosen));
          });
        });
        const server = activate(way, `127.0.0.1:${port}`, name("unused.sock"), [
          "--raw",
          "--",
          "sh",
          "-c",
          "read l; echo tcp $l",
        ]);
        try {
          const reply = await runCli(way, [
            "sock",
            "connect",
            "--wait",
            "20",
            `tcp://127.0.0.1:${port}`,
          ], {
            stdin: "hi\n",
          });
          assert.equal(reply.stdout, "tcp hi\n", reply.stderr + server.log());
          await eventually(
            () => /cannot notify the service manager/.test(server.log()),
            "the notify failure logged",
          );
        } finally {
          server.child.kill("SIGTERM");
          await exited(server.child);
        }
      });
    },
  );
}

describe("sock serve --listen-fds without activation", () => {
  it("refuses at start when LISTEN_FDS or LISTEN_PID is missing or another process's", async () => {
    const missing = await runCli("bun", ["sock", "serve", "--listen-fds", "--", "cat"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^ipcat: --listen-fds: no LISTEN_FDS and LISTEN_PID/);
    const foreign = await runCli("bun", ["sock", "serve", "--listen-fds", "--", "cat"], {
      env: { LISTEN_PID: "1", LISTEN_FDS: "1" },
    });
    assert.equal(foreign.code, 2);
    assert.match(foreign.stderr, /^ipcat: --listen-fds: LISTEN_PID is 1, not this process/);
  });
});
