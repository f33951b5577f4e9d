// What `npm run build` ships besides the binary: man pages that render without a warning,
// and the release archive (`build.ts --release`, run by scripts/test.sh) with its checksum,
// unpacked and run as a user would.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ROOT, runCli, runProcess } from "../harness.ts";

const MAN = join(ROOT, "dist", "man");
const RELEASE = join(ROOT, "dist", "release");

describe("man pages", () => {
  it("one page for ipcat, each family and each command", async () => {
    const pages = readdirSync(MAN);
    assert.ok(pages.includes("ipcat.1"));
    for (const family of ["docker", "mq", "sock", "completion"]) {
      assert.ok(pages.includes(`ipcat-${family}.1`), `no page for ${family}`);
      const help = await runCli("binary", [family, "--help"]);
      const commands = [...help.stdout.matchAll(/^ {2}(\S+) {2}/gm)].map((m) => m[1]!);
      assert.ok(commands.length > 0);
      for (const command of commands) {
        assert.ok(pages.includes(`ipcat-${family}-${command}.1`), `no page for ${command}`);
      }
    }
  });

  it("every page renders with man -l, and groff -ww warns about none", async () => {
    for (const page of readdirSync(MAN)) {
      const path = join(MAN, page);
      const groff = await runProcess(["groff", "-ww", "-man", "-Tutf8", path]);
      assert.equal(groff.code, 0, `${page}: ${groff.stderr}`);
      assert.equal(groff.stderr, "", `${page} has groff warnings`);
      const man = await runProcess(["man", "-l", path], { env: { MANPAGER: "cat", PAGER: "cat" } });
      assert.equal(man.code, 0, `${page}: ${man.stderr}`);
      assert.match(man.stdout, /NAME/);
    }
  });

  it("a command's page lists its options with their defaults", async () => {
    const man = await runProcess(["man", "-l", join(MAN, "ipcat-sock-wait.1")], {
      env: { MANPAGER: "cat", PAGER: "cat", MANWIDTH: "200" },
    });
    const help = (await runCli("binary", ["sock", "wait", "--help"])).stdout;
    for (const option of help.matchAll(/--([a-z-]+)/g)) {
      assert.ok(man.stdout.includes(`--${option[1]}`), `the page lacks --${option[1]}`);
    }
  });
});

describe("release archive", () => {
  const dir = mkdtempSync(join(tmpdir(), "ipcat-release-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("matches SHA256SUMS, unpacks, and its binary runs", async () => {
    const sums = readFileSync(join(RELEASE, "SHA256SUMS"), "utf8").trim().split("\n");
    assert.ok(sums.length >= 1);
    for (const line of sums) {
      const [sum, file] = line.split(/\s+/);
      const digest = createHash("sha256").update(readFileSync(join(RELEASE, file!))).digest("hex");
      assert.equal(digest, sum, `${file} does not match its checksum`);
    }
    const archive = sums[0]!.split(/\s+/)[1]!;
    const untar = await runProcess(["tar", "-xzf", join(RELEASE, archive), "-C", dir]);
    assert.equal(untar.code, 0, untar.stderr);
    const root = join(dir, archive.replace(/\.tar\.gz$/, ""));
    const version = await runProcess([join(root, "ipcat"), "--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^ipcat \d+\.\d+\.\d+ \(bun .*, compiled/);
    const contents = readdirSync(root).sort();
    assert.deepEqual(contents, ["LICENSE", "completions", "ipcat", "man"]);
    assert.deepEqual(readdirSync(join(root, "completions")).sort(), [
      "_ipcat",
      "ipcat.bash",
      "ipcat.fish",
    ]);
    assert.ok(readdirSync(join(root, "man")).includes("ipcat-docker-run.1"));
  });
});
