// Property tests of the AppScope/AppView frame codec (fast-check): every request and
// response survives framing at any queue size, and arbitrary frames produce only the
// protocol's own answers (a 400 step, a protocol IpcatError), never another exception.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IpcatError } from "../errors.ts";
import { encodeRequest, encodeResponse, RequestAssembler, ResponseAssembler } from "./mq.ts";

const payload = fc.uint8Array({ minLength: 1, maxLength: 4096 });
const msgsize = fc.integer({ min: 64, max: 8192 });
const uniq = fc.integer({ min: 0, max: 2 ** 31 - 1 });

function isProtocolError(error: unknown): boolean {
  return error instanceof IpcatError && error.code === "protocol";
}

describe("mq frames (properties)", () => {
  it("a request round-trips through its frames at any msgsize", () => {
    fc.assert(fc.property(payload, uniq, msgsize, (bytes, id, size) => {
      const assembler = new RequestAssembler();
      const frames = encodeRequest(bytes, id, size);
      for (const frame of frames) assert.ok(frame.byteLength <= size);
      const steps = frames.map((frame) => assembler.push(frame));
      const last = steps.at(-1)!;
      assert.ok(steps.slice(0, -1).every((step) => step.kind === "more"));
      assert.equal(last.kind, "complete");
      assert.deepEqual(last.kind === "complete" && last.payload, bytes);
    }));
  });

  it("a response round-trips through its frames at any msgsize", () => {
    fc.assert(fc.property(payload, uniq, msgsize, (bytes, id, size) => {
      const assembler = new ResponseAssembler(id);
      let result: Uint8Array | null = null;
      for (const frame of encodeResponse(bytes, id, size)) {
        assert.equal(result, null, "a payload came out before the last frame");
        result = assembler.push(frame);
      }
      assert.deepEqual(result, bytes);
    }));
  });

  it("arbitrary request frames give steps, never an exception", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (frames) => {
        const assembler = new RequestAssembler();
        for (const frame of frames) {
          const step = assembler.push(frame);
          assert.ok(["more", "complete", "error"].includes(step.kind));
        }
      }),
    );
  });

  it("arbitrary response frames give a payload, null or the protocol error", () => {
    const metaLike = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(
        fc.constantFrom(200, 206, 400, 500, 201),
        fc.integer({ min: -2, max: 3 }),
        fc.integer({ min: -1, max: 300 }),
        fc.uint8Array({ maxLength: 100 }),
      ).map(([status, id, remain, chunk]) => {
        const meta = new TextEncoder().encode(
          `{"status":${status},"uniq":${id},"remain":${remain}}`,
        );
        return new Uint8Array([...meta, 0, ...chunk]);
      }),
    );
    fc.assert(fc.property(fc.array(metaLike, { maxLength: 6 }), (frames) => {
      const assembler = new ResponseAssembler(1);
      try {
        for (const frame of frames) assembler.push(frame);
      } catch (error) {
        assert.ok(isProtocolError(error), `not the protocol error: ${error}`);
      }
    }));
  });
});
