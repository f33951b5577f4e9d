// A fake daemon on a unix socket that answers /_ping properly and then breaks the wire in
// each way a daemon (or a proxy in front of one) can: REST bodies cut short, chunked bodies
// with garbage chunk sizes, not HTTP at all, and attach/exec/logs streams cut inside a
// stdcopy frame or with garbage frame headers. Every docker command must fail as the docker
// CLI does: one line on stderr, status 1 (125 for run), never 70 ("internal error").
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { runCli, tempName, waysToTest } from "./harness.ts";

type Breakage =
  | "rest-cut"
  | "rest-garbled-chunk"
  | "rest-not-http"
  | "stream-cut"
  | "stream-garbled";
const BREAKAGES: readonly Breakage[] = [
  "rest-cut",
  "rest-garbled-chunk",
  "rest-not-http",
  "stream-cut",
  "stream-garbled",
];

const ID = "f".repeat(64);
/** Just enough of the Engine API's answers for each command to reach its stream. */
function validAnswer(target: string): { status: number; body: string } {
  const path = target.split("?")[0]!;
  if (/\/containers\/[^/]+\/json$/.test(path)) {
    return {
      status: 200,
      body: JSON.stringify({
        Id: ID,
        Name: "/fake",
        Config: { Tty: false, OpenStdin: false, StdinOnce: false, Image: "fake" },
        State: { Status: "running", Running: true, Paused: false, Restarting: false, ExitCode: 0 },
        HostConfig: { AutoRemove: false },
      }),
    };
  }
  if (path.endsWith("/containers/json")) return { status: 200, body: "[]" };
  if (path.endsWith("/version")) {
    return {
      status: 200,
      body: JSON.stringify({ Version: "0", ApiVersion: "1.43", Os: "linux", Arch: "x" }),
    };
  }
  if (path.endsWith("/containers/create") || /\/exec$/.test(path)) {
    return { status: 201, body: JSON.stringify({ Id: ID, Warnings: [] }) };
  }
  if (path.endsWith("/wait")) return { status: 200, body: '{"StatusCode":0}' };
  if (/\/exec\/[^/]+\/json$/.test(path)) {
    return { status: 200, body: '{"Running":false,"ExitCode":0}' };
  }
  if (path.includes("/images/create")) {
    return { status: 200, body: '{"status":"sha256:' + ID + '"}\n' };
  }
  // 200, not 204: a 204 carries no body, so there would be nothing to break.
  return { status: 200, body: "" };
}

/** A stdcopy stream broken as `breakage` says: a frame cut short, or a garbage header. */
function brokenStream(breakage: Breakage): Buffer {
  return breakage === "stream-cut"
    ? Buffer.from([1, 0, 0, 0, 0, 0, 0, 100, 104, 105]) // 100 bytes promised, 2 sent
    : Buffer.from([9, 9, 9, 9, 0, 0, 0, 1, 65]); // stream 9 does not exist
}

function fakeDaemon(socketPath: string, breakage: Breakage): Promise<net.Server> {
  const server = net.createServer((socket) => {
    let head = "";
    socket.on("error", () => {});
    socket.on("data", (data: Buffer) => {
      head += data.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [, path = ""] = head.slice(0, head.indexOf("\r\n")).split(" ");
      const upgrade = /\r\nupgrade: tcp/i.test(head.slice(0, end));
      head = "";
      socket.removeAllListeners("data");
      socket.on("data", () => {});
      if (path === "/_ping") {
        socket.end(
          "HTTP/1.1 200 OK\r\nConnection: close\r\nApi-Version: 1.43\r\nContent-Length: 2\r\n\r\nOK",
        );
        return;
      }
      const stream = breakage.startsWith("stream");
      if (stream && upgrade) {
        socket.write("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
        socket.end(brokenStream(breakage));
        return;
      }
      if (stream && path.includes("/logs")) {
        socket.write(
          "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n",
        );
        socket.end(brokenStream(breakage));
        return;
      }
      const { status, body } = validAnswer(path);
      if (stream) {
        socket.end(
          `HTTP/1.1 ${status} X\r\nConnection: close\r\nContent-Length: ${
            Buffer.byteLength(body)
          }\r\n\r\n${body}`,
        );
      } else if (breakage === "rest-cut") {
        socket.end(
          `HTTP/1.1 ${status} X\r\nConnection: close\r\nContent-Length: 5000\r\n\r\n${
            body.slice(0, 5)
          }`,
        );
      } else if (breakage === "rest-garbled-chunk") {
        socket.end(
          `HTTP/1.1 ${status} X\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`,
        );
      } else {
        socket.end("SSH-2.0-OpenSSH_9.2\r\n\r\n");
      }
    });
  });
  return new Promise((resolve) => server.listen(socketPath, () => resolve(server)));
}

/** Every docker command, as a user would type it against a container named fake. */
const COMMANDS: readonly string[][] = [
  ["version"],
  ["ps", "-a"],
  ["inspect", "fake"],
  ["create", "--network", "none", "img", "true"],
  ["start", "fake"],
  ["start", "-a", "fake"],
  ["run", "--network", "none", "img", "true"],
  ["run", "-d", "--network", "none", "img", "true"],
  ["attach", "--no-stdin", "fake"],
  ["exec", "fake", "true"],
  ["logs", "fake"],
  ["logs", "-f", "fake"],
  ["stop", "fake"],
  ["kill", "fake"],
  ["rm", "fake"],
  ["wait", "fake"],
  ["import", "-", "img:x"],
];

const servers: net.Server[] = [];
const sockets = new Map<Breakage, string>();
before(async () => {
  for (const breakage of BREAKAGES) {
    const path = tempName(`ipcat-fake-${breakage}`) + ".sock";
    sockets.set(breakage, path);
    servers.push(await fakeDaemon(path, breakage));
  }
});
after(() => {
  for (const server of servers) server.close();
  for (const path of sockets.values()) rmSync(path, { force: true });
});

for (const way of waysToTest()) {
  describe(`docker: a daemon that breaks the wire gets a one-line error, never 70 (${way})`, () => {
    for (const breakage of BREAKAGES) {
      it(`every command against ${breakage}`, async () => {
        for (const args of COMMANDS) {
          const what = `${args.join(" ")} (${breakage})`;
          const result = await runCli(way, ["docker", ...args], {
            env: { DOCKER_HOST: `unix://${sockets.get(breakage)}` },
            stdin: "",
          });
          assert.notEqual(result.code, 70, `${what}: ${result.stderr}`);
          if (result.code === 0) {
            // Only what never reads a broken part may succeed: a REST-only command when
            // the streams alone are broken.
            assert.ok(breakage.startsWith("stream"), `${what} succeeded: ${result.stdout}`);
            continue;
          }
          assert.equal(result.code, args[0] === "run" ? 125 : 1, `${what}: ${result.stderr}`);
          assert.match(result.stderr, /^ipcat: [^\n]+\n$/, what);
        }
      });
    }
  });
}
