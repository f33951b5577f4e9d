// The run/create flags of issue 14, and the other commands' new flags, against the docker
// CLI: the same flags given to both make the same container configuration (inspect's
// Config and HostConfig, byte for byte), and the same ps filters, logs windows and exec
// options give the same output.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { after, before, describe } from "node:test";
import { tempName, type Way, waysToTest } from "../harness.ts";
import {
  DOCKER_CLI,
  DOCKER_HOST,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  ipcatDockerBytes,
  removeContainers,
  runBytes,
  sameAsCli,
  track,
  uniqueName,
} from "../docker_env.ts";

const scratch = tempName("ipcat-flags");
before(async () => {
  if (!DOCKER_HOST) return;
  (await import("node:fs")).mkdirSync(scratch, { recursive: true });
  writeFileSync(join(scratch, "env"), "A=1\n# a comment\n\nB=two words\n");
  writeFileSync(join(scratch, "labels"), "from.file=yes\n");
  await ensureImage();
});
after(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await removeContainers();
});

/** A container's inspect field as JSON; a host name that is the container's own ID is elided. */
async function inspectJson(name: string, field: string): Promise<string> {
  const out = await runBytes([...DOCKER_CLI, "inspect", "-f", `{{json .${field}}}`, name]);
  assert.equal(out.code, 0, out.stderr.toString());
  return out.stdout.toString().replace(/"Hostname":"[0-9a-f]{12}"/, '"Hostname":"<id>"');
}

/** The CLI's status and stdout; stderr carries the containers' own output here (logs). */
const sameOutput = (way: Way, args: string[]) => sameAsCli(way, args, { stderr: "any" });

for (const way of waysToTest()) {
  describe(`docker: run/create flags and the other commands' flags, as the CLI's (${way})`, () => {
    dockerIt("every run/create flag of the issue makes the CLI's configuration", async () => {
      const flags = [
        "--network",
        "none",
        "-p",
        "127.0.0.1:8080:80",
        "-p",
        "53/udp",
        "-p",
        "9100-9101:100-101",
        "-P",
        "--expose",
        "9000-9001",
        "--add-host",
        "db:10.0.0.2",
        "-l",
        "a=b",
        "--label-file",
        join(scratch, "labels"),
        "--env-file",
        join(scratch, "env"),
        "-e",
        "C=3",
        "--mount",
        "type=bind,src=/tmp,dst=/hosttmp,ro",
        "--mount",
        "type=volume,dst=/data",
        "--mount",
        "type=tmpfs,dst=/t,tmpfs-size=1m",
        "--tmpfs",
        "/run:rw,size=64k",
        "--read-only",
        "--init",
        "--privileged",
        "--cap-add",
        "net_admin",
        "--cap-drop",
        "MKNOD",
        "--device",
        "/dev/null:/dev/mynull:rw",
        "--security-opt",
        "no-new-privileges",
        "--group-add",
        "10",
        "-m",
        "64m",
        "--cpus",
        "0.5",
        "--pids-limit",
        "50",
        "--ulimit",
        "nofile=1024:2048",
        "--shm-size",
        "32m",
        "--pid",
        "host",
        "--health-cmd",
        "true",
        "--health-interval",
        "2s",
        "--health-timeout",
        "1s",
        "--health-retries",
        "3",
        "--health-start-period",
        "1s",
        "--stop-signal",
        "SIGUSR1",
        "--stop-timeout",
        "3",
        "--log-opt",
        "max-size=1m",
        "-h",
        "myhost",
        "-a",
        "stdout",
      ];
      const [ours, theirs] = [
        track(uniqueName(`flags-${way}`)),
        track(uniqueName(`flagsref-${way}`)),
      ];
      const created = await ipcatDocker(way, ["create", "--name", ours, ...flags, IMAGE, "true"]);
      assert.equal(created.code, 0, created.stderr);
      const reference = await runBytes([
        ...DOCKER_CLI,
        "create",
        "--name",
        theirs,
        ...flags,
        IMAGE,
        "true",
      ]);
      assert.equal(reference.code, 0, reference.stderr.toString());
      for (const field of ["Config", "HostConfig"]) {
        assert.equal(await inspectJson(ours, field), await inspectJson(theirs, field), field);
      }
      const other = [track(uniqueName(`flags2-${way}`)), track(uniqueName(`flags2ref-${way}`))];
      const more = [
        "--net",
        "none",
        "--uts",
        "host",
        "--no-healthcheck",
        "--platform",
        "linux/amd64",
      ];
      await ipcatDocker(way, ["create", "--name", other[0]!, ...more, IMAGE, "true"]);
      await runBytes([...DOCKER_CLI, "create", "--name", other[1]!, ...more, IMAGE, "true"]);
      for (const field of ["Config", "HostConfig"]) {
        assert.equal(
          await inspectJson(other[0]!, field),
          await inspectJson(other[1]!, field),
          field,
        );
      }
    }, 60_000);

    dockerIt(
      "run: --read-only, --env-file, -a stdout, --cidfile; flag misuse exits 125",
      async () => {
        const cidfile = join(scratch, `cid-${way}`);
        const name = track(uniqueName(`cid-${way}`));
        const run = await ipcatDockerBytes(way, [
          "run",
          "--rm",
          "--network",
          "none",
          "--read-only",
          "--env-file",
          join(scratch, "env"),
          "-a",
          "stdout",
          "--cidfile",
          cidfile,
          "--name",
          name,
          IMAGE,
          "sh",
          "-c",
          'echo "$A $B"; echo hidden >&2; touch /x 2>/dev/null || echo read-only',
        ]);
        assert.equal(run.code, 0, run.stderr.toString());
        assert.equal(run.stdout.toString(), "1 two words\nread-only\n");
        assert.equal(run.stderr.byteLength, 0, "stderr was not attached");
        assert.match(readFileSync(cidfile, "utf8"), /^[0-9a-f]{64}$/);
        const again = await ipcatDocker(way, ["run", "--rm", "--cidfile", cidfile, IMAGE, "true"]);
        assert.equal(again.code, 125);
        assert.match(again.stderr, /container ID file found/);
        rmSync(cidfile);
        for (
          const args of [
            ["run", "--rm", "-p", "notaport", IMAGE, "true"],
            ["run", "--rm", "--ulimit", "nofile", IMAGE, "true"],
            ["run", "--rm", "-m", "lots", IMAGE, "true"],
            ["run", "-d", "-a", "stdout", IMAGE, "true"],
          ]
        ) {
          const result = await ipcatDocker(way, args);
          assert.equal(result.code, 125, `${args.join(" ")}: ${result.stderr}`);
          assert.ok(!existsSync(cidfile));
        }
      },
      60_000,
    );

    dockerIt("ps -f filters, -n, -l, -s and the Label field", async () => {
      const [a, b] = [track(uniqueName(`psf-a-${way}`)), track(uniqueName(`psf-b-${way}`))];
      await ipcatDocker(way, [
        "create",
        "--name",
        a,
        "-l",
        "ipcat.test=yes",
        "--network",
        "none",
        IMAGE,
        "true",
      ]);
      await ipcatDocker(way, [
        "run",
        "--name",
        b,
        "--network",
        "none",
        IMAGE,
        "sh",
        "-c",
        "exit 3",
      ]);
      const format = ["--format", '{{.Names}} {{.State}} {{.Label "ipcat.test"}}'];
      for (
        const filters of [
          ["-f", `name=${a}`],
          ["-f", "label=ipcat.test=yes", "-f", `name=${a}`],
          ["-f", "status=exited", "-f", `name=${b}`],
          ["-f", "exited=3", "-f", `name=${b}`],
          ["-f", `ancestor=${IMAGE}`, "-f", `name=${a}`],
          ["-f", `before=${b}`, "-f", `name=${a}`],
          ["-f", `since=${a}`, "-f", `name=${b}`],
          ["-f", "health=none", "-f", `name=${a}`],
          ["-f", "network=none", "-f", `name=${b}`],
        ]
      ) await sameOutput(way, ["ps", "-a", ...filters, ...format]);
      await sameOutput(way, ["ps", "-n", "2", "--format", "{{.Names}}"]);
      await sameOutput(way, ["ps", "-l", "--format", "{{.Names}}"]);
      await sameOutput(way, [
        "ps",
        "-a",
        "-s",
        "-f",
        `name=${a}`,
        "--format",
        "{{.Names}} {{.Size}}",
      ]);
    }, 60_000);

    dockerIt(
      "logs --since/--until/--details/--tail, stop -s -t, rm -v, exec -d/--env-file/--privileged",
      async () => {
        const name = track(uniqueName(`logs-${way}`));
        await ipcatDocker(way, [
          "run",
          "-d",
          "--name",
          name,
          "--network",
          "none",
          "--log-opt",
          "labels=l",
          "-l",
          "l=v",
          IMAGE,
          "sh",
          "-c",
          "trap 'echo got-usr1; exit 5' USR1; echo one; echo two >&2; while :; do sleep 0.1; done",
        ]);
        const future = String(Math.floor(Date.now() / 1000) + 3600);
        for (
          const args of [
            ["logs", name],
            ["logs", "--since", "1h", name],
            ["logs", "--since", future, name],
            ["logs", "--until", "1h", name],
            ["logs", "--tail", "1", name],
            ["logs", "--details", name],
            ["logs", "--since", "2020-01-01T00:00:00Z", name],
          ]
        ) await sameOutput(way, args);
        await sameOutput(way, [
          "exec",
          "--env-file",
          join(scratch, "env"),
          "--privileged",
          name,
          "sh",
          "-c",
          'echo "$B"',
        ]);
        const detached = await ipcatDocker(way, [
          "exec",
          "-d",
          name,
          "sh",
          "-c",
          "echo made > /tmp/by-exec-d",
        ]);
        assert.equal(detached.code, 0, detached.stderr);
        assert.equal(detached.stdout, "");
        const deadline = Date.now() + 10_000;
        let made = "";
        while (Date.now() < deadline && made !== "made\n") {
          made = (await ipcatDocker(way, ["exec", name, "cat", "/tmp/by-exec-d"])).stdout;
        }
        assert.equal(made, "made\n");
        assert.equal(
          (await ipcatDocker(way, ["stop", "-s", "USR1", "-t", "5", name])).stdout,
          `${name}\n`,
        );
        await sameOutput(way, ["inspect", "-f", "{{.State.ExitCode}}", name]);
        assert.equal((await ipcatDocker(way, ["rm", "-v", name])).stdout, `${name}\n`);
      },
      60_000,
    );
  });
}
