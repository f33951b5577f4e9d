// The environment of the commands a server runs (issue 11, item 9): --allow-env names the
// variables a client may set (PATH and LD_* only by name, with a warning), --env sets one
// for every run, --clear-env keeps the server's own (its secrets) away from the command.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli, waysToTest } from "../harness.ts";
import { startServer } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-env-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `v${++counter}.sock`);
const SHOW = ["sh", "-c", 'echo "token=[$SECRET_TOKEN] job=[$JOB_ID] mode=[$MODE] path=[$PATH]"'];

for (const way of waysToTest()) {
  describe(`sock command environment (${way})`, () => {
    it("--allow-env NAME: that variable only; others, PATH and LD_PRELOAD refused naming themselves", async () => {
      const path = sockPath();
      const server = await startServer(way, ["--allow-env", "JOB_ID", path, "--", ...SHOW]);
      const ok = await runCli(way, ["sock", "run", "-e", "JOB_ID=42", path]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /job=\[42\]/);
      for (const name of ["OTHER", "PATH", "LD_PRELOAD"]) {
        const refused = await runCli(way, ["sock", "run", "-e", `${name}=/tmp/x`, path]);
        assert.equal(refused.code, 5, refused.stderr);
        assert.match(
          refused.stderr,
          new RegExp(`does not let clients set ${name} \\(start it with --allow-env ${name}\\)`),
        );
      }
      assert.doesNotMatch(server.log(), /warning/);
      assert.equal((await server.stop()).code, 143);
    });

    it("--allow-env PATH works only by name, with a warning at start", async () => {
      const path = sockPath();
      const server = await startServer(way, [
        "--allow-env",
        "PATH",
        path,
        "--",
        "/bin/sh",
        "-c",
        'echo "path=[$PATH]"',
      ]);
      assert.match(
        server.log(),
        /warning: --allow-env PATH lets every client choose which programs or libraries CMD runs/,
      );
      const r = await runCli(way, ["sock", "run", "-e", "PATH=/opt/x", path]);
      assert.deepEqual([r.code, r.stdout], [0, "path=[/opt/x]\n"], r.stderr);
      const pattern = await runCli(way, ["sock", "serve", "--allow-env", "LD_*", sockPath()]);
      assert.equal(pattern.code, 2, "no patterns");
      assert.equal((await server.stop()).code, 143);
    });

    it("--clear-env hides the server's secrets; --env sets a variable for every run (routed and raw)", async () => {
      const env = { SECRET_TOKEN: "hunter2" };
      const inherit = await startServer(way, [sockPath(), "--", ...SHOW], env);
      const leaked = await runCli(way, ["sock", "run", inherit.log().match(/on (\S+)/)![1]!]);
      assert.match(leaked.stdout, /token=\[hunter2\]/, "without --clear-env the command inherits");
      await inherit.stop();
      for (const raw of [[], ["--raw"]]) {
        const path = sockPath();
        const server = await startServer(way, [
          ...raw,
          "--clear-env",
          "--env",
          "MODE=fast",
          path,
          "--",
          ...SHOW,
        ], env);
        const r = await runCli(way, ["sock", raw.length ? "connect" : "run", path], { stdin: "" });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
          r.stdout,
          "token=[] job=[] mode=[fast] path=[/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin]\n",
        );
        assert.equal((await server.stop()).code, 143);
      }
    });
  });
}
