// Finding the daemon as the docker CLI does: contexts in the CLI's own store, made by one
// tool and used by the other both ways, the CLI's precedence of -H, -c, DOCKER_HOST,
// DOCKER_CONTEXT and currentContext, and the fallback sockets when the default is missing.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cliCommand, runProcess, tempName, waysToTest } from "../harness.ts";
import { DOCKER_HOST, dockerIt, SKIP } from "../docker_env.ts";

const home = tempName("ipcat-contexts");
const configDir = join(home, ".docker");
mkdirSync(home, { recursive: true });
after(() => rmSync(home, { recursive: true, force: true }));

/** The environment of both tools: a private config dir, nothing else choosing a daemon. */
function cleanEnv(extra: Record<string, string | undefined> = {}) {
  return {
    HOME: home,
    DOCKER_CONFIG: configDir,
    DOCKER_HOST: undefined,
    DOCKER_CONTEXT: undefined,
    ...extra,
  };
}

const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  runProcess(["docker", ...args], { env: cleanEnv(env) });

for (const way of waysToTest()) {
  const ipcat = (args: string[], env: Record<string, string | undefined> = {}) =>
    runProcess([...cliCommand(way), "docker", ...args], { env: cleanEnv(env) });
  const suffix = way;

  describe(`docker contexts (${way})`, () => {
    dockerIt("a context the docker CLI created lists, inspects and works in ipcat", async () => {
      const name = `cli-made-${suffix}`;
      const made = await cli([
        "context",
        "create",
        name,
        "--docker",
        `host=${DOCKER_HOST}`,
        "--description",
        "made by docker",
      ]);
      assert.equal(made.code, 0, made.stderr);
      for (
        const args of [["context", "ls"], ["context", "inspect", name], [
          "context",
          "ls",
          "--format",
          "json",
        ]]
      ) {
        const [ours, theirs] = [await ipcat(args), await cli(args)];
        assert.equal(ours.code, theirs.code, `${args.join(" ")}: ${ours.stderr}`);
        assert.equal(ours.stdout, theirs.stdout, args.join(" "));
      }
      const ps = await ipcat([
        "-c",
        name,
        "version",
        "--format",
        "{{.Server.Version}} {{.Server.APIVersion}}",
      ]);
      const reference = await cli([
        "-c",
        name,
        "version",
        "--format",
        "{{.Server.Version}} {{.Server.APIVersion}}",
      ]);
      assert.equal(ps.code, 0, ps.stderr);
      assert.equal(ps.stdout, reference.stdout);
      assert.match(ps.stdout, /^\S+ 1\.\d+\n$/);
      const used = await cli(["context", "use", name]);
      assert.equal(used.code, 0, used.stderr);
      assert.equal((await ipcat(["context", "show"])).stdout, `${name}\n`);
      const version = await ipcat(["version", "--format", "{{.Server.APIVersion}}"]);
      assert.equal(version.code, 0, version.stderr);
      assert.match(version.stdout, /^1\.\d+\n$/);
      assert.equal((await cli(["context", "use", "default"])).code, 0);
      const removed = await ipcat(["context", "rm", name]);
      assert.equal(removed.stdout, `${name}\n`, removed.stderr);
      assert.equal((await cli(["context", "inspect", name])).code, 1, "the CLI must see it gone");
    });

    dockerIt(
      "a context ipcat created is the docker CLI's, and 'context use' is shared",
      async () => {
        const name = `ipcat-made-${suffix}`;
        const made = await ipcat(["context", "create", name, "--docker", `host=${DOCKER_HOST}`]);
        assert.equal(made.code, 0, made.stderr);
        assert.equal(made.stdout, `${name}\n`);
        assert.equal(made.stderr, `Successfully created context "${name}"\n`);
        const inspected = await cli(["context", "inspect", name]);
        assert.equal(inspected.code, 0, inspected.stderr);
        assert.equal((await ipcat(["context", "inspect", name])).stdout, inspected.stdout);
        const ps = await cli(["--context", name, "ps", "-q"]);
        assert.equal(ps.code, 0, ps.stderr);
        const used = await ipcat(["context", "use", name]);
        assert.equal(used.stderr, `Current context is now "${name}"\n`);
        assert.equal((await cli(["context", "show"])).stdout, `${name}\n`);
        const config = JSON.parse(readFileSync(join(configDir, "config.json"), "utf8"));
        assert.equal(config.currentContext, name);
        const inUse = await ipcat(["context", "rm", name]);
        assert.equal(inUse.code, (await cli(["context", "rm", name])).code);
        assert.match(inUse.stderr, /is in use, set -f flag to force remove/);
        const forced = await ipcat(["context", "rm", "-f", name]);
        assert.equal(forced.code, 0, forced.stderr);
        assert.equal((await cli(["context", "show"])).stdout, "default\n");
      },
    );

    dockerIt(
      "-H, -c, DOCKER_HOST, DOCKER_CONTEXT and currentContext win as in the CLI",
      async () => {
        const broken = `broken-${suffix}`;
        const good = `good-${suffix}`;
        await ipcat(["context", "create", broken, "--docker", "host=unix:///nonexistent.sock"]);
        await ipcat(["context", "create", good, "--docker", `host=${DOCKER_HOST}`]);
        try {
          await ipcat(["context", "use", broken]);
          const cases: [string[], Record<string, string | undefined>][] = [
            [["-H", DOCKER_HOST!, "version", "--format", "{{.Server.Os}}"], {}],
            [["--context", good, "version", "--format", "{{.Server.Os}}"], {}],
            [["version", "--format", "{{.Server.Os}}"], { DOCKER_CONTEXT: good }],
            [["version", "--format", "{{.Server.Os}}"], { DOCKER_HOST, DOCKER_CONTEXT: broken }],
            [["ps", "-q"], {}], // the broken current context: both fail alike
            [["-H", DOCKER_HOST!, "-c", good, "ps"], {}],
            [["-c", "no-such-context", "ps"], {}],
            [["context", "show"], { DOCKER_CONTEXT: good }],
          ];
          for (const [args, env] of cases) {
            const [ours, theirs] = [await ipcat(args, env), await cli(args, env)];
            const what = `${args.join(" ")} ${JSON.stringify(env)}`;
            assert.equal(ours.code, theirs.code, `${what}: ${ours.stderr} / ${theirs.stderr}`);
            assert.equal(ours.stdout, theirs.stdout, what);
            if (env.DOCKER_HOST) {
              assert.match(ours.stderr, /^Warning: DOCKER_HOST environment variable overrides/);
            }
          }
        } finally {
          await ipcat(["context", "use", "default"]);
          await ipcat(["context", "rm", "-f", broken, good]);
        }
      },
    );

    dockerIt("names the CLI refuses are refused with its status", async () => {
      for (
        const args of [
          ["context", "create", "x"],
          ["context", "create", "default"],
          ["context", "rm", "default"],
          ["context", "rm", "nope"],
          ["context", "use", "nope"],
        ]
      ) {
        const [ours, theirs] = [await ipcat(args), await cli(args)];
        assert.equal(ours.code, theirs.code, `${args.join(" ")}: ${ours.stderr}`);
        assert.notEqual(ours.code, 0);
        assert.equal(ours.stderr.split("\n").filter(Boolean).length, 1, ours.stderr);
      }
    });

    it("with the default socket missing, the rootless socket, then Podman's, with a note", {
      skip: SKIP || (existsSync("/var/run/docker.sock") && "/var/run/docker.sock exists here"),
    }, async () => {
      const runtimeDir = join(home, `runtime-${suffix}`);
      mkdirSync(join(runtimeDir, "podman"), { recursive: true });
      const socket = DOCKER_HOST!.slice("unix://".length);
      symlinkSync(socket, join(runtimeDir, "podman", "podman.sock"));
      const podman = await ipcat(["ps", "-q"], { XDG_RUNTIME_DIR: runtimeDir });
      assert.equal(podman.code, 0, podman.stderr);
      assert.equal(
        podman.stderr,
        `ipcat: /var/run/docker.sock is missing; using Podman (rootless) at unix://${runtimeDir}/podman/podman.sock\n`,
      );
      symlinkSync(socket, join(runtimeDir, "docker.sock"));
      const rootless = await ipcat(["ps", "-q"], { XDG_RUNTIME_DIR: runtimeDir });
      assert.equal(rootless.code, 0, rootless.stderr);
      assert.match(
        rootless.stderr,
        /using the rootless Docker daemon at unix:\/\/.*\/docker\.sock\n$/,
      );
      const none = await ipcat(["ps", "-q"], { XDG_RUNTIME_DIR: join(home, "empty") });
      assert.equal(none.code, 1);
      assert.match(none.stderr, /\/var\/run\/docker\.sock does not exist/);
    });
  });
}

describe("detachKeys from config.json", () => {
  dockerIt("the option wins, then config.json, then ctrl-p,ctrl-q", async () => {
    const { chosenDetachKeys } = await import("../../src/docker/daemon.ts");
    const dir = join(home, "detach");
    mkdirSync(dir, { recursive: true });
    assert.equal(
      chosenDetachKeys(undefined, "ctrl-p,ctrl-q", { DOCKER_CONFIG: dir }),
      "ctrl-p,ctrl-q",
    );
    writeFileSync(join(dir, "config.json"), JSON.stringify({ detachKeys: "ctrl-a,a" }));
    assert.equal(chosenDetachKeys(undefined, "ctrl-p,ctrl-q", { DOCKER_CONFIG: dir }), "ctrl-a,a");
    assert.equal(chosenDetachKeys("ctrl-x", "ctrl-p,ctrl-q", { DOCKER_CONFIG: dir }), "ctrl-x");
  });
});
