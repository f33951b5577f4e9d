// The behaviour bugs of issue 14, each side by side with the docker CLI on the same daemon:
// the same stdout and exit status (stderr keeps ipcat's own `ipcat: ` line, so only its
// substance is compared).
import assert from "node:assert/strict";
import { after, before, describe } from "node:test";
import { waysToTest } from "../harness.ts";
import {
  bothWays,
  DOCKER_CLI,
  DOCKER_HOST,
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

before(async () => {
  if (DOCKER_HOST) await ensureImage();
});
after(() => removeContainers());

for (const way of waysToTest()) {
  describe(`docker: the issue's behaviour bugs, against the docker CLI (${way})`, () => {
    dockerIt("run -h sets the hostname (help is --help only)", async () => {
      const { reference, ours, what } = await bothWays(way, [
        "run",
        "--rm",
        "--network",
        "none",
        "-h",
        "myhost",
        IMAGE,
        "hostname",
      ]);
      assert.equal(reference.stdout.toString(), "myhost\n");
      assert.equal(ours.stdout.toString(), reference.stdout.toString(), what);
      assert.equal(ours.code, reference.code, what);
    });

    dockerIt("rm -f of a missing container prints the error and exits 0", async () => {
      const { reference, ours, what } = await bothWays(way, ["rm", "-f", "ipcat-no-such-ctr"]);
      assert.equal(reference.code, 0);
      assert.equal(ours.code, 0, what);
      assert.equal(
        ours.stderr.toString(),
        "ipcat: Error response from daemon: No such container: ipcat-no-such-ctr (list containers with 'ipcat docker ps -a')\n",
      );
      assert.match(reference.stderr.toString(), /No such container: ipcat-no-such-ctr/);
    });

    dockerIt("inspect of one found and one missing prints the found one, then fails", async () => {
      const name = track(uniqueName(`insp-${way}`));
      const created = await ipcatDocker(way, [
        "create",
        "--name",
        name,
        "--network",
        "none",
        IMAGE,
        "true",
      ]);
      assert.equal(created.code, 0, created.stderr);
      const { reference, ours, what } = await bothWays(way, ["inspect", name, "ipcat-no-such-obj"]);
      assert.equal(reference.code, 1);
      assert.equal(ours.code, 1, what);
      assert.ok(ours.stdout.equals(reference.stdout), `stdout differs for ${what}`);
      assert.equal(ours.stderr.toString(), "ipcat: No such object: ipcat-no-such-obj\n");
      const missing = await bothWays(way, ["inspect", "ipcat-no-such-obj"]);
      assert.equal(missing.ours.stdout.toString(), missing.reference.stdout.toString());
      assert.equal(missing.ours.code, missing.reference.code);
    });

    dockerIt("exec -e VAR passes the host's value of VAR, as run -e VAR does", async () => {
      const name = track(uniqueName(`execenv-${way}`));
      await ipcatDocker(way, [
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        IMAGE,
        "sleep",
        "60",
      ]);
      const env = { IPCAT_FROM_HOST: "host value" };
      for (const command of [["exec", "-e", "IPCAT_FROM_HOST", name], ["exec", "-e=X=1", name]]) {
        const { reference, ours, what } = await bothWays(
          way,
          [...command, "sh", "-c", 'echo "$IPCAT_FROM_HOST|$X"'],
          { env },
        );
        assert.equal(ours.stdout.toString(), reference.stdout.toString(), what);
        assert.equal(ours.code, reference.code, what);
      }
    });

    dockerIt("run -e=A=1 sends A=1", async () => {
      const { reference, ours, what } = await bothWays(way, [
        "run",
        "--rm",
        "--network",
        "none",
        "-e=A=1",
        IMAGE,
        "sh",
        "-c",
        'echo "[$A]"',
      ]);
      assert.equal(reference.stdout.toString(), "[1]\n");
      assert.equal(ours.stdout.toString(), reference.stdout.toString(), what);
    });

    dockerIt("run -d IMAGE nosuchcmd prints the ID and exits 127", async () => {
      const name = track(uniqueName(`dnotfound-${way}`));
      const ref = track(uniqueName(`dnotfound-ref-${way}`));
      const args = ["run", "-d", "--network", "none", IMAGE, "ipcat-no-such-command"];
      const reference = await runBytes([...DOCKER_CLI, "run", "--name", ref, ...args.slice(1)]);
      const ours = await ipcatDockerBytes(way, ["run", "--name", name, ...args.slice(1)]);
      assert.equal(reference.code, 127);
      assert.equal(ours.code, 127, ours.stderr.toString());
      assert.match(ours.stdout.toString(), /^[0-9a-f]{64}\n$/);
      assert.match(
        ours.stderr.toString(),
        /^ipcat: Error response from daemon: .*executable file not found/,
      );
    });

    dockerIt("flag errors exit 125, a wrong number of arguments 1, in every command", async () => {
      for (
        const args of [
          ["run", "--ipcat-bogus", IMAGE],
          ["ps", "--ipcat-bogus"],
          ["rm", "--ipcat-bogus", "x"],
          ["stop", "-t", "soon", "x"],
          ["run"],
          ["logs", "a", "b"],
          ["exec", "onlyone"],
          ["ps", "extra"],
        ]
      ) {
        const { reference, ours, what } = await bothWays(way, args);
        assert.equal(ours.code, reference.code, `${what}: ${ours.stderr}`);
        assert.match(ours.stderr.toString(), /^ipcat: [^\n]+\n$/, what);
        assert.equal(ours.stdout.byteLength, 0, what);
      }
    });

    dockerIt("ps --format json has every field the CLI's has", async () => {
      const name = track(uniqueName(`psjson-${way}`));
      await ipcatDocker(way, ["create", "--name", name, "--network", "none", IMAGE, "true"]);
      const filter = ["ps", "-a", "--format", "json", "--filter", `name=^${name}$`];
      const { reference, ours } = await bothWays(way, filter);
      const keys = (text: string) => Object.keys(JSON.parse(text.split("\n")[0]!));
      assert.deepEqual(keys(ours.stdout.toString()), keys(reference.stdout.toString()));
      const stable = (text: string) => {
        const { RunningFor: _r, ...rest } = JSON.parse(text);
        return rest;
      };
      assert.deepEqual(stable(ours.stdout.toString()), stable(reference.stdout.toString()));
    });
  });
}
