// `ipcat mq` errors that name the real cause and the way out: removing another user's
// queue, a request over libscope's 1 MiB limit, and a request in the wrong flavor.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";
import { after, describe, it } from "node:test";
import {
  cliCommand,
  exited,
  hasCommand,
  runCli,
  runProcess,
  startCli,
  waitForOutput,
  waysToTest,
} from "./harness.ts";
import { openQueue, statQueue, unlinkQueue } from "../src/mq/mod.ts";

const isRoot = process.getuid?.() === 0;
const canSwitchUid = isRoot && hasCommand("setpriv") &&
  existsSync(cliCommand("binary")[0]!);

const servers: ChildProcess[] = [];
after(async () => {
  for (const server of servers) {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill("SIGTERM");
      await exited(server);
    }
  }
});

for (const way of waysToTest()) {
  describe(`mq error advice (${way})`, () => {
    it("removing another user's queue says whose it is, not to change its mode", {
      skip: !canSwitchUid,
    }, async () => {
      const name = `/ipcat-advice-${process.pid}-${way}`;
      openQueue(name, { create: true, mode: 0o666 }).close();
      try {
        const r = await runProcess([
          "setpriv",
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          ...cliCommand("binary"),
          "mq",
          "unlink",
          name,
        ]);
        assert.equal(r.code, 5);
        assert.equal(
          r.stderr,
          `ipcat: queue ${name} belongs to another user: only its owner or root may remove it, whatever its mode (ask its owner ('ipcat mq stat ${name}' names it), or run as root)\n`,
        );
        assert.ok(statQueue(name), "still there");
      } finally {
        unlinkQueue(name);
      }
    });

    it("a request over 1 MiB names libscope's limit, and nothing is sent", async () => {
      const big = JSON.stringify({ req: 3, cfg: { pad: "x".repeat(1 << 20) } });
      const r = await runCli(way, [
        "mq",
        "request",
        "--in",
        "/ipcat-big-in",
        "--out",
        "/ipcat-big-out",
        "-",
      ], {
        stdin: big,
      });
      assert.equal(r.code, 9);
      assert.ok(
        r.stderr.startsWith(
          `ipcat: the request is ${big.length} bytes, over libscope's limit of 1 MiB (1048576 bytes) for one request`,
        ),
        r.stderr,
      );
      assert.throws(() => statQueue("/ipcat-big-in"), /no queue named/, "no queue was made");
    });

    it("a request in the wrong flavor suggests the right one", async () => {
      const server = startCli(way, ["mq", "serve", "--flavor", "appview"]);
      servers.push(server);
      await waitForOutput(server, "Ctrl-C stops");
      const r = await runCli(way, ["mq", "status", String(server.pid), "--timeout", "0.3"]);
      assert.equal(r.code, 6);
      assert.match(
        r.stderr,
        /it runs 'ipcat mq serve --flavor appview', which listens on the AppViewIPC\* queues \(ask it with --flavor appview\)/,
      );
      const ok = await runCli(way, [
        "mq",
        "status",
        String(server.pid),
        "--flavor",
        "appview",
        "--json",
      ]);
      assert.equal(ok.stdout, '{"status":200,"viewed":true}\n');
      server.kill("SIGTERM");
      assert.equal((await exited(server)).code, 143);
    });
  });
}
