// Smaller defects of issue 11 (item 10), against real servers: a tag is never served twice
// on one connection; a reader that goes away (`| head -c 1`) ends `run` and `call` with
// SIGPIPE's 141, never the internal error 70. (END before close under Deno, and a send on
// a dropped connection being `unavailable`, are in src/sock/flow.test.ts.)
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { serviceId, STATUS_CODES } from "../../src/framing/sock.ts";
import { cliCommand, runProcess, waysToTest } from "../harness.ts";
import { hello, rawPeer, startServer } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-defects-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `d${++counter}.sock`);
const quote = (args: string[]) => args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");

for (const way of waysToTest()) {
  describe(`sock smaller defects (${way})`, () => {
    it("a tag used once is not served again after its final END, nor is an older one", async () => {
      const path = sockPath();
      const server = await startServer(way, [path]);
      const peer = rawPeer(path);
      peer.send(hello);
      assert.equal((await peer.next())?.kind, "connect");
      const echo = serviceId("ipcat.echo");
      const data = new TextEncoder().encode("x");
      peer.send({ kind: "msg", tag: 5, seq: 0, serviceId: echo, data });
      assert.equal((await peer.next())?.kind, "msg");
      peer.send({ kind: "end", tag: 5, keepAlive: false, code: 0, reason: "" });
      for (const tag of [5, 3]) {
        peer.send({ kind: "msg", tag, seq: 0, serviceId: echo, data });
        const answer = await peer.next();
        assert.ok(answer?.kind === "end" && answer.tag === tag, JSON.stringify(answer?.kind));
        assert.equal(answer.code, STATUS_CODES.invalid_argument);
        assert.match(answer.reason, new RegExp(`tag ${tag} was already used`));
      }
      peer.send({ kind: "msg", tag: 6, seq: 0, serviceId: echo, data });
      assert.equal((await peer.next())?.kind, "msg", "a fresh tag is served");
      peer.socket.destroy();
      assert.equal((await server.stop()).code, 143);
    });

    it("run and call into `head -c 1`: exit 141 (SIGPIPE), not 70", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", "sh", "-c", "yes | head -c 3000000"]);
      const ipcat = quote(cliCommand(way));
      for (const client of [`sock run ${path}`, `sock call ${path} ipcat.echo -`]) {
        const r = await runProcess([
          "bash",
          "-c",
          `set -o pipefail; head -c 300000 /dev/zero | ${ipcat} ${client} | head -c 1 >/dev/null`,
        ]);
        assert.equal(r.code, 141, `${client.slice(0, 30)}: ${r.stderr}`);
      }
      assert.equal((await server.stop()).code, 143);
    });
  });
}
