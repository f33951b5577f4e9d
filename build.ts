/**
 * Builds the single `ipcat` binary with `bun build --compile`.
 *
 *   bun run build          dist/ipcat (linux-x64)
 *   bun run build --all    also dist/ipcat-linux-x64-musl and dist/ipcat-linux-arm64
 *
 * The binary never autoloads a `.env` or `bunfig.toml` from the user's directory, so
 * nothing around the user can change how the tool behaves.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";

const TARGETS = {
  "linux-x64": "dist/ipcat",
  "linux-x64-musl": "dist/ipcat-linux-x64-musl",
  "linux-arm64": "dist/ipcat-linux-arm64",
} as const;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    all: { type: "boolean", default: false },
    "no-bytecode": { type: "boolean", default: false },
  },
});

mkdirSync("dist", { recursive: true });
const targets = values.all ? Object.keys(TARGETS) : ["linux-x64"];
for (const target of targets as Array<keyof typeof TARGETS>) {
  const outfile = TARGETS[target];
  const started = performance.now();
  execFileSync(process.execPath, [
    "build",
    "src/main.ts",
    "--compile",
    `--target=bun-${target}`,
    `--outfile=${outfile}`,
    "--format=esm",
    // Each family becomes its own chunk, loaded when a command names it: one bundle
    // would make every start-up, --version included, load all three (about 3 ms).
    "--splitting",
    "--minify",
    "--sourcemap",
    ...(values["no-bytecode"] ? [] : ["--bytecode"]),
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
  ], { stdio: ["ignore", "ignore", "inherit"] });
  const mib = (statSync(outfile).size / 2 ** 20).toFixed(1);
  console.log(
    `built ${outfile} (${target}, ${mib} MiB) in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
}
