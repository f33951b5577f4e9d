// JSON wherever the output is data: every command of the README's JSON table prints one
// JSON document (or one per line) that parses, through the binary.
import assert from "node:assert/strict";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { DOCKER_HOST, ensureImage } from "./docker_env.ts";
import { runCli, waysToTest } from "./harness.ts";

const queue = `/ipcat-json-${process.pid}`;

/** Runs `args` and parses stdout as JSON lines (a pretty document counts as one). */
async function jsonOf(args: string[]): Promise<unknown[]> {
  const r = await runCli("binary", args, { env: { DOCKER_HOST } });
  assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  const text = r.stdout.trim();
  assert.ok(text.length > 0, `${args.join(" ")} printed nothing`);
  try {
    return [JSON.parse(text)];
  } catch {
    return text.split("\n").map((line) => JSON.parse(line));
  }
}

describe("JSON output", () => {
  before(async () => {
    assert.equal((await runCli("binary", ["mq", "create", queue])).code, 0);
    if (DOCKER_HOST) await ensureImage();
  });
  after(() => runCli("binary", ["mq", "unlink", "-f", queue]));

  for (const way of waysToTest()) {
    it(`ipcat --version --json (${way})`, async () => {
      const r = await runCli(way, ["--version", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const version = JSON.parse(r.stdout);
      assert.equal(version.runtime, way === "deno" ? "deno" : "bun");
      assert.equal(version.compiled, way === "binary");
      assert.match(version.version, /^\d+\.\d+\.\d+$/);
    });
  }

  it("mq stat, ls, limits and ps", async () => {
    const [stat] = await jsonOf(["mq", "stat", queue, "--json"]);
    assert.equal((stat as { name: string }).name, queue);
    const [list] = await jsonOf(["mq", "ls", "--json"]);
    assert.ok((list as Array<{ name: string }>).some((q) => q.name === queue));
    const [limits] = await jsonOf(["mq", "limits", "--json"]);
    assert.equal(typeof (limits as { msg_max?: unknown }).msg_max, "number");
    assert.ok(Array.isArray((await jsonOf(["mq", "ps", "--json"]))[0]));
  });

  it("docker ping, version, info and every listing", {
    skip: DOCKER_HOST ? false : "no test dockerd",
  }, async () => {
    const [ping] = await jsonOf(["docker", "ping", "--format", "json"]);
    assert.match((ping as { apiVersion: string }).apiVersion, /^1\.\d+$/);
    for (
      const args of [
        ["version", "--format", "json"],
        ["info", "--format", "json"],
        ["ps", "-a", "--format", "json"],
        ["images", "--format", "json"],
        ["volume", "ls", "--format", "json"],
        ["network", "ls", "--format", "json"],
      ]
    ) {
      const docs = await jsonOf(["docker", ...args]);
      assert.ok(docs.length >= 1, `${args.join(" ")}: no JSON`);
    }
  });
});
