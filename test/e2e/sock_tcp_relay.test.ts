// `ipcat sock connect tcp://` relays through libc (connect(2), TCP_NODELAY, splice(2)) as
// unix paths do: bytes, names, IPv6, --wait, and the refusals, in the three ways.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  eventually,
  exited,
  hasCommand,
  runCli,
  startCli,
  startProcess,
  waysToTest,
} from "../harness.ts";
import { freePort, hasChildren, startServer } from "../sock_support.ts";

for (const way of waysToTest()) {
  describe(`sock connect over TCP through libc (${way})`, () => {
    it("connect tcp:// relays through libc: 2 MiB through cat, localhost, [::1], --wait, refusals", async (t) => {
      const port = await freePort();
      const endpoint = `tcp://127.0.0.1:${port}`;
      // Started after the client: --wait retries the refused port until it listens.
      const input = new Uint8Array(2 << 20).map((_, i) => (i * 31) % 253);
      const waiting = runCli(way, ["sock", "connect", "--wait", "20", endpoint], { stdin: input });
      const raw = await startServer(way, ["--raw", "--max-clients", "1", endpoint, "--", "cat"]);
      try {
        const relayed = await waiting;
        assert.equal(relayed.code, 0, relayed.stderr);
        assert.deepEqual(relayed.stdoutBytes, input);
        const named = await runCli(way, ["sock", "connect", `tcp://localhost:${port}`], {
          stdin: "by name\n",
        });
        assert.equal(named.stdout, "by name\n", named.stderr);
        // One client holds the one run (its stdin stays open): the next is refused, and says so.
        const held = startCli(way, ["sock", "connect", endpoint]);
        await eventually(() => hasChildren(raw.child.pid!), "the held run");
        const busy = await runCli(way, ["sock", "connect", endpoint], { stdin: "x" });
        assert.equal(busy.code, 8, busy.stderr);
        assert.match(
          busy.stderr,
          /^ipcat: the server on tcp:\/\/127\.0\.0\.1:\d+ refused the connection/,
        );
        held.stdin!.end();
        assert.equal((await exited(held)).code, 0);
      } finally {
        await raw.stop();
      }
      const refused = await runCli(way, ["sock", "connect", endpoint], { stdin: "x" });
      assert.equal(refused.code, 8);
      assert.match(
        refused.stderr,
        /^ipcat: nothing is listening on socket tcp:\/\/127\.0\.0\.1:\d+ \(connection refused\)/,
      );
      if (!hasCommand("socat")) return t.skip("socat is not installed: no IPv6 peer");
      const v6Port = await freePort();
      const v6 = startProcess([
        "socat",
        `TCP6-LISTEN:${v6Port},bind=[::1],reuseaddr`,
        "SYSTEM:sed s/^/v6-/",
      ]);
      try {
        await eventually(async () => {
          const probe = await runCli(way, ["sock", "connect", `tcp://[::1]:${v6Port}`], {
            stdin: "hi\n",
          });
          return probe.stdout === "v6-hi\n";
        }, "the answer over [::1]");
      } finally {
        v6.kill();
      }
    });
  });
}
