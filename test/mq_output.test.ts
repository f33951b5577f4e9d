// `ipcat mq recv` output forms and `send -0`: --json with the time each message was
// received, --hex as `hexdump -C` prints the same bytes, and NUL-delimited streams both ways.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { after, describe, it } from "node:test";
import { runCli, waysToTest } from "./harness.ts";
import { openQueue, unlinkQueue } from "../src/mq/mod.ts";

const made: string[] = [];
after(() => {
  for (const name of made) {
    try {
      unlinkQueue(name);
    } catch {
      // removed by the test
    }
  }
});
let counter = 0;
function fresh(way: string): string {
  const name = `/ipcat-out-${process.pid}-${way}-${++counter}`;
  openQueue(name, { create: true, maxmsg: 10, msgsize: 300 }).close();
  made.push(name);
  return name;
}
const encoder = new TextEncoder();

for (const way of waysToTest()) {
  describe(`mq recv and send output forms (${way})`, () => {
    it("--json adds the time each message was received", async () => {
      const name = fresh(way);
      const queue = openQueue(name, { access: "write" });
      queue.trySend(encoder.encode("one"), 4);
      queue.trySend(encoder.encode("two"), 4);
      queue.close();
      const before = Date.now();
      const r = await runCli(way, ["mq", "recv", name, "-n", "2", "--json"]);
      const afterwards = Date.now();
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split("\n").map((line) => JSON.parse(line));
      assert.deepEqual(lines.map((l) => Object.keys(l)), [
        ["priority", "data", "received"],
        ["priority", "data", "received"],
      ]);
      for (const line of lines) {
        assert.match(line.received, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        const at = Date.parse(line.received);
        assert.ok(at >= before - 1 && at <= afterwards, `${line.received} is within the run`);
      }
      assert.ok(Date.parse(lines[0].received) <= Date.parse(lines[1].received));
    });

    it("--hex prints a header and exactly what hexdump -C prints of the bytes", async () => {
      const name = fresh(way);
      const messages = [
        Uint8Array.from({ length: 200 }, (_, i) => (i * 7) % 256),
        new Uint8Array(0),
        encoder.encode("plain text\n"),
      ];
      const queue = openQueue(name, { access: "write" });
      for (const message of messages) queue.trySend(message, 2);
      queue.close();
      const r = await runCli(way, ["mq", "recv", name, "-n", "3", "--hex"]);
      assert.equal(r.code, 0, r.stderr);
      const expected = messages.map((message) =>
        `priority 2, ${message.byteLength} bytes\n` +
        spawnSync("hexdump", ["-C"], { input: message }).stdout.toString("latin1")
      ).join("");
      assert.equal(r.stdout, expected);
    });

    it("-0 carries messages with newlines in them: send -0 - in, recv -0 out", async () => {
      const name = fresh(way);
      const pieces = ["line one\nline two", "", "tab\there", "last, unterminated"];
      let r = await runCli(way, ["mq", "send", name, "-0", "-"], { stdin: pieces.join("\0") });
      assert.equal(r.code, 0, r.stderr);
      r = await runCli(way, ["mq", "recv", name, "-n", String(pieces.length), "-0"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, pieces.map((p) => `${p}\0`).join(""));
      r = await runCli(way, ["mq", "recv", name, "--json", "--hex"]);
      assert.equal(r.code, 2);
      r = await runCli(way, ["mq", "send", name, "-0", "--split", "none", "-"], { stdin: "x" });
      assert.equal(r.code, 2);
    });
  });
}
