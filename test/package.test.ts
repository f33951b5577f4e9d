// ipcat as a developer gets it: `npm pack` ships built JavaScript and declarations and
// nothing else, and in a fresh Bun project and a fresh Deno project (npm: specifiers) the
// README's library examples type-check (tsc --strict, deno check) and run.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { markdownBlocks } from "./fixtures/doc_blocks.ts";
import { BUN, DENO, ROOT, runProcess } from "./harness.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-package-"));
const project = join(dir, "consumer");
const examples = markdownBlocks("README.md").filter((b) => /from "ipcat(\/\w+)?"/.test(b.code));
let tarball = "";

async function run(argv: string[], cwd: string, timeoutMs = 120_000) {
  const r = await runProcess(argv, { cwd, timeoutMs });
  assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stdout}${r.stderr}`);
  return r;
}

describe("the npm package", () => {
  before(async () => {
    const pack = await run(["npm", "pack", "--json", "--pack-destination", dir], ROOT);
    tarball = join(dir, JSON.parse(pack.stdout)[0].filename);
    await run(["mkdir", "-p", project], dir);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    writeFileSync(join(project, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));
    await run([
      "npm",
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      tarball,
      "bun-types@1.4.5",
    ], project);
    examples.forEach((block, i) => {
      writeFileSync(join(project, `example${i}.ts`), `export {};\n${block.code}`);
      const npm = block.code.replace(/from "ipcat(\/\w+)?"/g, 'from "npm:ipcat$1"');
      writeFileSync(join(project, `example${i}.deno.ts`), `export {};\n${npm}`);
    });
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          module: "Preserve",
          moduleResolution: "bundler",
          strict: true,
          noEmit: true,
          types: ["bun-types"],
          skipLibCheck: false,
        },
        include: examples.map((_, i) => `example${i}.ts`),
      }),
    );
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("holds built JavaScript, declarations, LICENSE and README, and nothing else", async () => {
    const list = (await run(["tar", "-tzf", tarball], dir)).stdout.split("\n").filter(Boolean);
    for (const entry of list) {
      assert.match(
        entry,
        /^package\/(dist\/lib\/.+\.(js|d\.ts)|package\.json|LICENSE|README\.md)$/,
        `unexpected file in the package: ${entry}`,
      );
      assert.doesNotMatch(entry, /\.test\.|\/bench\/|\/test\//);
    }
    for (const entry of ["mod", "docker/mod", "mq/mod", "sock/mod", "main"]) {
      assert.ok(list.includes(`package/dist/lib/${entry}.js`), `no ${entry}.js`);
      assert.ok(list.includes(`package/dist/lib/${entry}.d.ts`), `no ${entry}.d.ts`);
    }
    const installed = join(project, "node_modules", "ipcat");
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    assert.deepEqual(Object.keys(manifest.dependencies), ["valibot", "yaml"]);
    const size = Number((await run(["du", "-sk", installed], dir)).stdout.split("\t")[0]);
    assert.ok(size < 4096, `the installed package takes ${size} KiB`);
  });

  it("the README's library examples type-check in a consumer (tsc --strict)", async () => {
    assert.ok(examples.length >= 3, "the README should show the library");
    await run([join(ROOT, "node_modules", ".bin", "tsc"), "-p", project], project);
  });

  it("and under deno check, through npm: specifiers", async () => {
    await run(
      [DENO, "check", "--quiet", ...examples.map((_, i) => `example${i}.deno.ts`)],
      project,
    );
  });

  for (const runtime of ["bun", "deno"] as const) {
    it(`the self-contained examples run under ${runtime} from the package`, async () => {
      for (const [i, block] of examples.entries()) {
        if (!block.runs) continue;
        const argv = runtime === "bun"
          ? [BUN, `example${i}.ts`]
          : [DENO, "run", "-A", "--quiet", `example${i}.deno.ts`];
        const r = await runProcess(argv, { cwd: project, timeoutMs: 30_000 });
        assert.equal(r.code, 0, `README block at line ${block.line}: ${r.stderr}`);
      }
    });
  }

  it("the package's bin runs the command under Bun (what bunx runs)", async () => {
    const r = await run(
      [BUN, join(project, "node_modules", ".bin", "ipcat"), "--version"],
      project,
    );
    assert.match(r.stdout, /^ipcat \d+\.\d+\.\d+ \(bun /);
  });

  it("deno publish --dry-run passes for JSR, with no slow types", async () => {
    const r = await runProcess([DENO, "publish", "--dry-run", "--allow-dirty"], {
      cwd: ROOT,
      timeoutMs: 300_000,
      env: { NO_COLOR: "1" },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /slow type|missing-explicit-type/);
  });
});
