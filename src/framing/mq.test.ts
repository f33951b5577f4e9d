// The AppScope/AppView frame format against the exact bytes the real programs exchange.
// The vectors are copied here from the protocol notes (section 5); `\0` is one NUL byte.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IpcatError } from "../errors.ts";
import {
  encodeErrorResponse,
  encodeRequest,
  encodeResponse,
  RequestAssembler,
  requestMetaText,
  ResponseAssembler,
} from "./mq.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const SUPPORTED_SCOPE =
  '{"status":200,"commands_meta":[{"id":0,"name":"completeRequestJson"},{"id":1,"name":"incompleteRequestJson"}],' +
  '"commands_scope":[{"id":0,"name":"getSupportedCmd"},{"id":1,"name":"getScopeStatus"},{"id":2,"name":"getScopeCfg"},' +
  '{"id":3,"name":"setScopeCfg"},{"id":4,"name":"getTransportStatus"},{"id":5,"name":"getProcessDetails"},' +
  '{"id":6,"name":"initiateSnapshot"}]}';

describe("mq frames: the spec's test vectors", () => {
  it("vector 1: a 43-byte getScopeStatus request and its 67-byte response", () => {
    const request = encodeRequest('{"req":1}', 1234, 8192);
    assert.equal(request.length, 1);
    assert.deepEqual(request[0], bytes('{"req":0,"uniq":1234,"remain":9}\0{"req":1}\0'));
    assert.equal(request[0]!.byteLength, 43);
    const response = encodeResponse('{"status":200,"scoped":true}', 1234, 8192);
    assert.deepEqual(response, [
      bytes('{"status":200,"uniq":1234,"remain":28}\0{"status":200,"scoped":true}'),
    ]);
    assert.equal(response[0]!.byteLength, 67);
  });

  it("vector 2: the 404-byte getSupportedCmd response", () => {
    assert.equal(SUPPORTED_SCOPE.length, 364);
    const [frame, ...more] = encodeResponse(SUPPORTED_SCOPE, 1234, 8192);
    assert.equal(more.length, 0);
    assert.equal(frame!.byteLength, 404);
    assert.deepEqual(frame, bytes(`{"status":200,"uniq":1234,"remain":364}\0${SUPPORTED_SCOPE}`));
  });

  it("vector 3: the same response in five frames for an Out msgsize of 120", () => {
    const frames = encodeResponse(SUPPORTED_SCOPE, 555, 120);
    assert.deepEqual(frames.map((f) => f.byteLength), [120, 120, 120, 120, 78]);
    assert.deepEqual(
      frames[0],
      bytes(`{"status":206,"uniq":555,"remain":364}\0${SUPPORTED_SCOPE.slice(0, 81)}`),
    );
    assert.deepEqual(frames.map((f) => JSON.parse(text(f.subarray(0, f.indexOf(0)))).remain), [
      364,
      283,
      202,
      121,
      40,
    ]);
    assert.deepEqual(
      frames[4],
      bytes('{"status":200,"uniq":555,"remain":40}\0s"},{"id":6,"name":"initiateSnapshot"}]}'),
    );
    const assembler = new ResponseAssembler(555);
    const results = frames.map((f) => assembler.push(f));
    assert.deepEqual(results.slice(0, 4), [null, null, null, null]);
    assert.equal(text(results[4]!), SUPPORTED_SCOPE);
  });

  it("vector 4: a two-frame request for an In msgsize of 64, and its response", () => {
    const payload = '{"req":3,"cfg":{"libscope":{"log":{"level":"debug"}}}}';
    const frames = encodeRequest(payload, 556, 64);
    assert.deepEqual(frames, [
      bytes('{"req":1,"uniq":556,"remain":54}\0{"req":3,"cfg":{"libscope":{"l\0'),
      bytes('{"req":0,"uniq":556,"remain":24}\0og":{"level":"debug"}}}}\0'),
    ]);
    assert.deepEqual(frames.map((f) => f.byteLength), [64, 58]);
    const assembler = new RequestAssembler();
    assert.deepEqual(assembler.push(frames[0]!), { kind: "more" });
    assert.equal(assembler.uniq, 556);
    const done = assembler.push(frames[1]!);
    assert.equal(done.kind, "complete");
    assert.equal(done.kind === "complete" && text(done.payload), payload);
    assert.deepEqual(encodeResponse('{"status":200}', 556, 8192), [
      bytes('{"status":200,"uniq":556,"remain":14}\0{"status":200}'),
    ]);
  });

  it("vector 5: a frame that is not JSON gets the 35-byte meta-only 400 with uniq -1", () => {
    const step = new RequestAssembler().push(bytes("test\0"));
    assert.equal(step.kind, "error");
    assert.equal(step.kind === "error" && step.uniq, -1);
    const answer = encodeErrorResponse(400, -1);
    assert.deepEqual(answer, bytes('{"status":400,"uniq":-1,"remain":0}'));
    assert.equal(answer.byteLength, 35);
  });

  it("vector 5: a broken-off request is answered by a meta-only 500 with its uniq", () => {
    const assembler = new RequestAssembler();
    assert.equal(assembler.push(encodeRequest("x".repeat(100), 9, 64)[0]!).kind, "more");
    assert.equal(assembler.uniq, 9);
    assert.deepEqual(
      encodeErrorResponse(500, assembler.uniq),
      bytes('{"status":500,"uniq":9,"remain":0}'),
    );
  });

  it("vector 5: an unknown request number is answered 200 with payload 501", () => {
    const step = new RequestAssembler().push(encodeRequest('{"req":7}', 103, 8192)[0]!);
    assert.equal(step.kind === "complete" && step.uniq, 103);
    assert.deepEqual(encodeResponse('{"status":501}', 103), [
      bytes('{"status":200,"uniq":103,"remain":14}\0{"status":501}'),
    ]);
  });
});

describe("mq frames: the server's stricter checks (400 each)", () => {
  const refused = (frames: Uint8Array[], uniq: number, reason: RegExp) => {
    const assembler = new RequestAssembler();
    let last = assembler.push(frames[0]!);
    for (const f of frames.slice(1)) last = assembler.push(f);
    assert.equal(last.kind, "error", `expected a 400, got ${last.kind}`);
    if (last.kind === "error") {
      assert.equal(last.uniq, uniq);
      assert.match(last.reason, reason);
    }
    assert.equal(assembler.started, false, "an error ends the request");
  };

  it("refuses a uniq that changes between frames", () => {
    const frames = encodeRequest("y".repeat(100), 7, 64);
    const other = encodeRequest("y".repeat(100), 8, 64);
    refused([frames[0]!, other[1]!], 7, /uniq changed from 7 to 8/);
  });

  it("refuses a remain that grows, and one that skips bytes", () => {
    const first = bytes(`${requestMetaText({ req: 1, uniq: 5, remain: 10 })}\0abc\0`);
    refused(
      [first, bytes(`${requestMetaText({ req: 0, uniq: 5, remain: 20 })}\0${"z".repeat(20)}\0`)],
      5,
      /remain grew from 7 to 20/,
    );
    refused(
      [first, bytes(`${requestMetaText({ req: 0, uniq: 5, remain: 5 })}\0zzzzz\0`)],
      5,
      /remain is 5, expected 7/,
    );
  });

  it("refuses META that is missing fields, not canonical, or has a bad req", () => {
    refused([bytes('{"req":0,"remain":2}\0{}\0')], -1, /malformed/);
    refused([bytes('{"req":0, "uniq":4,"remain":2}\0{}\0')], 4, /canonical/);
    refused([bytes('{"uniq":4,"req":0,"remain":2}\0{}\0')], 4, /canonical/);
    refused([bytes('{"req":2,"uniq":4,"remain":2}\0{}\0')], 4, /malformed/);
    refused([bytes('{"req":0,"uniq":4}\0{}\0')], 4, /malformed/);
    refused([bytes('{"req":0,"uniq":4,"remain":2}')], -1, /no NUL/);
    refused([bytes("[1,2]\0{}\0")], -1, /not a JSON object/);
  });

  it("refuses a frame with no data after META, or with more or fewer bytes than remain says", () => {
    refused([bytes('{"req":0,"uniq":4,"remain":0}\0\0')], 4, /no data after META/);
    refused([bytes('{"req":0,"uniq":4,"remain":2}\0{"req":1}\0')], 4, /over remain/);
    refused([bytes('{"req":0,"uniq":4,"remain":20}\0{"req":1}\0')], 4, /remain says 20/);
  });

  it("refuses a request over 1 MiB", () => {
    refused([bytes(`{"req":1,"uniq":4,"remain":${(1 << 20) + 1}}\0{\0`)], 4, /1 MiB/);
  });

  it("accepts a last frame without the trailing NUL, as some clients send it", () => {
    const step = new RequestAssembler().push(bytes('{"req":0,"uniq":4,"remain":9}\0{"req":1}'));
    assert.equal(step.kind === "complete" && text(step.payload), '{"req":1}');
  });
});

describe("mq frames: the client's checks", () => {
  const fails = (uniq: number, frames: string[], message: RegExp) => {
    const assembler = new ResponseAssembler(uniq);
    assert.throws(() => frames.forEach((f) => assembler.push(bytes(f))), (e: IpcatError) => {
      assert.equal(e.code, "protocol");
      assert.match(e.message, message);
      return true;
    });
  };

  it("reports a uniq other than the request's", () =>
    fails(1, ['{"status":200,"uniq":2,"remain":2}\0{}'], /inconsistent uniq/));
  it("reports a remain that grows", () =>
    fails(1, [
      '{"status":206,"uniq":1,"remain":4}\0{"',
      '{"status":200,"uniq":1,"remain":9}\0a":1}',
    ], /remain grew from 2 to 9/));
  it("reports a missing META field", () =>
    fails(1, ['{"status":200,"uniq":1}\0{}'], /no 'remain' field \(missing-field\)/));
  it("reports the meta-only 400 and 500", () => {
    fails(1, ['{"status":400,"uniq":-1,"remain":0}'], /malformed \(meta status 400\)/);
    fails(1, ['{"status":500,"uniq":1,"remain":0}'], /meta status 500/);
  });

  it("encodes multi-byte UTF-8 payloads across frame boundaries and back", () => {
    const payload = JSON.stringify({ req: 3, cfg: { note: "é€😀".repeat(40) } });
    const assembler = new RequestAssembler();
    const steps = encodeRequest(payload, 77, 64).map((f) => assembler.push(f));
    const last = steps.at(-1)!;
    assert.equal(last.kind === "complete" && text(last.payload), payload);
    assert.ok(encodeRequest(payload, 77, 64).every((f) => f.byteLength <= 64));
  });
});
