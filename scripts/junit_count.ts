/**
 * Counts the results in JUnit XML files written by `bun test --reporter=junit` and
 * `deno test --junit-path`: prints "PASSED FAILED SKIPPED" for scripts/test.sh.
 *
 * Only leaf test cases count. Deno reports a `describe` group as a test case of its own
 * and each `it` as another named "group > test"; a case whose name opens another's is a
 * group, not a test.
 *
 * Usage: bun scripts/junit_count.ts FILE.xml…
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** One `<testcase>` of a report. */
export interface CaseResult {
  name: string;
  outcome: "passed" | "failed" | "skipped";
}

const CASE = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
const NAME = /\bname="([^"]*)"/;

/** The test cases of one JUnit XML document, in order. */
export function testCases(xml: string): CaseResult[] {
  const cases: CaseResult[] = [];
  for (const match of xml.matchAll(CASE)) {
    const body = match[3] ?? "";
    const outcome = /<(failure|error)\b/.test(body)
      ? "failed"
      : /<skipped\b/.test(body)
      ? "skipped"
      : "passed";
    cases.push({ name: decode(NAME.exec(match[1]!)?.[1] ?? ""), outcome });
  }
  return cases;
}

function decode(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

/** Passed, failed and skipped leaf cases over `cases`. */
export function countLeaves(cases: readonly CaseResult[]): [number, number, number] {
  const groups = new Set<string>();
  for (const { name } of cases) {
    const parts = name.split(" > ");
    for (let i = 1; i < parts.length; i++) groups.add(parts.slice(0, i).join(" > "));
  }
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const c of cases) {
    if (!groups.has(c.name) || c.outcome === "failed" && !hasLeafFailure(c, cases)) {
      counts[c.outcome]++;
    }
  }
  return [counts.passed, counts.failed, counts.skipped];
}

/** A failed group whose own tests all passed still failed (a hook threw, say). */
function hasLeafFailure(group: CaseResult, cases: readonly CaseResult[]): boolean {
  return cases.some((c) => c.name.startsWith(`${group.name} > `) && c.outcome === "failed");
}

if (import.meta.main) {
  const files = process.argv.slice(2);
  const cases = files.flatMap((file) => testCases(readFileSync(file, "utf8")));
  console.log(countLeaves(cases).join(" "));
}
