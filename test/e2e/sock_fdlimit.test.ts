// At the open-file limit (prlimit --nofile) neither the routed nor the raw server spins
// (issue 11, item 6): connections beyond its descriptor headroom are refused at once, the
// accept loop backs off where accept fails, and it serves again once descriptors free up.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cliCommand, exited, runCli, startProcess, waitForOutput, waysToTest } from "../harness.ts";
import { until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-fd-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `l${++counter}.sock`);

/** CPU time (user + system) of `pid` in clock ticks (100 per second). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

async function flood(path: string, count: number): Promise<net.Socket[]> {
  return await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<net.Socket>((resolve) => {
        const socket = net.createConnection({ path }, () => resolve(socket));
        socket.on("error", () => resolve(socket));
      })),
  );
}

for (const way of waysToTest()) {
  describe(`sock at the open-file limit (${way})`, () => {
    for (const raw of [false, true]) {
      it(`${raw ? "raw" : "routed"}: 300 connections under --nofile=200 do not make it spin; it serves again after`, async () => {
        const path = sockPath();
        const server = startProcess([
          "prlimit",
          "--nofile=200",
          ...cliCommand(way),
          "sock",
          "serve",
          ...(raw ? ["--raw"] : ["--handshake-timeout", "1s"]),
          path,
          "--",
          "sh",
          "-c",
          "sleep 1; exec cat",
        ]);
        let log = "";
        server.stderr!.on("data", (c: Buffer) => (log += c.toString()));
        await waitForOutput(server, "ipcat: serving ");
        const pid = server.pid!;
        const sockets = await flood(path, 300);
        await until(() => /refused: near the open-file limit/.test(log), "refusals at the limit");
        // At the limit, until the held connections end, the server must sit idle.
        const before = cpuTicks(pid);
        const started = performance.now();
        // Routed: the server closes the silent ones itself after the handshake timeout;
        // raw: `cat` holds each until its client closes.
        if (raw) { for (const socket of sockets) socket.destroy(); }
        else await until(() => /no CONNECT within 1 s/.test(log), "the handshake timeouts");
        const args = raw ? ["sock", "connect", path] : ["sock", "call", path, "ipcat.echo", "-"];
        let served = await runCli(way, args, { stdin: "again\n" });
        for (let i = 0; i < 100 && served.stdout !== "again\n"; i++) {
          served = await runCli(way, args, { stdin: "again\n" });
        }
        const seconds = (performance.now() - started) / 1000;
        const share = (cpuTicks(pid) - before) / 100 / seconds;
        assert.ok(share < 0.25, `the server used ${(share * 100).toFixed(0)} % of a core`);
        for (const socket of sockets) socket.destroy();
        assert.equal(served.stdout, "again\n", served.stderr);
        server.kill("SIGTERM");
        assert.equal((await exited(server)).code, 143);
      });
    }
  });
}
