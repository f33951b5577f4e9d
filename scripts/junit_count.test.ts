// Unit tests of the JUnit counting that scripts/test.sh relies on.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countLeaves, testCases } from "./junit_count.ts";

describe("junit_count", () => {
  it("counts Bun's flat cases, failures and skips", () => {
    const xml = `<testsuites><testsuite name="a.test.ts">
      <testcase name="ok one" classname="g" time="0.1" />
      <testcase name="bad" classname="g"><failure message="x" /></testcase>
      <testcase name="later" classname="g"><skipped /></testcase>
    </testsuite></testsuites>`;
    assert.deepEqual(countLeaves(testCases(xml)), [1, 1, 1]);
  });

  it("counts Deno's steps and not their groups", () => {
    const xml = `<testsuites>
      <testsuite name="./a.test.ts"><testcase name="group" classname="./a.test.ts">
        <failure message="1 step failed" /></testcase></testsuite>
      <testsuite name="ext:deno_node/testing.ts">
        <testcase name="group &gt; passes" classname="ext"></testcase>
        <testcase name="group &gt; fails" classname="ext"><failure message="no" /></testcase>
        <testcase name="group &gt; inner" classname="ext"></testcase>
        <testcase name="group &gt; inner &gt; deep" classname="ext"></testcase>
      </testsuite></testsuites>`;
    assert.deepEqual(countLeaves(testCases(xml)), [2, 1, 0]);
  });

  it("counts a failed group with no failed test once (a hook threw)", () => {
    const xml = `<testcase name="g"><failure message="hook" /></testcase>
      <testcase name="g &gt; t"></testcase>`;
    assert.deepEqual(countLeaves(testCases(xml)), [1, 1, 0]);
  });
});
