// The commands beyond the core (images, rmi, tag, restart, pause, unpause, rename, update,
// top, port, stats, events, info, system df, volume, network, export, cp, and the management
// forms), side by side with the docker CLI on the same daemon and the same objects.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe } from "node:test";
import { tempName, waysToTest } from "../harness.ts";
import {
  binaryData,
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

const scratch = tempName("ipcat-cmds");
before(async () => {
  if (!DOCKER_HOST) return;
  mkdirSync(scratch, { recursive: true });
  await ensureImage();
});
after(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await removeContainers();
});

type Way = Parameters<typeof ipcatDocker>[0];

async function ok(way: Way, args: string[]) {
  const result = await ipcatDocker(way, args);
  assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

async function running(way: Way, prefix: string): Promise<string> {
  const name = track(uniqueName(`${prefix}-${way}`));
  await ok(way, ["run", "-d", "--name", name, "--network", "none", IMAGE, "sleep", "60"]);
  return name;
}

for (const way of waysToTest()) {
  describe(`docker: more commands, as the docker CLI's (${way})`, () => {
    dockerIt(
      "images (-q, --no-trunc, --digests, --format, -f), tag, rmi, image ls/rm",
      async () => {
        const tag = `ipcat-tag-${way}-${process.pid}:v1`;
        await ok(way, ["tag", IMAGE, tag]);
        // CREATED ("3 seconds ago") moves with the clock between the two runs: left out.
        const noClock = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}";
        for (
          const args of [
            ["images", "--format", noClock, tag],
            ["images", "-q", tag],
            ["images", "--no-trunc", "--format", noClock, tag],
            ["images", "--digests", "--format", "table {{.Repository}}\t{{.Digest}}\t{{.ID}}", tag],
            ["images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}} {{.CreatedAt}}", tag],
            ["images", "-f", `reference=${tag}`, "--format", noClock],
            ["image", "ls", "--format", noClock, tag],
          ]
        ) await sameAsCli(way, args);
        const withoutClock = (text: string) => {
          const { CreatedSince: _moving, ...rest } = JSON.parse(text);
          return rest;
        };
        const jsonArgs = ["images", "--format", "json", tag];
        assert.deepEqual(
          withoutClock((await ipcatDockerBytes(way, jsonArgs)).stdout.toString()),
          withoutClock((await runBytes([...DOCKER_CLI, ...jsonArgs])).stdout.toString()),
        );
        const removed = await ipcatDocker(way, ["image", "rm", tag]);
        assert.equal(removed.stdout, `Untagged: ${tag}\n`, removed.stderr);
        await sameAsCli(way, ["rmi", "ipcat-no-such-image:v0"]);
        await sameAsCli(way, ["tag", "ipcat-no-such-image:v0", "x:y"]);
      },
    );

    dockerIt("restart, pause, unpause, rename, top, port, update", async () => {
      const name = await running(way, "state");
      assert.equal(await ok(way, ["pause", name]), `${name}\n`);
      await sameAsCli(way, ["pause", name]);
      assert.equal(await ok(way, ["unpause", name]), `${name}\n`);
      assert.equal(await ok(way, ["restart", "-t", "1", name]), `${name}\n`);
      // Columns of top that hold CPU time change from one call to the next: PID and command do not.
      await sameAsCli(way, ["top", name, "-o", "pid,comm"]);
      const header = (await ok(way, ["top", name])).split("\n")[0];
      assert.equal(
        header,
        (await runBytes([...DOCKER_CLI, "top", name])).stdout.toString().split("\n")[0],
      );
      await sameAsCli(way, ["port", name]);
      await sameAsCli(way, ["port", name, "80"]);
      assert.equal(
        await ok(way, [
          "update",
          "-m",
          "64m",
          "--memory-swap",
          "128m",
          "--restart",
          "on-failure:2",
          name,
        ]),
        `${name}\n`,
      );
      const settings = await ok(way, [
        "inspect",
        "-f",
        "{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}",
        name,
      ]);
      assert.equal(settings, `${64 * 1024 * 1024} on-failure\n`);
      const renamed = track(`${name}-renamed`);
      await ok(way, ["rename", name, renamed]);
      await sameAsCli(way, ["inspect", "-f", "{{.Name}}", renamed]);
      await sameAsCli(way, ["rename", renamed, renamed]);
      await sameAsCli(way, [
        "container",
        "ls",
        "-a",
        "--filter",
        `name=^${renamed}$`,
        "--format",
        "{{.Names}}",
      ]);
    });

    dockerIt("stats --no-stream, events --since/--until, info -f, system df", async () => {
      const name = await running(way, "stats");
      await sameAsCli(way, ["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", name]);
      const header = (await ok(way, ["stats", "--no-stream", name])).split("\n")[0];
      assert.match(
        header!,
        /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/,
      );
      const since = String(Math.floor(Date.now() / 1000) - 120);
      for (
        const args of [
          ["events", "--since", since, "--until", "0s", "--filter", `container=${name}`],
          [
            "events",
            "--since",
            since,
            "--until",
            "0s",
            "-f",
            `container=${name}`,
            "--format",
            "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
          ],
          [
            "events",
            "--since",
            since,
            "--until",
            "0s",
            "-f",
            `container=${name}`,
            "--format",
            "json",
          ],
          ["info", "--format", "{{.ServerVersion}} {{.NCPU}} {{.Driver}} {{.OSType}}"],
          ["system", "info", "--format", "{{.Name}}"],
        ]
      ) await sameAsCli(way, args);
      const df = await ok(way, ["system", "df", "--format", "{{.Type}}"]);
      assert.equal(df, "Images\nContainers\nLocal Volumes\nBuild Cache\n");
    }, 60_000);

    dockerIt("volume create, ls, inspect, rm, prune", async () => {
      const volume = `ipcat-vol-${way}-${process.pid}`;
      assert.equal(await ok(way, ["volume", "create", "--label", "a=b", volume]), `${volume}\n`);
      for (
        const args of [
          ["volume", "ls", "-f", `name=${volume}`],
          ["volume", "ls", "-q", "-f", `name=${volume}`],
          ["volume", "ls", "-f", `name=${volume}`, "--format", "{{.Name}} {{.Driver}} {{.Labels}}"],
          ["volume", "inspect", volume],
          ["volume", "inspect", "-f", "{{.Name}} {{.Labels.a}}", volume],
          ["volume", "inspect", "ipcat-no-such-volume"],
          ["volume", "rm", "ipcat-no-such-volume"],
          ["inspect", "--type", "volume", volume],
        ]
      ) await sameAsCli(way, args);
      assert.equal(await ok(way, ["volume", "rm", volume]), `${volume}\n`);
      assert.match(await ok(way, ["volume", "prune", "-f"]), /Total reclaimed space: /);
    });

    dockerIt("network ls, inspect, create, connect, disconnect, rm", async () => {
      for (
        const args of [
          ["network", "ls"],
          ["network", "ls", "-q"],
          ["network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}"],
          ["network", "inspect", "none"],
          ["network", "inspect", "-f", "{{.Name}} {{.Driver}}", "host"],
          ["inspect", "--type", "network", "none"],
          ["network", "rm", "ipcat-no-such-network"],
        ]
      ) await sameAsCli(way, args);
      const network = `ipcat-net-${way}-${process.pid}`;
      assert.match(await ok(way, ["network", "create", "--internal", network]), /^[0-9a-f]{64}\n$/);
      const name = track(uniqueName(`netc-${way}`));
      await ok(way, ["create", "--name", name, IMAGE, "true"]);
      await ok(way, ["network", "connect", network, name]);
      await sameAsCli(way, [
        "inspect",
        "-f",
        "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
        name,
      ]);
      await ok(way, ["network", "disconnect", network, name]);
      assert.equal(await ok(way, ["network", "rm", network]), `${network}\n`);
    });

    dockerIt("export and cp in both directions, with - for tar streams", async () => {
      const name = await running(way, "cp");
      const local = join(scratch, `src-${way}`);
      mkdirSync(join(local, "sub"), { recursive: true });
      writeFileSync(join(local, "a.txt"), "one\n");
      writeFileSync(join(local, "sub", "data.bin"), binaryData(300 * 1024, 7));
      execFileSync("ln", ["-sf", "a.txt", join(local, "link")]);
      await ok(way, ["cp", local, `${name}:/tmp/`]);
      await ok(way, ["cp", join(local, "a.txt"), `${name}:/tmp/renamed.txt`]);
      const listing = (await runBytes([
        ...DOCKER_CLI,
        "exec",
        name,
        "sh",
        "-c",
        `cd /tmp && ls -lR src-${way} && cat renamed.txt && md5sum src-${way}/sub/data.bin`,
      ])).stdout.toString();
      assert.match(listing, /link -> a\.txt/);
      assert.match(listing, /one\n/);
      const md5 = execFileSync("md5sum", [join(local, "sub", "data.bin")], { encoding: "utf8" })
        .split(" ")[0]!;
      assert.ok(listing.includes(md5), "the binary file arrived whole");
      for (const [suffix, dest] of [["", "back"], ["/.", "contents"]] as const) {
        const [ours, theirs] = [
          join(scratch, `${dest}-ours-${way}`),
          join(scratch, `${dest}-ref-${way}`),
        ];
        await ok(way, ["cp", `${name}:/tmp/src-${way}${suffix}`, ours]);
        await runBytes([...DOCKER_CLI, "cp", `${name}:/tmp/src-${way}${suffix}`, theirs]);
        execFileSync("diff", ["-r", ours, theirs]);
      }
      const tarOut = await ipcatDockerBytes(way, ["cp", `${name}:/tmp/src-${way}`, "-"]);
      const tarRef = await runBytes([...DOCKER_CLI, "cp", `${name}:/tmp/src-${way}`, "-"]);
      assert.ok(tarOut.stdout.equals(tarRef.stdout), "cp … - streams the daemon's tar as it is");
      const tarFile = join(scratch, `in-${way}.tar`);
      execFileSync("tar", ["-C", local, "-cf", tarFile, "a.txt"]);
      const fromStdin = await ipcatDocker(way, ["cp", "-", `${name}:/root`], {
        stdin: readFileSync(tarFile),
      });
      assert.equal(fromStdin.code, 0, fromStdin.stderr);
      await sameAsCli(way, ["exec", name, "cat", "/root/a.txt"]);
      await sameAsCli(way, ["cp", `${name}:/ipcat-no-such-path`, join(scratch, "x")]);
      const exported = await ipcatDockerBytes(way, ["export", name]);
      assert.equal(exported.code, 0);
      const names = execFileSync("tar", ["-t"], { input: exported.stdout, encoding: "utf8" });
      assert.match(names, /^etc\/hostname$/m);
    }, 60_000);

    dockerIt("diff, commit, history, save, load", async () => {
      const name = await running(way, "snap");
      await ok(way, ["exec", name, "sh", "-c", "echo x > /tmp/made; rm /etc/group"]);
      // The daemon lists changes in no fixed order: compare them sorted.
      const sorted = (text: string) => text.split("\n").sort().join("\n");
      const changes = await ok(way, ["diff", name]);
      const reference = (await runBytes([...DOCKER_CLI, "diff", name])).stdout.toString();
      assert.equal(sorted(changes), sorted(reference));
      assert.match(changes, /^A \/tmp\/made$/m);
      assert.match(changes, /^D \/etc\/group$/m);
      const image = `ipcat-commit-${way}-${process.pid}:v1`;
      assert.match(
        await ok(way, ["commit", "-m", "made by ipcat", name, image]),
        /^sha256:[0-9a-f]{64}\n$/,
      );
      for (
        const args of [
          ["history", "--format", "table {{.ID}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}", image],
          ["history", "--no-trunc", "--format", "{{.ID}} {{.CreatedBy}} {{.CreatedAt}}", image],
          ["history", "-q", image],
          ["image", "history", "--format", "{{.Comment}}", image],
        ]
      ) await sameAsCli(way, args);
      const tar = join(scratch, `saved-${way}.tar`);
      await ok(way, ["save", "-o", tar, image]);
      await ok(way, ["rmi", image]);
      assert.equal(await ok(way, ["load", "-i", tar]), `Loaded image: ${image}\n`);
      await sameAsCli(way, ["inspect", "--type", "image", "-f", "{{.Comment}}", image]);
      await ok(way, ["rmi", image]);
    }, 60_000);

    dockerIt("management forms: unknown ones fail as the CLI, bare ones show help", async () => {
      await sameAsCli(way, ["container", "ipcat-bogus"]);
      const help = await ipcatDocker(way, ["volume"]);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /create, ls, list, inspect, rm, remove, prune/);
      await sameAsCli(way, [
        "container",
        "inspect",
        "-f",
        "{{.Config.Image}}",
        await running(way, "mgmt"),
      ]);
    });
  });
}
