// The mq library on whichever runtime runs this file (`bun test` and `deno test`): real
// kernel queues through libc, the request client against the server in the same process.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { setImmediate } from "node:timers";
import { after, describe, it } from "node:test";
import { IpcatError } from "../errors.ts";
import { runtime } from "../adapter/mod.ts";
import { openQueue, queueName, tryOpenQueue, unlinkQueue } from "./queue.ts";
import { enterIpcNamespaceOf, namespacePid } from "./namespaces.ts";
import { queueError } from "./queue_errors.ts";
import { request, serveRequests } from "./mod.ts";
import { hexDump, messageJson } from "./message_output.ts";
import { Errno } from "../libc/mod.ts";

const prefix = `/ipcat-unit-${runtime.name}-${process.pid}`;
const made: string[] = [];
const fresh = (tag: string) => {
  const name = `${prefix}-${tag}`;
  made.push(name);
  return name;
};
after(() => {
  for (const name of made) {
    try {
      unlinkQueue(name);
    } catch {
      // removed by the test
    }
  }
});

describe(`mq library on ${runtime.name}: queues`, () => {
  it("normalises names and refuses bad ones", () => {
    assert.equal(queueName("jobs"), "/jobs");
    assert.equal(queueName("/jobs"), "/jobs");
    assert.throws(() => queueName("a/b"), /has a '\/'/);
    assert.throws(() => queueName("/"), /is not a queue name/);
    assert.throws(() => queueName("x".repeat(256)), /longer than 255 bytes/);
  });

  it("creates with exact attributes, sends by priority, receives, and reports counts", () => {
    const q = openQueue(fresh("prio"), { create: true, maxmsg: 4, msgsize: 32, mode: 0o640 });
    assert.deepEqual(q.attributes(), { nonblocking: false, maxmsg: 4, msgsize: 32, curmsgs: 0 });
    assert.ok(q.trySend(new TextEncoder().encode("low"), 1));
    assert.ok(q.trySend(new TextEncoder().encode("high"), 8));
    assert.equal(q.attributes().curmsgs, 2);
    const first = q.tryReceive()!;
    assert.equal(new TextDecoder().decode(first.data), "high");
    assert.equal(first.priority, 8);
    assert.equal(new TextDecoder().decode(q.tryReceive()!.data), "low");
    assert.equal(q.tryReceive(), null);
    q.close();
  });

  it("says full and empty without waiting, and maps EMSGSIZE with both sizes", () => {
    const q = openQueue(fresh("full"), { create: true, maxmsg: 1, msgsize: 8 });
    assert.ok(q.trySend(new Uint8Array(8)));
    assert.equal(q.trySend(new Uint8Array(1)), false);
    assert.throws(
      () => q.trySend(new Uint8Array(9)),
      (e: IpcatError) => e.code === "limit" && /9 bytes .* \(8 bytes\)/.test(e.message),
    );
    q.close();
  });

  it("waits for a message in slices and stops at the deadline or on abort", async () => {
    const q = openQueue(fresh("wait"), { create: true, maxmsg: 2, msgsize: 8 });
    await assert.rejects(q.receive({ timeoutMs: 120 }), (e: IpcatError) => e.code === "timeout");
    const controller = new AbortController();
    setTimeout(() => controller.abort(new IpcatError("interrupted", "stop")), 30);
    await assert.rejects(
      q.receive({ signal: controller.signal }),
      (e: IpcatError) => e.code === "interrupted",
    );
    setTimeout(() => q.trySend(new TextEncoder().encode("late"), 3), 30);
    const late = await q.receive({ timeoutMs: 10_000 });
    assert.equal(new TextDecoder().decode(late.data), "late");
    q.close();
  });

  it("leaves the event loop free while a receive or a send waits in the kernel", async () => {
    const q = openQueue(fresh("free"), { create: true, maxmsg: 1, msgsize: 8 });
    // Blocking waits let the loop turn only between the 50 ms kernel slices: a few thousand
    // setImmediate turns in 200 ms (measured: 3,100 under Bun, 470 under Deno). Waits on
    // another thread let it turn all along (measured: 250,000 and 150,000).
    const turnsDuring = async (wait: () => Promise<unknown>): Promise<number> => {
      let turns = 0;
      let waiting = true;
      const spin = () => {
        turns++;
        if (waiting) setImmediate(spin);
      };
      spin();
      await assert.rejects(wait(), (e: IpcatError) => e.code === "timeout");
      waiting = false;
      return turns;
    };
    const whileEmpty = await turnsDuring(() => q.receive({ timeoutMs: 200 }));
    assert.ok(whileEmpty > 20_000, `the loop turned ${whileEmpty} times while a receive waited`);
    assert.ok(q.trySend(new Uint8Array([1])));
    const whileFull = await turnsDuring(() => q.send(new Uint8Array([2]), 0, { timeoutMs: 200 }));
    assert.ok(whileFull > 20_000, `the loop turned ${whileFull} times while a send waited`);
    q.close();
  });

  it("maps each kernel error to its code", () => {
    const codes = [
      [Errno.EEXIST, "exists"],
      [Errno.ENOENT, "not_found"],
      [Errno.EACCES, "permission"],
      [Errno.EMSGSIZE, "limit"],
      [Errno.EAGAIN, "would_block"],
      [Errno.EINVAL, "limit"],
      [Errno.EMFILE, "limit"],
      [Errno.ENOSPC, "limit"],
    ] as const;
    for (const [errno, code] of codes) {
      assert.equal(
        queueError(errno, "create", "/q", { maxmsg: 1, msgsize: 1, size: 2 }).code,
        code,
      );
    }
    assert.throws(() => openQueue(fresh("missing")), (e: IpcatError) => e.code === "not_found");
    assert.equal(tryOpenQueue(`${prefix}-nothing`, "read"), null);
  });

  it("knows its own namespace PID and stays in its own IPC namespace", () => {
    assert.equal(namespacePid(process.pid), process.pid);
    assert.equal(enterIpcNamespaceOf(process.pid), false);
    assert.throws(() => namespacePid(2 ** 22 + 1), (e: IpcatError) => e.code === "not_found");
  });
});

describe(`mq library on ${runtime.name}: request and serve in one process`, () => {
  it("asks and answers, multi-frame included, and removes the queues", async () => {
    const stop = new AbortController();
    const pid = 900000 + (process.pid % 90000);
    const seen: number[] = [];
    const serving = serveRequests({
      pid,
      signal: stop.signal,
      handler: (req) => (req.req === 9 ? { status: 200, big: "z".repeat(20_000) } : undefined),
      onEvent: (e) => seen.push(e.status),
    });
    try {
      const status = await request({ req: 1 }, {
        pid: undefined,
        inQueue: `/ScopeIPCIn.${pid}`,
        outQueue: `/ScopeIPCOut.${pid}`,
        timeoutMs: 10_000,
      });
      assert.equal(status.text, '{"status":200,"scoped":true}');
      const big = await request({ req: 9, pad: "y".repeat(30_000) }, {
        inQueue: `ScopeIPCIn.${pid}`,
        outQueue: `ScopeIPCOut.${pid}`,
        timeoutMs: 10_000,
      });
      assert.equal((big.json as { big: string }).big.length, 20_000);
      assert.deepEqual(seen, [200, 200]);
      assert.equal(
        tryOpenQueue(`/ScopeIPCIn.${pid}`, "read"),
        null,
        "the client removed its queues",
      );
    } finally {
      stop.abort();
      await serving;
    }
  });
});

describe(`mq library on ${runtime.name}: a server that breaks the protocol`, () => {
  /** Answers the next request on the pair with `frames`, from a timer in this process. */
  function rogueServer(pid: number, frames: string[]): Promise<void> {
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        const inQueue = tryOpenQueue(`/ScopeIPCIn.${pid}`, "read");
        if (!inQueue) return;
        const outQueue = tryOpenQueue(`/ScopeIPCOut.${pid}`, "write");
        if (inQueue.tryReceive() && outQueue) {
          for (const frame of frames) outQueue.trySend(new TextEncoder().encode(frame));
          clearInterval(timer);
          resolve();
        }
        inQueue.close();
        outQueue?.close();
      }, 1);
    });
  }

  const cases = [
    [
      "a uniq other than the request's",
      ['{"status":200,"uniq":1,"remain":2}\0{}'],
      /inconsistent uniq/,
    ],
    ["a remain that grows", [
      '{"status":206,"uniq":7,"remain":4}\0{"',
      '{"status":200,"uniq":7,"remain":9}\0a":1}',
    ], /inconsistent size/],
    ["a missing META field", ['{"status":200,"uniq":7}\0{}'], /missing-field/],
    ["a meta-only 400", ['{"status":400,"uniq":-1,"remain":0}'], /meta status 400/],
    ["a meta-only 500", ['{"status":500,"uniq":7,"remain":0}'], /meta status 500/],
  ] as const;
  for (const [what, frames, message] of cases) {
    it(`reports ${what} and still removes the queues`, async () => {
      const pid = 800000 + (process.pid % 90000);
      const answered = rogueServer(pid, [...frames]);
      await assert.rejects(
        request({ req: 1 }, {
          inQueue: `/ScopeIPCIn.${pid}`,
          outQueue: `/ScopeIPCOut.${pid}`,
          uniq: 7,
          timeoutMs: 10_000,
        }),
        (e: IpcatError) => {
          assert.equal(e.code, "protocol");
          assert.match(e.message, message);
          return true;
        },
      );
      await answered;
      assert.equal(tryOpenQueue(`/ScopeIPCIn.${pid}`, "read"), null);
      assert.equal(tryOpenQueue(`/ScopeIPCOut.${pid}`, "read"), null);
    });
  }
});

describe("mq CLI helpers", () => {
  it("prints text as JSON strings and anything else losslessly in base64, with the time", () => {
    const at = Date.UTC(2026, 11, 1, 7, 30, 0, 123);
    assert.equal(
      messageJson(new TextEncoder().encode("é\n"), 2, at),
      '{"priority":2,"data":"é\\n","received":"2026-12-01T07:30:00.123Z"}',
    );
    assert.equal(
      messageJson(new Uint8Array([0xc3]), 0, at),
      '{"priority":0,"data":"ww==","encoding":"base64","received":"2026-12-01T07:30:00.123Z"}',
    );
  });

  it("dumps bytes exactly as hexdump -C does", () => {
    const cases = [
      new Uint8Array(0),
      new TextEncoder().encode("abc"),
      Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256),
      new Uint8Array(64),
      Uint8Array.from([...new Uint8Array(40), 1, 2, 3]),
    ];
    for (const bytes of cases) {
      const real = spawnSync("hexdump", ["-C"], { input: bytes });
      if (real.error) return; // no hexdump here: the other checks still stand
      assert.equal(hexDump(bytes), real.stdout.toString("latin1"), `${bytes.byteLength} bytes`);
    }
  });
});
