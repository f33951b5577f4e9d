// DOCKER_HOST=ssh://: ipcat through a local sshd to the docker CLI's dial-stdio and to its
// own, the docker CLI through ssh to ipcat's dial-stdio, attach, exec and TTY through it,
// and nothing left in TMPDIR afterwards.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { cliCommand, runProcess, tempName, waysToTest } from "../harness.ts";
import {
  DOCKER_HOST,
  dockerCli,
  ensureImage,
  IMAGE,
  removeContainers,
  SKIP,
  track,
  uniqueName,
} from "../docker_env.ts";
import { SSHD, type Sshd, startSshd } from "../docker_sshd.ts";

const skip = SKIP ||
  (!existsSync(SSHD) && "no sshd: apt-get install openssh-server") ||
  (!existsSync(cliCommand("binary")[0]!) && "the remote side runs dist/ipcat: bun build.ts");

let sshd: Sshd;
const tmp = tempName("ipcat-ssh-tmp");

describe("docker over ssh://", { skip }, () => {
  before(async () => {
    await ensureImage();
    sshd = await startSshd(DOCKER_HOST!);
    mkdirSync(tmp, { recursive: true });
  });
  after(async () => {
    await removeContainers();
    await sshd?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const sshEnv = (remote: "cli" | "ipcat") => ({
    DOCKER_HOST: `ssh://root@127.0.0.1:${sshd.port}`,
    PATH: `${sshd.clientBin}:${process.env.PATH}`,
    IPCAT_REMOTE: remote,
    TMPDIR: tmp,
    DOCKER_CONFIG: tmp,
  });

  for (const way of waysToTest()) {
    const ipcat = (args: string[], remote: "cli" | "ipcat", stdin?: string) =>
      runProcess([...cliCommand(way), "docker", ...args], { env: sshEnv(remote), stdin });

    for (const remote of ["cli", "ipcat"] as const) {
      it(`${way}: ps, run -i and exec -i through ssh to the remote ${remote}'s dial-stdio`, async () => {
        const [ours, direct] = [
          await ipcat(
            ["ps", "-a", "--filter", "name=ssh-exec", "--format", "{{.ID}} {{.Names}}"],
            remote,
          ),
          await dockerCli([
            "ps",
            "-a",
            "--filter",
            "name=ssh-exec",
            "--format",
            "{{.ID}} {{.Names}}",
          ]),
        ];
        assert.equal(ours.code, 0, ours.stderr);
        assert.equal(ours.stdout, direct.stdout);
        const ran = await ipcat(
          ["run", "--rm", "-i", "--network", "none", IMAGE, "sh", "-c", "cat; echo e >&2; exit 4"],
          remote,
          "over ssh\n",
        );
        assert.deepEqual([ran.code, ran.stdout, ran.stderr], [4, "over ssh\n", "e\n"]);
        const name = track(uniqueName("ssh-exec"));
        const started = await dockerCli([
          "run",
          "-d",
          "--network",
          "none",
          "--name",
          name,
          IMAGE,
          "sleep",
          "60",
        ]);
        assert.equal(started.code, 0, started.stderr);
        const exec = await ipcat(["exec", "-i", name, "wc", "-c"], remote, "123456");
        assert.deepEqual([exec.code, exec.stdout.trim()], [0, "6"], exec.stderr);
        assert.deepEqual(
          readdirSync(tmp).filter((f) => f.startsWith("ipcat-ssh-")),
          [],
          "the local socket's directory must be gone",
        );
      });
    }

    it(`${way}: a bridge left by a process killed outright is swept by the next ssh:// use`, async () => {
      const gone = spawnSync("true").pid!;
      const stale = join(tmp, `ipcat-ssh-${gone}-left`);
      mkdirSync(stale);
      writeFileSync(join(stale, "docker.sock"), "");
      const ps = await ipcat(["ps", "-q"], "cli");
      assert.equal(ps.code, 0, ps.stderr);
      assert.equal(existsSync(stale), false, "the dead process's directory must be swept");
    });

    it(`${way}: run -t gets a TTY through ssh`, () => {
      const command = [
        ...cliCommand(way),
        "docker",
        "run",
        "--rm",
        "-t",
        "--network",
        "none",
        IMAGE,
        "tty",
      ].join(" ");
      const shown = execFileSync("script", ["-qec", command, "/dev/null"], {
        encoding: "utf8",
        env: { ...process.env, ...sshEnv("ipcat") },
      });
      assert.match(shown, /^\/dev\/pts\/\d+\r*\n/);
    });
  }

  it("a context with an ssh:// host, made by ipcat, works in ipcat and in the CLI", async () => {
    const env = {
      ...sshEnv("cli"),
      DOCKER_HOST: undefined,
      DOCKER_CONFIG: join(tmp, "ctx-config"),
    };
    const made = await runProcess([
      ...cliCommand("bun"),
      "docker",
      "context",
      "create",
      "over-ssh",
      "--docker",
      `host=ssh://root@127.0.0.1:${sshd.port}`,
    ], { env });
    assert.equal(made.code, 0, made.stderr);
    const [ours, theirs, direct] = [
      await runProcess([
        ...cliCommand("bun"),
        "docker",
        "-c",
        "over-ssh",
        "ps",
        "-a",
        "-q",
        "--filter",
        "name=ssh-exec",
      ], {
        env,
      }),
      await runProcess(
        ["docker", "-c", "over-ssh", "ps", "-a", "-q", "--filter", "name=ssh-exec"],
        { env },
      ),
      await dockerCli(["ps", "-a", "-q", "--filter", "name=ssh-exec"]),
    ];
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.deepEqual([ours.stdout, theirs.stdout], [direct.stdout, direct.stdout]);
    assert.notEqual(direct.stdout, "", "the exec tests' containers are listed");
  });

  it("the docker CLI through ssh to a host that has only ipcat", async () => {
    const env = sshEnv("ipcat");
    const [viaSsh, direct] = [
      await runProcess(["docker", "ps", "-a", "--format", "{{.ID}}"], { env }),
      await dockerCli(["ps", "-a", "--format", "{{.ID}}"]),
    ];
    assert.equal(viaSsh.code, 0, viaSsh.stderr);
    assert.equal(viaSsh.stdout, direct.stdout);
    const ran = await runProcess(
      ["docker", "run", "--rm", "-i", "--network", "none", IMAGE, "cat"],
      {
        env,
        stdin: "cli to ipcat\n",
      },
    );
    assert.deepEqual([ran.code, ran.stdout], [0, "cli to ipcat\n"], ran.stderr);
  });
});
