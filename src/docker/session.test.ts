import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IpcatError } from "../errors.ts";
import { DetachWatcher, parseDetachKeys } from "./session.ts";

describe("detach keys", () => {
  it("parses every form the docker CLI accepts", () => {
    assert.deepEqual([...parseDetachKeys("ctrl-p,ctrl-q")], [0x10, 0x11]);
    assert.deepEqual([
      ...parseDetachKeys("ctrl-@,ctrl-a,ctrl-z,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_"),
    ], [0, 1, 26, 27, 28, 29, 30, 31]);
    assert.deepEqual([...parseDetachKeys("CTRL-X,a")], [24, 97]);
    assert.throws(() => parseDetachKeys("a,,b"), /unknown key ''/);
    assert.throws(
      () => parseDetachKeys("ctrl-1"),
      (e: unknown) =>
        e instanceof IpcatError && e.code === "usage" && /unknown key 'ctrl-1'/.test(e.message),
    );
    assert.throws(() => parseDetachKeys("alt-x"), IpcatError);
  });

  it("forwards everything but the sequence, across reads and false starts", () => {
    const keys = parseDetachKeys("ctrl-p,ctrl-q");
    const watcher = new DetachWatcher(keys);
    assert.deepEqual(watcher.feed(new Uint8Array([1, 2, 0x10])), {
      forward: new Uint8Array([1, 2]),
      detached: false,
    });
    // ctrl-p then something else: the held ctrl-p is forwarded after all
    assert.deepEqual(watcher.feed(new Uint8Array([0x41])), {
      forward: new Uint8Array([0x10, 0x41]),
      detached: false,
    });
    // ctrl-p ctrl-p ctrl-q: the first ctrl-p is data, the last two detach
    assert.deepEqual(watcher.feed(new Uint8Array([0x10, 0x10])), {
      forward: new Uint8Array([0x10]),
      detached: false,
    });
    assert.deepEqual(watcher.feed(new Uint8Array([0x11, 0x42])), {
      forward: new Uint8Array([]),
      detached: true,
    });
  });

  it("detects the sequence inside one read", () => {
    const watcher = new DetachWatcher(parseDetachKeys("ctrl-a,x,y"));
    const result = watcher.feed(new TextEncoder().encode("ls\r\u0001xy"));
    assert.equal(result.detached, true);
    assert.equal(new TextDecoder().decode(result.forward), "ls\r");
  });

  it("watches nothing with no keys", () => {
    const chunk = new Uint8Array([0x10, 0x11]);
    assert.deepEqual(new DetachWatcher(new Uint8Array(0)).feed(chunk), {
      forward: chunk,
      detached: false,
    });
  });
});
