// The library (`ipcat/docker`) as a GUI like seed 000's uses it, against the real daemon,
// under Bun and Deno alike: errors with a kind and a status, the richer container spec,
// logs as streams, events and stats as async iterators, the image list, close() ending
// every stream, a process that used exec() exiting on its own, and stdout read alone while
// more than 1 MiB goes to stderr.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe } from "node:test";
import process from "node:process";
import { Docker, DockerError, IpcatError } from "../src/docker/mod.ts";
import { cliCommand, ROOT } from "./harness.ts";
import {
  DOCKER_HOST,
  dockerIt,
  ensureImage,
  IMAGE,
  removeContainers,
  track,
  uniqueName,
} from "./docker_env.ts";

const docker = DOCKER_HOST ? await Docker.fromEnv({ DOCKER_HOST }) : null;
before(async () => {
  if (DOCKER_HOST) await ensureImage();
});
after(() => removeContainers());

describe("Docker library, as a GUI uses it", () => {
  dockerIt("errors carry a kind and the HTTP status, and are IpcatErrors", async () => {
    await assert.rejects(docker!.inspect("ipcat-no-such-container"), (error: unknown) => {
      assert.ok(error instanceof DockerError && error instanceof IpcatError);
      assert.equal(error.kind, "not_found");
      assert.equal(error.status, 404);
      return true;
    });
    const name = track(uniqueName("libkind"));
    await docker!.create({ image: IMAGE, cmd: ["true"], name, networkMode: "none" });
    await assert.rejects(
      docker!.create({ image: IMAGE, cmd: ["true"], name, networkMode: "none" }),
      (error: unknown) => {
        assert.ok(error instanceof DockerError);
        assert.equal(error.kind, "conflict");
        assert.equal(error.status, 409);
        return true;
      },
    );
    const down = await Docker.fromEnv({ DOCKER_HOST: "unix:///nonexistent/ipcat.sock" });
    await assert.rejects(
      down.ping(),
      (error: unknown) => error instanceof DockerError && error.kind === "daemon_unavailable",
    );
  });

  dockerIt(
    "the spec's labels, ports, mounts, resources, hostname, health, privileges, devices",
    async () => {
      const name = track(uniqueName("libspec"));
      const { id } = await docker!.create({
        image: IMAGE,
        cmd: ["sleep", "30"],
        name,
        networkMode: "none",
        hostname: "gui-host",
        labels: { "app.gui": "yes" },
        ports: {
          exposed: { "80/tcp": {} },
          bindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] },
        },
        mounts: [{ Type: "tmpfs", Target: "/scratch" }],
        resources: { memory: 64 << 20, pidsLimit: 20 },
        healthcheck: { test: ["CMD-SHELL", "true"], interval: 1e9, retries: 2 },
        privileges: { capAdd: ["CAP_NET_ADMIN"], readOnly: true },
        devices: [{
          PathOnHost: "/dev/null",
          PathInContainer: "/dev/other-null",
          CgroupPermissions: "rwm",
        }],
      });
      const raw = JSON.parse(await docker!.inspectRaw(id));
      assert.equal(raw.Config.Hostname, "gui-host");
      assert.deepEqual(raw.Config.Labels, { "app.gui": "yes" });
      assert.deepEqual(raw.HostConfig.PortBindings, {
        "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }],
      });
      assert.equal(raw.HostConfig.Memory, 64 << 20);
      assert.equal(raw.HostConfig.PidsLimit, 20);
      assert.deepEqual(raw.Config.Healthcheck, {
        Test: ["CMD-SHELL", "true"],
        Interval: 1e9,
        Retries: 2,
      });
      assert.deepEqual(raw.HostConfig.CapAdd, ["CAP_NET_ADMIN"]);
      assert.equal(raw.HostConfig.ReadonlyRootfs, true);
      assert.equal(raw.HostConfig.Devices[0].PathInContainer, "/dev/other-null");
      assert.equal(raw.HostConfig.Mounts[0].Target, "/scratch");
      const typed = await docker!.inspect(id);
      assert.deepEqual(typed.NetworkSettings.Ports, {});
      assert.ok(Object.hasOwn(typed.NetworkSettings.Networks ?? {}, "none"));
    },
  );

  dockerIt("logs as streams; events and stats as async iterators; the image list", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const name = track(uniqueName("libmon"));
    const container = await docker!.run({
      image: IMAGE,
      cmd: ["sh", "-c", "echo out; echo err >&2"],
      name,
      networkMode: "none",
    });
    await Promise.all([
      new Response(container.stdout).text(),
      new Response(container.stderr).text(),
    ]);
    assert.equal(await container.exit, 0);
    const logs = docker!.logs(container.id, { timestamps: false });
    assert.deepEqual(
      await Promise.all([new Response(logs.stdout).text(), new Response(logs.stderr).text()]),
      ["out\n", "err\n"],
    );
    await logs.done;
    const actions: string[] = [];
    for await (
      const event of docker!.events({
        since,
        until: Math.floor(Date.now() / 1000) + 1,
        filters: { container: [name] },
      })
    ) actions.push(event.Action);
    assert.deepEqual(actions.filter((a) => a === "create" || a === "start" || a === "die"), [
      "create",
      "start",
      "die",
    ]);
    const samples = [];
    for await (const sample of docker!.stats(container.id, { stream: false })) samples.push(sample);
    assert.equal(samples.length, 1);
    assert.ok("memory_stats" in samples[0]!);
    const images = await docker!.images();
    assert.ok(images.some((image) => image.RepoTags.includes(IMAGE)));
  }, 30_000);

  dockerIt("close() ends every stream: logs -f, attach and events", async () => {
    const client = await Docker.fromEnv({ DOCKER_HOST });
    const name = track(uniqueName("libclose"));
    const { id } = await client.create({
      image: IMAGE,
      cmd: ["sh", "-c", "echo up; sleep 60"],
      name,
      networkMode: "none",
    });
    await client.start(id);
    const logs = client.logs(id, { follow: true });
    const attached = await client.attach(id, { stdin: false });
    const events = client.events()[Symbol.asyncIterator]();
    const nextEvent = events.next();
    const reader = logs.stdout.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "up\n");
    client.close();
    await logs.done;
    assert.equal((await reader.read()).done, true);
    assert.equal(await new Response(attached.stdout).text(), "");
    // The pending request either ends the iteration or fails as closed: never hangs.
    const settled = await nextEvent.then(
      (step) => step.done,
      (error: unknown) => error instanceof IpcatError,
    );
    assert.equal(settled, true);
    await docker!.remove(id, { force: true });
  }, 30_000);

  dockerIt("reading only stdout while more than 1 MiB goes to stderr does not stall", async () => {
    const name = track(uniqueName("libbound"));
    const container = await docker!.run({
      image: IMAGE,
      cmd: ["sh", "-c", "head -c 3000000 /dev/zero >&2; echo done"],
      name,
      networkMode: "none",
    });
    assert.equal(await new Response(container.stdout).text(), "done\n");
    assert.equal(await container.exit, 0);
    assert.equal((await new Response(container.stderr).arrayBuffer()).byteLength, 3000000);
  }, 30_000);

  dockerIt("a process that used exec() exits on its own", async () => {
    const name = track(uniqueName("libexec"));
    const { id } = await docker!.create({
      image: IMAGE,
      cmd: ["sleep", "60"],
      name,
      networkMode: "none",
    });
    await docker!.start(id);
    const script = `
      import { Docker } from ${JSON.stringify(`${ROOT}/src/docker/mod.ts`)};
      const docker = await Docker.fromEnv({ DOCKER_HOST: ${JSON.stringify(DOCKER_HOST)} });
      const run = await docker.exec(${JSON.stringify(id)}, ["echo", "from exec"]);
      console.log((await new Response(run.stdout).text()).trim(), await run.exit);
    `;
    for (const runtime of [[cliCommand("bun")[0]!, "-e"], [cliCommand("deno")[0]!, "eval"]]) {
      // A deadline, not a measurement: a process kept alive by a leftover socket never ends.
      const result = spawnSync(runtime[0]!, [...runtime.slice(1), script], {
        encoding: "utf8",
        timeout: 20_000,
        env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
      });
      assert.equal(result.signal, null, `${runtime[0]} did not exit on its own: ${result.stderr}`);
      assert.equal(result.stdout, "from exec 0\n", result.stderr);
    }
    await docker!.remove(id, { force: true });
  }, 60_000);
});
