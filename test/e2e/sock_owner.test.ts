// Socket ownership (issue 13, item 2): --owner and --group give the socket file away before
// it gets --mode, and --allow-gid lets a group in through the peer check, so that
// `--mode 0660 --group g --allow-gid g` shares a socket with a group. Clients of other
// users are socat processes started through setpriv.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, describe, it } from "node:test";
import { hasCommand, runCli, runProcess, waysToTest } from "../harness.ts";
import { startServer, until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-owner-"));
chmodSync(dir, 0o755); // other users' clients must reach the socket
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `o${++counter}.sock`);
const NOBODY = 65534; // nobody:nogroup on Debian

/** `socat - UNIX-CONNECT:path` as uid:gid with no supplementary groups. */
function socatAs(uid: number, gid: number, path: string, input: string) {
  return runProcess([
    "setpriv",
    `--reuid=${uid}`,
    `--regid=${gid}`,
    "--clear-groups",
    "socat",
    "-",
    `UNIX-CONNECT:${path}`,
  ], { stdin: input });
}

const usable = process.getuid?.() === 0 && hasCommand("setpriv") && hasCommand("socat");

for (const way of waysToTest()) {
  describe(
    `sock socket ownership (${way})`,
    { skip: !usable && "needs root, setpriv and socat" },
    () => {
      it("--mode 0660 --owner --group --allow-gid: the file has that owner, group and mode; the group shares it", async () => {
        const path = sockPath();
        const server = await startServer(way, [
          "--raw",
          "--mode",
          "0660",
          "--owner",
          "nobody",
          "--group",
          "nogroup",
          // Deno has no uid check to let the group through (and refuses --allow-gid).
          ...(way === "deno" ? [] : ["--allow-gid", "nogroup"]),
          path,
          "--",
          "echo",
          "in",
        ]);
        try {
          const stat = statSync(path);
          assert.equal(stat.uid, NOBODY);
          assert.equal(stat.gid, NOBODY);
          assert.equal(stat.mode & 0o777, 0o660);
          // A member of the group reaches it through the file's mode; anyone else does not.
          const member = await socatAs(4321, NOBODY, path, "");
          assert.equal(member.stdout, "in\n", member.stderr);
          const stranger = await socatAs(4321, 4321, path, "");
          assert.notEqual(stranger.code, 0);
          assert.match(stranger.stderr, /Permission denied/);
        } finally {
          await server.stop();
        }
      });

      it("--allow-gid: a peer of that group gets in past the uid check, others are refused", async (t) => {
        const path = sockPath();
        const args = [
          "--raw",
          "--mode",
          "0666",
          "--allow-gid",
          "nogroup",
          path,
          "--",
          "echo",
          "in",
        ];
        if (way === "deno") {
          const refused = await runCli(way, ["sock", "serve", ...args]);
          assert.equal(refused.code, 2);
          assert.match(refused.stderr, /^ipcat: --allow-gid needs SO_PEERCRED/);
          return t.skip("Deno has no peer credentials (its refusal is asserted)");
        }
        const server = await startServer(way, args);
        try {
          const member = await socatAs(4321, NOBODY, path, "");
          assert.equal(member.stdout, "in\n", member.stderr);
          const stranger = await socatAs(4321, 4321, path, "");
          assert.equal(stranger.stdout.includes("in"), false);
          // The client can be gone before the server has written its log line.
          await until(
            () => /refused.*uid 4321 \(pid \d+\) is not allowed/.test(server.log()),
            "the refusal in the log",
          );
        } finally {
          await server.stop();
        }
      });

      it("--owner on an abstract socket or tcp:// is refused at start with the reason", async () => {
        const abstract = await runCli(way, [
          "sock",
          "serve",
          "--owner",
          "nobody",
          "@ipcat-owner",
          "--",
          "cat",
        ]);
        assert.equal(abstract.code, 2);
        assert.match(
          abstract.stderr,
          /^ipcat: --owner: the abstract socket @ipcat-owner has no file to own/,
        );
        const unknown = await runCli(way, [
          "sock",
          "serve",
          "--group",
          "no-such-group-x",
          sockPath(),
          "--",
          "cat",
        ]);
        assert.equal(unknown.code, 3);
        assert.match(
          unknown.stderr,
          /^ipcat: --group: no group named 'no-such-group-x' in \/etc\/group/,
        );
      });
    },
  );
}
