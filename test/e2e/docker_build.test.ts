// build through the classic builder: the context as the CLI sends it (.dockerignore with
// its rules), the output of DOCKER_BUILDKIT=0 docker build, its exit statuses, and -t,
// -f, --build-arg, --target, --no-cache, --label, -q and '-'.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { runProcess, tempName, waysToTest } from "../harness.ts";
import {
  DOCKER_HOST,
  dockerCli,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
} from "../docker_env.ts";

const dir = tempName("ipcat-build");
const tags: string[] = [];
after(async () => {
  if (tags.length) await dockerCli(["rmi", "-f", ...tags]);
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a tree of files under `root`. */
function tree(root: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** The legacy builder of the docker CLI, as the reference. */
const cliBuild = (args: string[], stdin?: string | Uint8Array) =>
  runProcess(["docker", "-H", DOCKER_HOST!, "build", ...args], {
    env: { DOCKER_BUILDKIT: "0" },
    stdin,
  });

/** Output with the ids that differ from build to build blanked. */
const steady = (text: string) => text.replace(/\b[0-9a-f]{12}\b/g, "<id>");

const context = {
  "Dockerfile": `FROM ${IMAGE}\nCOPY . /ctx\nRUN find /ctx | sort\n`,
  ".dockerignore":
    "# comments are skipped\nbuild\n**/*.log\n!keep/important.log\n/secret*\ndocs/**/draft?.md\n",
  "a.txt": "a\n",
  "app.log": "excluded\n",
  "build/out.bin": "excluded\n",
  "keep/important.log": "re-included\n",
  "keep/other.log": "excluded\n",
  "secret.key": "excluded\n",
  "src/deep/x.log": "excluded\n",
  "src/deep/x.ts": "kept\n",
  "docs/a/draft1.md": "excluded\n",
  "docs/a/final.md": "kept\n",
};

for (const way of waysToTest()) {
  describe(`docker build (${way})`, () => {
    before(ensureImage);

    dockerIt("the context honours .dockerignore and the output is the CLI's", async () => {
      const root = tree(join(dir, `${way}-ctx`), context);
      const [ours, theirs] = [
        await ipcatDocker(way, ["build", "--no-cache", root]),
        await cliBuild(["--no-cache", root]),
      ];
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(theirs.code, 0, theirs.stderr);
      assert.equal(steady(ours.stdout), steady(theirs.stdout));
      assert.match(ours.stdout, /\n\/ctx\/keep\/important\.log\n/);
      assert.doesNotMatch(ours.stdout, /other\.log|secret|build\/out|x\.log|draft1/);
    }, 120_000);

    dockerIt("-t, --build-arg, --label, --target and -q; a failing RUN's status", async () => {
      const root = tree(join(dir, `${way}-stages`), {
        "Dockerfile":
          `FROM ${IMAGE} AS one\nARG WHO\nRUN echo "hi $WHO" > /who\nFROM one AS two\nRUN exit 3\n`,
      });
      const tag = `ipcat-build-${way}:stage`;
      tags.push(tag);
      const built = await ipcatDocker(way, [
        "build",
        "-q",
        "-t",
        tag,
        "--target",
        "one",
        "--build-arg",
        "WHO=you",
        "--label",
        "made=ipcat",
        root,
      ]);
      assert.equal(built.code, 0, built.stderr);
      const id = (await dockerCli(["inspect", "-f", "{{.Id}}", tag])).stdout.trim();
      assert.equal(built.stdout, `${id}\n`);
      assert.equal(
        (await dockerCli(["inspect", "-f", "{{.Config.Labels.made}}", tag])).stdout,
        "ipcat\n",
      );
      assert.equal(
        (await dockerCli(["run", "--rm", "--network", "none", tag, "cat", "/who"])).stdout,
        "hi you\n",
      );
      const [ours, theirs] = [
        await ipcatDocker(way, ["build", "--no-cache", root]),
        await cliBuild(["--no-cache", root]),
      ];
      assert.deepEqual([ours.code, theirs.code], [3, 3]);
      assert.equal(ours.stderr, "The command '/bin/sh -c exit 3' returned a non-zero code: 3\n");
      assert.equal(steady(ours.stdout), steady(theirs.stdout));
    }, 120_000);

    dockerIt(
      "'-' takes a Dockerfile or a tar context on stdin; -f may be outside the context",
      async () => {
        const dockerfile = `FROM ${IMAGE}\nRUN echo from-stdin\n`;
        const [ours, theirs] = [
          await ipcatDocker(way, ["build", "--no-cache", "-"], { stdin: dockerfile }),
          await cliBuild(["--no-cache", "-"], dockerfile),
        ];
        assert.equal(ours.code, 0, ours.stderr);
        assert.equal(steady(ours.stdout), steady(theirs.stdout));
        const root = tree(join(dir, `${way}-tar`), {
          "Dockerfile": `FROM ${IMAGE}\nCOPY f /f\nRUN cat /f\n`,
          "f": "in the tar\n",
        });
        const tar = execFileSync("tar", ["-C", root, "-c", "Dockerfile", "f"]);
        const fromTar = await ipcatDocker(way, ["build", "--no-cache", "-"], { stdin: tar });
        assert.equal(fromTar.code, 0, fromTar.stderr);
        assert.match(fromTar.stdout, /\nin the tar\n/);
        const outside = join(dir, `${way}-outside.Dockerfile`);
        writeFileSync(outside, `FROM ${IMAGE}\nCOPY f /f\nRUN cat /f\n`);
        const withFile = await ipcatDocker(way, ["build", "--no-cache", "-f", outside, root]);
        assert.equal(withFile.code, 0, withFile.stderr);
        assert.match(withFile.stdout, /\nin the tar\n/);
        const missing = await ipcatDocker(way, ["build", join(dir, "no-such-dir")]);
        assert.equal(missing.code, 1);
        assert.equal(missing.stderr.split("\n").filter(Boolean).length, 1, missing.stderr);
      },
      120_000,
    );
  });
}
