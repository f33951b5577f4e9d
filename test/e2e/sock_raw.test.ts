// Raw mode's refusals and queueing (issue 11, item 7): a client refused by --max-clients
// or by the uid check learns it (exit 8 or 5, naming the cause) instead of exiting 0 with
// empty output; --max-clients N --queue makes extra clients wait, as socat's max-children.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, describe, it } from "node:test";
import { cliCommand, exited, runCli, runProcess, startCli, waysToTest } from "../harness.ts";
import { hasChildren, startServer, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-raw-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `r${++counter}.sock`);

for (const way of waysToTest()) {
  describe(`sock raw refusals and queue (${way})`, () => {
    it("a client over --max-clients exits 8 naming the cause; the one being served is unaffected", async () => {
      const path = sockPath();
      const server = await startServer(way, [
        "--raw",
        "--max-clients",
        "1",
        path,
        "--",
        "sh",
        "-c",
        "read l; echo done $l",
      ]);
      // The first client holds the one run: it has sent nothing, so `read` waits.
      const first = startCli(way, ["sock", "connect", path]);
      let out = "";
      first.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      await until(
        () => /ipcat: connection 1:/.test(server.log()) || hasChildren(server.child.pid!),
        "the first run",
      );
      const refused = await runCli(way, ["sock", "connect", path], { stdin: "START\n" });
      assert.equal(refused.code, 8, refused.stderr);
      assert.match(
        refused.stderr,
        /refused the connection: already serving --max-clients 1 \(.*--queue/,
      );
      assert.equal(refused.stdout, "");
      first.stdin!.end("one\n");
      assert.equal((await exited(first)).code, 0);
      assert.equal(out, "done one\n");
      assert.equal((await server.stop()).code, 143);
    });

    it("--queue: three clients at once all run, one at a time, each with its own reply", async () => {
      const path = sockPath();
      const trace = join(dir, `trace${++counter}`);
      writeFileSync(trace, "");
      const server = await startServer(way, [
        "--raw",
        "--max-clients",
        "1",
        "--queue",
        path,
        "--",
        "sh",
        "-c",
        `echo start >> ${trace}; read l; sleep 0.2; echo end >> ${trace}; echo "got $l"`,
      ]);
      const results = await Promise.all(
        ["a", "b", "c"].map((l) => runCli(way, ["sock", "connect", path], { stdin: `${l}\n` })),
      );
      assert.deepEqual(results.map((r) => [r.code, r.stdout]), [
        [0, "got a\n"],
        [0, "got b\n"],
        [0, "got c\n"],
      ]);
      assert.equal(readFileSync(trace, "utf8"), "start\nend\n".repeat(3), "never two at once");
      assert.equal((await server.stop()).code, 143);
    });

    if (way === "deno") return; // no uid check under Deno (no SO_PEERCRED)
    it("a refused uid exits 5 with a message naming the uid check", async () => {
      const name = `@ipcat-raw-${process.pid}-${++counter}`;
      const server = await startServer(way, ["--raw", name, "--", "echo", "never"]);
      const r = await runProcess([
        "setpriv",
        "--reuid=4321",
        "--regid=4321",
        "--clear-groups",
        ...cliCommand(way),
        "sock",
        "connect",
        name,
      ], { stdin: "START\n" });
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, /refused this user: uid 4321 \(pid \d+\) is not allowed/);
      assert.equal(r.stdout, "");
      assert.equal((await server.stop()).code, 143);
    });
  });
}
