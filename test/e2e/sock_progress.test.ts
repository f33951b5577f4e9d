// `ipcat sock connect --progress` (issue 17): on a terminal, a line of bytes sent and
// received with rates and the ETA when stdin is a file; off a terminal, nothing, and the
// bytes relayed are the same either way. ipcat runs inside tmux, whose pane is read back.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cliCommand, runCli, waysToTest } from "../harness.ts";
import { startServer } from "../sock_support.ts";
import { Tmux } from "../tmux.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-progress-"));
const panes = new Tmux();
after(() => {
  panes.stop();
  rmSync(dir, { recursive: true, force: true });
});
const upload = join(dir, "upload");
writeFileSync(upload, new Uint8Array(3 * 2 ** 20).fill(7));
let counter = 0;
const sockPath = () => join(dir, `p${++counter}.sock`);

for (const way of waysToTest()) {
  describe(`sock connect --progress (${way})`, () => {
    it("draws sent/total, received and the rates on a terminal", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--raw", path, "--", "wc", "-c"]);
      const ipcat = cliCommand(way).join(" ");
      const screen = await panes.run(
        `${ipcat} sock connect --progress ${path} < ${upload} > ${join(dir, "reply")}`,
      );
      assert.match(screen, /EXIT=0/);
      assert.match(
        screen,
        /sent {2}3\.0 MiB \/ 3\.0 MiB {2}[\d.]+ [KMG]?i?B\/s {3}received {2}8 B {2}\d[\d.]* [KMG]?i?B\/s/,
      );
      assert.equal((await server.stop()).code, 143);
    });

    it("shows nothing off a terminal, and refuses it with -- CMD", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--raw", path, "--", "wc", "-c"]);
      const piped = await runCli(way, ["sock", "connect", "--progress", path], {
        stdin: "twelve bytes",
      });
      assert.equal(piped.code, 0, piped.stderr);
      assert.equal(piped.stdout.trim(), "12");
      assert.equal(piped.stderr, "");
      const withCommand = await runCli(way, ["sock", "connect", "--progress", path, "--", "cat"]);
      assert.equal(withCommand.code, 2);
      assert.match(withCommand.stderr, /^ipcat: connect --progress does not apply with -- CMD/);
      assert.equal((await server.stop()).code, 143);
    });
  });
}
