// `ipcat.exec` on a terminal through the library, over a real unix socket, in whichever
// runtime runs this file: the size from the opening and from resize messages, a malformed
// resize logged and ignored, the refusal without `allowTty`, and Deno's refusal of
// `allowTty` (it has no pseudo-terminals). The codec of the resize message is checked too.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runtime } from "../adapter/mod.ts";
import { eventually } from "../../test/harness.ts";
import { IpcatError } from "../errors.ts";
import { type Channel, connect, execService, serve } from "./mod.ts";
import { parseResize, resizeMessage } from "./exec_terminal.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-exec-tty-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const socketPath = () => join(dir, `t${++counter}.sock`);
const encoder = new TextEncoder();
const typed = (keys: string) => new Uint8Array([0, ...encoder.encode(keys)]);

/** Everything the channel shows on stream 1 so far, read until `pattern` matches. */
async function readUntil(channel: Channel, seen: { text: string }, pattern: RegExp) {
  while (!pattern.test(seen.text)) {
    const message = await channel.read();
    assert.ok(message, `the channel ended before ${pattern}; it showed ${seen.text}`);
    assert.equal(message[0], 1, "a terminal has one output stream");
    seen.text += new TextDecoder().decode(message.subarray(1));
  }
}

describe("resize message codec", () => {
  it("round-trips every size at the u16 edges and refuses what winsize cannot hold", () => {
    for (
      const size of [{ rows: 1, cols: 1 }, { rows: 65535, cols: 80 }, { rows: 24, cols: 65535 }]
    ) {
      assert.deepEqual(parseResize(resizeMessage(size).subarray(1)), size);
    }
    for (const body of ['{"rows":0,"cols":80}', '{"rows":24}', '{"rows":1.5,"cols":2}', "[]"]) {
      assert.equal(parseResize(encoder.encode(body)), null, body);
    }
    assert.equal(parseResize(encoder.encode('{"rows":65536,"cols":80}')), null);
  });
});

describe(`ipcat.exec on a terminal (${runtime.name})`, () => {
  it("refuses a terminal without allowTty: END tty_not_allowed naming --allow-tty", async () => {
    const path = socketPath();
    const server = await serve(path, { services: { "ipcat.exec": execService(["sh"]) } });
    const client = await connect(path);
    const end = await client.open("ipcat.exec", JSON.stringify({ tty: true })).done;
    assert.equal(end.name, "tty_not_allowed");
    assert.match(end.reason, /--allow-tty/);
    client.close();
    await server.close();
  });

  if (!runtime.pseudoTerminals) {
    it("refuses allowTty at once: this runtime has no pseudo-terminals", () => {
      assert.throws(
        () => execService(["sh"], { allowTty: true }),
        (error) =>
          error instanceof IpcatError && /cannot allocate a pseudo-terminal/.test(error.message),
      );
    });
    return;
  }

  it("runs on a pts of the opening's size, resized by stream 4; a malformed resize is logged and ignored", async () => {
    const path = socketPath();
    const logs: string[] = [];
    const exec = execService(["sh"], { allowTty: true, log: (line) => logs.push(line) });
    const server = await serve(path, { services: { "ipcat.exec": exec } });
    const client = await connect(path);
    const channel = client.open(
      "ipcat.exec",
      JSON.stringify({ tty: true, size: { rows: 33, cols: 101 } }),
    );
    const seen = { text: "" };
    await channel.send(typed("tty; stty size\r"));
    await readUntil(channel, seen, /\/dev\/pts\/\d+\r\n33 101\r\n/);
    await channel.send(new Uint8Array([4, ...encoder.encode("{not json")]));
    await eventually(() => logs.some((l) => /ignored a malformed resize/.test(l)), "the log line");
    await channel.send(resizeMessage({ rows: 40, cols: 120 }));
    await channel.send(typed("stty size; exit 3\r"));
    await readUntil(channel, seen, /40 120\r\n/);
    const rest: Uint8Array[] = [];
    for await (const message of channel) rest.push(message);
    const exit = rest.find((m) => m[0] === 3);
    assert.ok(exit, "an exit message");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(exit.subarray(1))), {
      code: 3,
      signal: null,
    });
    assert.equal((await channel.done).name, "ok");
    client.close();
    await server.close();
  });
});
