// The TypeScript blocks of the README and docs/, and the @example blocks of src/: every
// one type-checks against the library (tsc, with Bun's types). Every markdown block that
// needs nothing outside itself (fenced ```ts, not ```ts ignore) runs to completion under
// Bun and Deno here; the @example blocks run under `deno test --doc` (scripts/test.sh).
// Blocks that need a daemon or a server they do not start are fenced ```ts ignore:
// checked, not run.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { type Block, markdownBlocks } from "../fixtures/doc_blocks.ts";
import { BUN, DENO, ROOT, runProcess } from "../harness.ts";

/** The `@example` blocks of a source file, their ` * ` margins taken off. */
function exampleBlocks(file: string): Block[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const found: Block[] = [];
  const fence = /^\s*\* ```ts( ignore)?\n([\s\S]*?)^\s*\* ```$/gm;
  for (const match of text.matchAll(fence)) {
    found.push({
      source: file,
      line: text.slice(0, match.index).split("\n").length,
      code: match[2]!.replace(/^\s*\* ?/gm, ""),
      runs: false,
    });
  }
  return found;
}

/**
 * The block as a module of this checkout: `ipcat/…` imports point at the source tree,
 * and an example's relative imports at the files beside its source.
 */
function asModule(block: Block): string {
  return block.code.replace(
    /from "ipcat(\/(docker|mq|sock))?"/g,
    (_, sub?: string) => `from "${join(ROOT, "src", sub ? `${sub.slice(1)}/mod.ts` : "mod.ts")}"`,
  ).replace(
    /from "(\.\.?\/[^"]+)"/g,
    (_, path: string) => `from "${resolve(ROOT, dirname(block.source), path)}"`,
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(`${dir}/${entry.name}`)
      : entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")
      ? [`${dir}/${entry.name}`]
      : []
  );
}

const docs = ["README.md", ...readdirSync(join(ROOT, "docs")).map((f) => `docs/${f}`)]
  .filter((f) => f.endsWith(".md"));
const all = [
  ...docs.flatMap(markdownBlocks),
  ...["src", "bench"].flatMap(sourceFiles).flatMap(exampleBlocks),
];
const dir = join(ROOT, "test", ".doc-examples");

describe("documentation examples", () => {
  const files = all.map((block, i) => {
    const name = `${block.source.replace(/[/.]/g, "_")}_${block.line}_${i}.ts`;
    return { block, path: join(dir, name) };
  });

  it("the README and the sources have TypeScript examples to check", () => {
    assert.ok(all.filter((b) => b.runs).length >= 2, "too few runnable markdown blocks");
    assert.ok(all.filter((b) => b.source.startsWith("src/")).length >= 50, "too few @examples");
  });

  it("every block type-checks against the library", async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const { block, path } of files) writeFileSync(path, `export {};\n${asModule(block)}`);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: "../../tsconfig.json",
        // An example may name a value to show it without using it.
        compilerOptions: { noUnusedLocals: false },
        include: ["./*.ts"],
      }),
    );
    const tsc = await runProcess([join(ROOT, "node_modules", ".bin", "tsc"), "-p", dir], {
      timeoutMs: 120_000,
    });
    const where = (out: string) =>
      files.reduce(
        (text, { block, path }) =>
          text.replaceAll(
            path.slice(ROOT.length + 1),
            `${block.source} (block at line ${block.line})`,
          ),
        out,
      );
    assert.equal(tsc.code, 0, where(tsc.stdout + tsc.stderr));
  });

  for (const runtime of ["bun", "deno"] as const) {
    it(`every self-contained block runs under ${runtime}`, async () => {
      for (const { block, path } of files.filter((f) => f.block.runs)) {
        const argv = runtime === "bun" ? [BUN, path] : [DENO, "run", "-A", "--quiet", path];
        const r = await runProcess(argv, { timeoutMs: 30_000, cwd: dir });
        assert.equal(
          r.code,
          0,
          `${block.source} block at line ${block.line} failed under ${runtime}:\n${r.stderr}`,
        );
      }
    });
  }
});
