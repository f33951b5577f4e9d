// `ipcat sock serve` against clients that announce tiny frame sizes (issue 11, item 1):
// below the protocol minimum the CONNECT is refused with invalid_argument; at the minimum
// every service works, because chunking always makes progress; the server stays
// responsive to other clients and to SIGTERM throughout.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { MIN_MAX_PAYLOAD, MSG_OVERHEAD, STATUS_CODES } from "../../src/framing/sock.ts";
import { connect, EXEC_STREAMS } from "../../src/sock/mod.ts";
import { runCli, waysToTest } from "../harness.ts";
import { hello, rawPeer, startServer } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-frames-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const sockPath = () => join(dir, `f${++counter}.sock`);

for (const way of waysToTest()) {
  describe(`sock frame sizes (${way})`, () => {
    it("CONNECT announcing 25, 26, 12 or 0 bytes is refused with invalid_argument; others are served meanwhile", async () => {
      const path = sockPath();
      const server = await startServer(way, [path, "--", "sh", "-c", "head -c 300000 /dev/zero"]);
      for (const maxPayload of [25, 26, 12, 0, MIN_MAX_PAYLOAD - 1]) {
        const peer = rawPeer(path);
        peer.send({ ...hello, maxPayload });
        const answer = await peer.next();
        assert.ok(answer?.kind === "connect", `an answer for ${maxPayload}`);
        assert.equal(answer.code, STATUS_CODES.invalid_argument, `code for ${maxPayload}`);
        assert.equal(await peer.next(), null, "the connection is closed after the refusal");
        const echo = await runCli(way, ["sock", "call", path, "ipcat.echo", "still here"]);
        assert.deepEqual([echo.code, echo.stdout], [0, "still here"], echo.stderr);
      }
      assert.match(
        server.log(),
        /refused: it announced a max payload of 25 bytes, below the minimum of 256/,
      );
      assert.equal((await server.stop()).code, 143, "SIGTERM still ends the server");
    });

    it(`at the minimum of ${MIN_MAX_PAYLOAD} bytes ipcat.exec streams 300000 bytes out and its exit status`, async () => {
      const path = sockPath();
      const server = await startServer(way, [
        path,
        "--",
        "sh",
        "-c",
        "head -c 300000 /dev/zero; exit 3",
      ]);
      const client = await connect(path, { maxPayload: MIN_MAX_PAYLOAD });
      const channel = client.open("ipcat.exec", "{}");
      channel.closeWrite();
      let stdout = 0;
      let exit = "";
      for await (const data of channel) {
        assert.ok(
          data.byteLength <= MIN_MAX_PAYLOAD - MSG_OVERHEAD,
          "no frame over the announced size",
        );
        if (data[0] === EXEC_STREAMS.stdout) stdout += data.byteLength - 1;
        if (data[0] === EXEC_STREAMS.exit) exit = new TextDecoder().decode(data.subarray(1));
      }
      assert.equal(stdout, 300000);
      assert.deepEqual(JSON.parse(exit), { code: 3, signal: null });
      assert.equal((await channel.done).name, "ok");
      client.close();
      const listing = await connect(path, { maxPayload: MIN_MAX_PAYLOAD });
      const services = listing.open("ipcat.services");
      services.closeWrite();
      assert.match(new TextDecoder().decode((await services.read())!), /ipcat\.exec/);
      listing.close();
      assert.equal((await server.stop()).code, 143);
    });
  });
}
