// pull and push against a local registry, byte for byte what the docker CLI prints off a
// terminal and redrawn layer lines on one; login and logout writing config.json as the
// CLI writes it; and against a registry that requires basic auth, what works and fails
// with and without the stored credentials, as with the CLI.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { cliCommand, runProcess, tempName, waysToTest } from "../harness.ts";
import { DOCKER_HOST, dockerCli, SKIP } from "../docker_env.ts";
import { type Registry, REGISTRY_BINARY, startRegistry } from "../docker_registry_env.ts";

const skip = SKIP ||
  (!existsSync(REGISTRY_BINARY) && "no registry: apt-get install docker-registry");
const dir = tempName("ipcat-registry-test");
let registry: Registry;
const images: string[] = [];

/** An image of one layer of its own (so that a pull downloads it), named in the registry. */
async function uniqueImage(name: string): Promise<string> {
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "file"), `${name} ${process.pid} ${Date.now()}\n`);
  execFileSync("tar", ["-C", root, "-cf", `${root}.tar`, "file"]);
  const image = `${registry.host}/${name}:v1`;
  images.push(image);
  const imported = await dockerCli(["import", `${root}.tar`, image]);
  assert.equal(imported.code, 0, imported.stderr);
  return image;
}

describe("docker registries", { skip }, () => {
  before(async () => {
    mkdirSync(dir, { recursive: true });
    registry = await startRegistry();
  });
  after(async () => {
    if (images.length) await dockerCli(["rmi", "-f", ...images]);
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const way of waysToTest()) {
    const env = (config: string) => ({ DOCKER_HOST, DOCKER_CONFIG: config });
    const ipcat = (args: string[], config = join(dir, `config-${way}`)) =>
      runProcess([...cliCommand(way), "docker", ...args], { env: env(config) });

    it(`${way}: push and pull print what the CLI prints, and a missing tag fails as in the CLI`, async () => {
      const image = await uniqueImage(`app-${way}`);
      const pushed = await ipcat(["push", image]);
      assert.equal(pushed.code, 0, pushed.stderr);
      assert.match(
        pushed.stdout,
        /^The push refers to repository \[.*\]\n[0-9a-f]{12}: Preparing\n[0-9a-f]{12}: Pushed\nv1: digest: sha256:[0-9a-f]{64} size: \d+\n$/,
      );
      const again = await ipcat(["push", image]);
      assert.equal(again.stdout, (await dockerCli(["push", image])).stdout);
      assert.equal((await dockerCli(["rmi", image])).code, 0);
      const reference = await dockerCli(["pull", image]);
      assert.equal(reference.code, 0, reference.stderr);
      assert.equal((await dockerCli(["rmi", image])).code, 0);
      const pulled = await ipcat(["pull", image]);
      assert.equal(pulled.code, 0, pulled.stderr);
      // Whether the daemon reports "Verifying Checksum" depends on how long the download
      // took; the rest of its stream is the same every time.
      const steady = (text: string) => text.replace(/^[0-9a-f]{12}: Verifying Checksum\n/gm, "");
      assert.equal(steady(pulled.stdout), steady(reference.stdout));
      assert.match(pulled.stdout, /: Pull complete\n/);
      const quiet = await ipcat(["pull", "-q", image]);
      assert.equal(quiet.stdout, `${image}\n`);
      const missing = `${registry.host}/app-${way}:nope`;
      const [ours, theirs] = [await ipcat(["pull", missing]), await dockerCli(["pull", missing])];
      assert.equal(ours.code, theirs.code);
      assert.equal(ours.stderr, `ipcat: ${theirs.stderr}`);
    });

    it(`${way}: on a terminal the layer lines are redrawn in place`, async () => {
      const image = await uniqueImage(`tty-${way}`);
      assert.equal((await ipcat(["push", image])).code, 0);
      assert.equal((await dockerCli(["rmi", image])).code, 0);
      const command = [...cliCommand(way), "docker", "pull", image].join(" ");
      const shown = execFileSync("script", ["-qec", command, "/dev/null"], {
        encoding: "utf8",
        env: { ...process.env, ...env(join(dir, `config-${way}`)) },
      });
      // Cursor up one line, clear it, rewrite the layer's line, cursor down again.
      const esc = String.fromCharCode(27);
      const redrawn = `${esc}\\[1A${esc}\\[2K\\r[0-9a-f]{12}: Pull complete *\\r${esc}\\[1B`;
      assert.match(shown, new RegExp(redrawn));
      assert.match(shown, /Status: Downloaded newer image for /);
    });

    it(`${way}: login and logout keep config.json as the CLI does`, async () => {
      const ours = join(dir, `login-ipcat-${way}`);
      const theirs = join(dir, `login-cli-${way}`);
      const login = ["login", "-u", "me", "--password-stdin", registry.host];
      const [a, b] = [
        await runProcess([...cliCommand(way), "docker", ...login], {
          env: env(ours),
          stdin: "s3cret\n",
        }),
        await runProcess(["docker", ...login], { env: env(theirs), stdin: "s3cret\n" }),
      ];
      assert.deepEqual([a.code, a.stdout], [b.code, b.stdout], a.stderr);
      const config = (path: string) => JSON.parse(readFileSync(join(path, "config.json"), "utf8"));
      assert.deepEqual(config(ours).auths, config(theirs).auths);
      assert.equal(config(ours).auths[registry.host].auth, btoa("me:s3cret"));
      // Each tool logs out of what the other logged in to.
      const [c, d] = [
        await runProcess(["docker", "logout", registry.host], { env: env(ours) }),
        await ipcat(["logout", registry.host], theirs),
      ];
      assert.equal(d.stdout, c.stdout);
      assert.deepEqual([config(ours).auths, config(theirs).auths], [{}, {}]);
      writeFileSync(
        join(ours, "config.json"),
        JSON.stringify({ auths: { [registry.host]: { auth: 5 } } }),
      );
      const broken = await ipcat(["pull", `${registry.host}/nothing:v1`], ours);
      assert.equal(broken.code, 1);
      assert.match(broken.stderr, /^ipcat: .*config\.json: auths: .*\n$/);
    });
  }
});

describe("a registry that requires credentials", { skip }, () => {
  let secured: Registry;
  const authDir = tempName("ipcat-registry-auth");
  const pushed: string[] = [];
  before(async () => {
    mkdirSync(authDir, { recursive: true });
    secured = await startRegistry({ builder: "s3cret" });
  });
  after(async () => {
    if (pushed.length) await dockerCli(["rmi", "-f", ...pushed]);
    await secured?.stop();
    rmSync(authDir, { recursive: true, force: true });
  });

  for (const way of waysToTest()) {
    it(`${way}: push and pull fail as the CLI's without a login, work after it, and logout ends it`, async () => {
      const config = (who: string) => join(authDir, `${who}-${way}`);
      const run = (who: "cli" | "ipcat", args: string[], stdin?: string) =>
        runProcess([...(who === "cli" ? ["docker"] : [...cliCommand(way), "docker"]), ...args], {
          env: { DOCKER_HOST, DOCKER_CONFIG: config(who) },
          stdin,
        });
      const root = join(authDir, `layer-${way}`);
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, "file"), `${way} ${process.pid}\n`);
      execFileSync("tar", ["-C", root, "-cf", `${root}.tar`, "file"]);
      const image = `${secured.host}/private-${way}:v1`;
      pushed.push(image);
      assert.equal((await dockerCli(["import", `${root}.tar`, image])).code, 0);

      for (const args of [["push", image], ["pull", `${secured.host}/private-${way}:nope`]]) {
        const [theirs, ours] = [await run("cli", args), await run("ipcat", args)];
        assert.equal(theirs.code, 1, theirs.stderr);
        assert.match(theirs.stderr, /no basic auth credentials/);
        assert.equal(ours.code, theirs.code, ours.stderr);
        assert.equal(ours.stdout, theirs.stdout);
        assert.equal(ours.stderr, `ipcat: ${theirs.stderr}`);
      }
      const login = ["login", "-u", "builder", "--password-stdin", secured.host];
      const [wrongCli, wrongOurs] = [
        await run("cli", login, "wrong\n"),
        await run("ipcat", login, "wrong\n"),
      ];
      assert.equal(wrongCli.code, 1);
      assert.deepEqual([wrongOurs.code, wrongOurs.stdout], [1, wrongCli.stdout]);
      assert.equal(wrongOurs.stderr, `ipcat: ${wrongCli.stderr}`);
      assert.equal(existsSync(join(config("ipcat"), "config.json")), false, "nothing stored");

      const loggedIn = await run("ipcat", login, "s3cret\n");
      assert.equal(loggedIn.code, 0, loggedIn.stderr);
      assert.equal(loggedIn.stdout, "Login Succeeded\n");
      const push = await run("ipcat", ["push", image]);
      assert.equal(push.code, 0, push.stderr);
      assert.match(push.stdout, /v1: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
      assert.equal((await dockerCli(["rmi", image])).code, 0);
      const pull = await run("ipcat", ["pull", "-q", image]);
      assert.deepEqual([pull.code, pull.stdout], [0, `${image}\n`], pull.stderr);

      assert.equal((await run("ipcat", ["logout", secured.host])).code, 0);
      assert.equal((await dockerCli(["rmi", image])).code, 0);
      const after = await run("ipcat", ["pull", "-q", image]);
      assert.equal(after.code, 1);
      assert.match(after.stderr, /^ipcat: .*no basic auth credentials\n$/);
    });
  }
});
