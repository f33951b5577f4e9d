/**
 * Builds the single `ipcat` binary with `bun build --compile`, its man pages and its
 * shell completions.
 *
 *   bun run build            dist/ipcat (linux-x64), dist/man/*.1, dist/completions/
 *   bun run build --release  also dist/release/ipcat-VERSION-linux-x64.tar.gz + SHA256SUMS
 *   bun run build --all      every target (linux-x64, -musl, arm64), each with its release
 *                            archive: binary, man pages, completions
 *
 * The binary never autoloads a `.env` or `bunfig.toml` from the user's directory, so
 * nothing around the user can change how the tool behaves.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { completionModel, completionScript, SHELLS } from "./src/cli/completion.ts";
import { FAMILY_LOADERS } from "./src/cli/dispatch.ts";
import { manPages } from "./src/cli/man.ts";
import { VERSION } from "./src/version.ts";

const TARGETS = {
  "linux-x64": "dist/ipcat",
  "linux-x64-musl": "dist/ipcat-linux-x64-musl",
  "linux-arm64": "dist/ipcat-linux-arm64",
} as const;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    all: { type: "boolean", default: false },
    release: { type: "boolean", default: false },
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

const families = await Promise.all(Object.values(FAMILY_LOADERS).map((load) => load()));
rmSync("dist/man", { recursive: true, force: true });
mkdirSync("dist/man", { recursive: true });
const pages = manPages(families, VERSION);
for (const [name, text] of pages) writeFileSync(join("dist/man", name), text);
mkdirSync("dist/completions", { recursive: true });
const model = completionModel(families.filter((f) => f.name !== "completion"));
const COMPLETION_FILES = { bash: "ipcat.bash", zsh: "_ipcat", fish: "ipcat.fish" } as const;
for (const shell of SHELLS) {
  writeFileSync(join("dist/completions", COMPLETION_FILES[shell]), completionScript(shell, model));
}
console.log(`wrote ${pages.size} man pages to dist/man and completions to dist/completions`);

if (values.release || values.all) {
  rmSync("dist/release", { recursive: true, force: true });
  mkdirSync("dist/release", { recursive: true });
  const sums: string[] = [];
  for (const target of targets as Array<keyof typeof TARGETS>) {
    const name = `ipcat-${VERSION}-${target}`;
    const staging = join("dist/release", name);
    mkdirSync(join(staging, "man"), { recursive: true });
    copyFileSync(TARGETS[target], join(staging, "ipcat"));
    execFileSync("chmod", ["755", join(staging, "ipcat")]);
    for (const page of pages.keys()) {
      copyFileSync(join("dist/man", page), join(staging, "man", page));
    }
    execFileSync("cp", ["-r", "dist/completions", staging]);
    copyFileSync("LICENSE", join(staging, "LICENSE"));
    const archive = `${staging}.tar.gz`;
    execFileSync("tar", ["-czf", archive, "-C", "dist/release", name]);
    rmSync(staging, { recursive: true });
    sums.push(
      `${createHash("sha256").update(readFileSync(archive)).digest("hex")}  ${basename(archive)}`,
    );
    console.log(`wrote ${archive}`);
  }
  writeFileSync("dist/release/SHA256SUMS", sums.join("\n") + "\n");
}
