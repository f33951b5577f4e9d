// `ipcat docker api`: raw REST calls with the negotiated version prefix, bodies from the
// command line and stdin, error statuses, and hijacked attach and exec start, raw and
// demultiplexed, against the test daemon (the docker CLI as the reference).
import assert from "node:assert/strict";
import process from "node:process";
import { after, before, describe } from "node:test";
import { cliCommand, runProcess, waysToTest } from "../harness.ts";
import {
  dockerCli,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  ipcatDockerBytes,
  removeContainers,
  track,
  uniqueName,
} from "../docker_env.ts";

for (const way of waysToTest()) {
  describe(`docker api (${way})`, () => {
    before(ensureImage);
    after(removeContainers);

    dockerIt("GET answers stream to stdout as received, with the negotiated version", async () => {
      const ping = await ipcatDocker(way, ["api", "GET", "/_ping"]);
      assert.deepEqual([ping.code, ping.stdout], [0, "OK"], ping.stderr);
      const version = await ipcatDocker(way, ["api", "GET", "/version"]);
      assert.equal(version.code, 0, version.stderr);
      const reference = await dockerCli(["version", "--format", "{{.Server.APIVersion}}"]);
      assert.equal(JSON.parse(version.stdout).ApiVersion, reference.stdout.trim());
      assert.doesNotMatch(version.stdout, /\n {4}"/, "not indented when stdout is a pipe");
      const head = await ipcatDocker(way, ["api", "-i", "GET", "/_ping"]);
      assert.match(head.stdout, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(head.stdout, /\r\napi-version: 1\.\d+\r\n/i);
      const pinned = await ipcatDocker(way, ["api", "GET", "/v1.30/containers/json"]);
      assert.equal(pinned.code, 0, pinned.stderr);
      assert.ok(Array.isArray(JSON.parse(pinned.stdout)));
    });

    dockerIt(
      "an error status prints the daemon's body, a line on stderr, and exits 1",
      async () => {
        const missing = await ipcatDocker(way, ["api", "GET", "/containers/no-such-thing/json"]);
        assert.equal(missing.code, 1);
        assert.match(JSON.parse(missing.stdout).message, /No such container: no-such-thing/);
        assert.equal(
          missing.stderr,
          "ipcat: HTTP 404 Not Found for GET /containers/no-such-thing/json\n",
        );
        const bad = await ipcatDocker(way, ["api", "FETCH", "/x"]);
        assert.equal(bad.code, 125);
        assert.match(bad.stderr, /^ipcat: unknown HTTP method 'FETCH'/);
      },
    );

    dockerIt(
      "POST bodies from the command line and from stdin create what the CLI sees",
      async () => {
        const name = track(uniqueName("api-create"));
        const body = JSON.stringify({ Image: IMAGE, Cmd: ["true"], Labels: { via: "api" } });
        const created = await ipcatDocker(way, [
          "api",
          "POST",
          `/containers/create?name=${name}`,
          body,
        ]);
        assert.equal(created.code, 0, created.stderr);
        const id = JSON.parse(created.stdout).Id;
        const label = await dockerCli(["inspect", "-f", "{{.Id}} {{.Config.Labels.via}}", name]);
        assert.equal(label.stdout, `${id} api\n`);
        const renamed = `${name}-piped`;
        track(renamed);
        const piped = await ipcatDocker(way, [
          "api",
          "POST",
          `/containers/${name}/rename?name=${renamed}`,
          "-",
        ], {
          stdin: "",
        });
        assert.equal(piped.code, 0, piped.stderr);
        assert.equal((await dockerCli(["inspect", "-f", "{{.Name}}", id])).stdout, `/${renamed}\n`);
      },
    );

    dockerIt(
      "attach is hijacked: stdin reaches the container, --demux splits its streams",
      async () => {
        const name = track(uniqueName("api-attach"));
        const made = await dockerCli([
          "create",
          "-i",
          "--network",
          "none",
          "--name",
          name,
          IMAGE,
          "sh",
          "-c",
          "cat; echo to-stderr >&2",
        ]);
        assert.equal(made.code, 0, made.stderr);
        assert.equal((await dockerCli(["start", name])).code, 0);
        const result = await ipcatDockerBytes(way, [
          "api",
          "POST",
          `/containers/${name}/attach?stream=1&stdin=1&stdout=1&stderr=1`,
          "--demux",
        ], { stdin: "through the hijack\n" });
        assert.equal(result.code, 0, result.stderr.toString());
        assert.equal(result.stdout.toString(), "through the hijack\n");
        assert.equal(result.stderr.toString(), "to-stderr\n");
      },
    );

    dockerIt("exec start is hijacked; without --demux the stdcopy frames come raw", async () => {
      const name = track(uniqueName("api-exec"));
      assert.equal(
        (await dockerCli(["run", "-d", "--network", "none", "--name", name, IMAGE, "sleep", "60"]))
          .code,
        0,
      );
      const exec = async () => {
        const created = await ipcatDocker(way, [
          "api",
          "POST",
          `/containers/${name}/exec`,
          JSON.stringify({
            Cmd: ["sh", "-c", "cat; echo E >&2"],
            AttachStdin: true,
            AttachStdout: true,
            AttachStderr: true,
          }),
        ]);
        assert.equal(created.code, 0, created.stderr);
        return JSON.parse(created.stdout).Id as string;
      };
      const startBody = '{"Detach":false,"Tty":false}';
      const raw = await ipcatDockerBytes(way, [
        "api",
        "POST",
        `/exec/${await exec()}/start`,
        startBody,
      ], {
        stdin: "abc",
      });
      assert.equal(raw.code, 0, raw.stderr.toString());
      // Two stdcopy frames, as the daemon sent them: stdout "abc" (stream 1) and stderr
      // "E\n" (stream 2). The daemon copies the two streams apart, so either may come first.
      const frames: string[] = [];
      for (let at = 0; at < raw.stdout.byteLength;) {
        const header = raw.stdout.subarray(at, at + 8);
        assert.deepEqual([...header.subarray(1, 4)], [0, 0, 0], "a stdcopy frame header");
        const size = header.readUInt32BE(4);
        frames.push(`${header[0]}:${raw.stdout.subarray(at + 8, at + 8 + size)}`);
        at += 8 + size;
      }
      assert.deepEqual(frames.sort(), ["1:abc", "2:E\n"]);
      const split = await ipcatDockerBytes(way, [
        "api",
        "POST",
        `/exec/${await exec()}/start`,
        startBody,
        "--demux",
      ], {
        stdin: "xyz",
      });
      assert.deepEqual([split.stdout.toString(), split.stderr.toString()], ["xyz", "E\n"]);
    });

    dockerIt("JSON is indented when stdout is a terminal", async () => {
      const command = [...cliCommand(way), "docker", "api", "GET", "/version"].join(" ");
      const shown = await runProcess(["script", "-qec", command, "/dev/null"], {
        env: { DOCKER_HOST: process.env.IPCAT_TEST_DOCKER_HOST },
      });
      assert.match(shown.stdout, /^\{\r?\n {4}"Platform": \{/);
    });
  });
}
