// Fuzzing `ipcat mq serve`: thousands of random and mutated frames, each of which must get
// exactly one well-formed answer (the spec's meta-only 400/500, or a 200 whose payload is
// JSON with a status), and the server must still answer a real request afterwards.
import assert from "node:assert/strict";
import process from "node:process";
import { after, describe, it } from "node:test";
import { exited, runCli, startCli, waitForOutput, waysToTest } from "./harness.ts";
import {
  encodeRequest,
  type MessageQueue,
  openQueue,
  queueNames,
  RequestAssembler,
  unlinkQueue,
} from "../src/mq/mod.ts";
import { seededRandom } from "./fixtures/random.ts";

const CASES = 3000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const PAYLOADS = [
  '{"req":0}',
  '{"req":1}',
  '{"req":5}',
  '{"req":3,"cfg":{"a":1}}',
  '{"req":-4}',
  '{"req":"1"}',
  "[1]",
  "not json",
  '{"req":7}',
];

/** One fuzz case: the frames to send. */
function makeCase(next: () => number, uniq: number): Uint8Array[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const kind = Math.floor(next() * 6);
  if (kind === 0) {
    return [Uint8Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 256))];
  }
  const payload = kind === 5
    ? JSON.stringify({ req: 3, cfg: { pad: "x".repeat(100 + Math.floor(next() * 300)) } })
    : pick(PAYLOADS);
  const frames = encodeRequest(payload, uniq, kind === 5 ? 64 : 8192).map((f) => f.slice());
  const victim = frames[Math.floor(next() * frames.length)]!;
  const index = frames.indexOf(victim);
  switch (kind) {
    case 1: // flip bytes
      for (let i = 0, n = 1 + Math.floor(next() * 4); i < n; i++) {
        victim[Math.floor(next() * victim.length)] = Math.floor(next() * 256);
      }
      return frames;
    case 2: // truncate
      frames[index] = victim.subarray(0, Math.floor(next() * victim.length));
      return frames;
    case 3: { // rewrite one META field
      const nul = victim.indexOf(0);
      const meta = JSON.parse(decoder.decode(victim.subarray(0, nul)));
      const field = pick(["req", "uniq", "remain"]);
      meta[field] = pick([-1, 2, 1 << 21, "7", null, 1.5, meta[field] + 1]);
      if (next() < 0.2) delete meta[field];
      const head = encoder.encode(JSON.stringify(meta));
      const out = new Uint8Array(head.length + victim.length - nul);
      out.set(head);
      out.set(victim.subarray(nul), head.length);
      frames[index] = out;
      return frames;
    }
    case 4: // valid as it is
      return frames;
    default: { // multi-frame: change uniq or grow remain on a later frame, or leave it valid
      if (frames.length < 2) return frames;
      const later = 1 + Math.floor(next() * (frames.length - 1));
      const text = decoder.decode(frames[later]!);
      frames[later] = encoder.encode(
        next() < 0.5
          ? text.replace(`"uniq":${uniq}`, `"uniq":${uniq + 1}`)
          : text.replace(/"remain":(\d+)/, (_, n) => `"remain":${Number(n) + 50}`),
      );
      return frames;
    }
  }
}

/** What the server must answer, from the frames actually sent (cut at the first verdict). */
function expectation(
  frames: Uint8Array[],
): { sent: Uint8Array[]; status: 200 | 400 | 500; uniq: number; payload?: Uint8Array } {
  const assembler = new RequestAssembler();
  for (let i = 0; i < frames.length; i++) {
    const step = assembler.push(frames[i]!);
    if (step.kind === "error") {
      return { sent: frames.slice(0, i + 1), status: 400, uniq: step.uniq };
    }
    if (step.kind === "complete") {
      return { sent: frames.slice(0, i + 1), status: 200, uniq: step.uniq, payload: step.payload };
    }
  }
  return { sent: frames, status: 500, uniq: assembler.uniq };
}

/** Checks one answer frame against the spec's shapes. */
function checkAnswer(frame: Uint8Array, want: ReturnType<typeof expectation>, label: string): void {
  if (want.status !== 200) {
    assert.equal(
      decoder.decode(frame),
      `{"status":${want.status},"uniq":${want.uniq},"remain":0}`,
      label,
    );
    return;
  }
  const nul = frame.indexOf(0);
  assert.ok(nul > 0, `${label}: a 200 answer has META\\0payload`);
  const meta = decoder.decode(frame.subarray(0, nul));
  const payload = frame.subarray(nul + 1);
  assert.equal(meta, `{"status":200,"uniq":${want.uniq},"remain":${payload.length}}`, label);
  const answer = JSON.parse(decoder.decode(payload));
  assert.equal(typeof answer.status, "number", `${label}: payload has a status`);
  let request: unknown;
  try {
    request = JSON.parse(decoder.decode(want.payload));
  } catch {
    request = undefined;
  }
  const req = (request as { req?: unknown } | undefined)?.req;
  if (typeof req !== "number" || !Number.isInteger(req)) {
    assert.deepEqual(answer, { status: 400 }, `${label}: unreadable payload`);
  } else if (req < 0 || req > 6) {
    assert.deepEqual(answer, { status: 501 }, `${label}: unknown request`);
  }
}

for (const way of waysToTest()) {
  describe(`mq serve fuzzing (${way})`, () => {
    const asPid = 880000 + Math.floor(Math.random() * 100000);
    const names = queueNames("scope", asPid);
    let inQueue: MessageQueue | null = null;
    let outQueue: MessageQueue | null = null;
    after(() => {
      for (const q of [inQueue, outQueue]) q?.close();
      for (const name of [names.in, names.out]) {
        try {
          unlinkQueue(name);
        } catch {
          // not created
        }
      }
    });

    it(`answers ${CASES} random and mutated requests well-formed, then a real one`, async () => {
      const server = startCli(way, [
        "mq",
        "serve",
        "--as-pid",
        String(asPid),
        "--timeout",
        "0.3",
        "--quiet",
      ]);
      await waitForOutput(server, "Ctrl-C stops");
      inQueue = openQueue(names.in, {
        create: true,
        exclusive: true,
        access: "write",
        mode: 0o666,
        maxmsg: 10,
        msgsize: 8192,
      });
      outQueue = openQueue(names.out, {
        create: true,
        exclusive: true,
        access: "read",
        mode: 0o666,
        maxmsg: 10,
        msgsize: 8192,
      });
      const seed = Number(process.env.IPCAT_FUZZ_SEED ?? Date.now() % 1_000_000);
      const next = seededRandom(seed);
      let brokenOff = 0;
      const tally: Record<number, number> = { 200: 0, 400: 0, 500: 0 };
      for (let i = 0; i < CASES; i++) {
        let want = expectation(makeCase(next, 1000 + i));
        // A request broken off midway costs the server's whole timeout: keep a few.
        while (want.status === 500 && brokenOff >= 10) want = expectation(makeCase(next, 1000 + i));
        if (want.status === 500) brokenOff++;
        // Without awaits where the queue has room: a pause between the frames of one request
        // longer than the server's timeout would break it off.
        for (const frame of want.sent) {
          if (!inQueue.trySend(frame)) await inQueue.send(frame, 0, { timeoutMs: 10_000 });
        }
        const answer = await outQueue.receive({ timeoutMs: 10_000 });
        checkAnswer(answer.data, want, `case ${i} (seed ${seed})`);
        tally[want.status]!++;
      }
      assert.ok(
        tally[400]! > CASES / 4 && tally[200]! > CASES / 10,
        `a useful mix: ${JSON.stringify(tally)}`,
      );
      assert.equal(outQueue.attributes().curmsgs, 0, "exactly one answer per request");
      for (const q of [inQueue, outQueue]) q.close();
      for (const name of [names.in, names.out]) unlinkQueue(name);
      inQueue = outQueue = null;
      const real = await runCli(way, [
        "mq",
        "request",
        "--in",
        names.in,
        "--out",
        names.out,
        '{"req":1}',
      ]);
      assert.equal(real.stdout, '{"status":200,"scoped":true}\n', real.stderr);
      assert.equal(server.exitCode, null, "the server is still running");
      server.kill("SIGTERM");
      assert.equal((await exited(server)).code, 143);
    });
  });
}
