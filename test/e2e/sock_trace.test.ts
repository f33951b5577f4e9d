// Traffic trace (issue 13, item 8): `connect --trace` and `serve --raw --trace` dump each
// direction to stderr in hex and ASCII (socat -x/-v), while the data itself is unchanged.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli, waysToTest } from "../harness.ts";
import { startServer, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-trace-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `x${++counter}.sock`);

for (const way of waysToTest()) {
  describe(`sock --trace (${way})`, () => {
    it("connect --trace and serve --raw --trace dump both directions; stdout is the reply alone", async () => {
      const path = sockPath();
      const server = await startServer(way, [
        "--raw",
        "--trace",
        path,
        "--",
        "sh",
        "-c",
        "read l; echo got $l",
      ]);
      try {
        const client = await runCli(way, ["sock", "connect", "--trace", path], {
          stdin: "START\n",
        });
        assert.equal(client.code, 0, client.stderr);
        assert.equal(client.stdout, "got START\n");
        assert.match(
          client.stderr,
          /^> .* 6 bytes at 0\n {2}00000000 {2}53 54 41 52 54 0a {30} {2}\|START\.\|$/m,
        );
        assert.match(
          client.stderr,
          /^< .* 10 bytes at 0\n {2}00000000 {2}67 6f 74 20 53 54 41 52 54 0a {18} {2}\|got START\.\|$/m,
        );
        await until(() => server.log().includes("|got START.|"), "the server's trace");
        assert.match(
          server.log(),
          /^< connection 1 6 bytes at 0\n {2}00000000 {2}53 54 41 52 54 0a .*\|START\.\|$/m,
        );
        assert.match(server.log(), /^> connection 1 10 bytes at 0\n/m);
      } finally {
        await server.stop();
      }
    });

    it("serve --trace without --raw is refused with the way out", async () => {
      const refused = await runCli(way, ["sock", "serve", "--trace", sockPath(), "--", "cat"]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /^ipcat: serve --trace needs --raw/);
    });
  });
}
