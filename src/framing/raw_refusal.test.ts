// The raw server's refusal notice: round trip, and ordinary output never taken for one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decodeRawRefusal,
  encodeRawRefusal,
  MAX_RAW_REFUSAL,
  mayBeRawRefusal,
} from "./raw_refusal.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("raw refusal notice", () => {
  it("round-trips both causes; newlines in the reason stay on one line", () => {
    assert.deepEqual(decodeRawRefusal(encodeRawRefusal("busy", "full")), {
      cause: "busy",
      reason: "full",
    });
    assert.deepEqual(decodeRawRefusal(encodeRawRefusal("permission", "uid 5\nx")), {
      cause: "permission",
      reason: "uid 5 x",
    });
  });

  it("does not take ordinary output, or a cut notice, for a notice", () => {
    for (const text of ["SUCCESS\n", "", "\0", "\0ipcat refused ", "\0ipcat refused odd: x\n"]) {
      assert.equal(decodeRawRefusal(bytes(text)), null, JSON.stringify(text));
    }
    assert.equal(mayBeRawRefusal(bytes("\0ipc")), true);
    assert.equal(mayBeRawRefusal(bytes("START")), false);
    assert.ok(encodeRawRefusal("busy", "x".repeat(2000)).byteLength <= MAX_RAW_REFUSAL);
  });
});
