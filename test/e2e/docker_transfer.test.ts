// save, load and export as tar streams to files or '-', byte for byte what the docker CLI
// writes, with a progress line only when stderr is a terminal.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe } from "node:test";
import { cliCommand, tempName, waysToTest } from "../harness.ts";
import {
  DOCKER_HOST,
  dockerCli,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  ipcatDockerBytes,
  removeContainers,
  runBytes,
  track,
  uniqueName,
} from "../docker_env.ts";

const dir = tempName("ipcat-transfer");
mkdirSync(dir, { recursive: true });
after(() => rmSync(dir, { recursive: true, force: true }));

for (const way of waysToTest()) {
  describe(`docker save, load, export (${way})`, () => {
    before(ensureImage);
    after(removeContainers);

    dockerIt("save to '-' and to a file writes the CLI's bytes; load reads both back", async () => {
      const reference = await runBytes(["docker", "-H", DOCKER_HOST!, "save", IMAGE]);
      assert.equal(reference.code, 0);
      const piped = await ipcatDockerBytes(way, ["save", "-o", "-", IMAGE]);
      assert.equal(piped.code, 0, piped.stderr.toString());
      assert.ok(piped.stdout.equals(reference.stdout), "save -o - differs from docker save");
      assert.equal(piped.stderr.byteLength, 0, "no progress off a terminal");
      const file = join(dir, `${way}-save.tar`);
      const saved = await ipcatDocker(way, ["save", "-o", file, IMAGE]);
      assert.equal(saved.code, 0, saved.stderr);
      assert.ok(readFileSync(file).equals(reference.stdout));
      for (const args of [["load", "-i", file], ["load", "-i", "-"]]) {
        const loaded = await ipcatDockerBytes(way, args, { stdin: reference.stdout });
        assert.equal(loaded.code, 0, loaded.stderr.toString());
        assert.equal(loaded.stdout.toString(), `Loaded image: ${IMAGE}\n`);
      }
      const missing = await ipcatDocker(way, ["load", "-i", join(dir, "nope.tar")]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^ipcat: open .*nope\.tar: .*no such file/i);
    });

    dockerIt("export to '-' and to a file writes the CLI's bytes", async () => {
      const name = track(uniqueName("export"));
      assert.equal((await dockerCli(["create", "--name", name, IMAGE, "true"])).code, 0);
      const reference = await runBytes(["docker", "-H", DOCKER_HOST!, "export", name]);
      const piped = await ipcatDockerBytes(way, ["export", "-o", "-", name]);
      assert.equal(piped.code, 0, piped.stderr.toString());
      assert.ok(piped.stdout.equals(reference.stdout), "export -o - differs from docker export");
      const file = join(dir, `${way}-export.tar`);
      assert.equal((await ipcatDocker(way, ["export", "-o", file, name])).code, 0);
      assert.ok(readFileSync(file).equals(reference.stdout));
    });

    dockerIt("a progress line on a terminal, and no tar written to one", async () => {
      const file = join(dir, `${way}-tty.tar`);
      const command = [...cliCommand(way), "docker", "save", "-o", file, IMAGE].join(" ");
      const env = { ...process.env, DOCKER_HOST };
      await ensureImage();
      const shown = execFileSync("script", ["-qec", command, "/dev/null"], {
        encoding: "utf8",
        env,
      });
      assert.match(shown, /\rsave +\d+\.\d (KiB|MiB) +[\d.]+ (B|KiB|MiB|GiB)\/s *\r?\n/);
      const refused = execFileSync("script", [
        "-qec",
        `${[...cliCommand(way), "docker", "save", IMAGE].join(" ")}; echo EXIT=$?`,
        "/dev/null",
      ], {
        encoding: "utf8",
        env,
      });
      assert.match(refused, /cowardly refusing to save to a terminal[^\n]*\r?\nEXIT=1/);
    });
  });
}
