// Progress lines on a terminal for long docker transfers (import and cp both ways), and
// nothing off a terminal or with -q: ipcat runs inside tmux, whose pane is read back.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { cliCommand } from "../harness.ts";
import { Tmux } from "../tmux.ts";
import {
  busyboxRootfsTar,
  DOCKER_HOST,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  removeContainers,
  track,
  uniqueName,
} from "../docker_env.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-progress-"));
const panes = new Tmux();
const onTerminal = (command: string) => panes.run(command);

before(async () => {
  if (DOCKER_HOST) await ensureImage();
});
after(async () => {
  panes.stop();
  rmSync(dir, { recursive: true, force: true });
  await removeContainers();
});

describe("docker progress lines", () => {
  const ipcat = `DOCKER_HOST=${DOCKER_HOST} ${cliCommand("binary").join(" ")} docker`;

  dockerIt("import, cp out and cp in show bytes on a terminal, and nothing with -q", async () => {
    const tar = busyboxRootfsTar();
    after(() => rmSync(tar, { force: true }));
    const imported = await onTerminal(`${ipcat} import ${tar} ipcat-progress:test > /dev/null`);
    assert.match(imported, /import {2}[\d.]+ [KM]iB \/ [\d.]+ [KM]iB/);
    assert.match(imported, /EXIT=0/);

    const name = track(uniqueName("progress"));
    const run = await ipcatDocker("binary", ["run", "-d", "--name", name, IMAGE, "sleep", "60"]);
    assert.equal(run.code, 0, run.stderr);
    const out = await onTerminal(`${ipcat} cp ${name}:/bin ${join(dir, "bin")}`);
    assert.match(out, /copy from container {2}[\d.]+ [KM]iB/);
    assert.match(out, /EXIT=0/);
    const into = await onTerminal(`${ipcat} cp ${tar} ${name}:/tmp/rootfs.tar`);
    assert.match(into, /copy to container {2}[\d.]+ [KM]iB/);
    const quiet = await onTerminal(`${ipcat} cp -q ${name}:/bin ${join(dir, "bin2")}`);
    assert.doesNotMatch(quiet, /copy from container/);
    // Off a terminal: nothing on stderr.
    const piped = await ipcatDocker("binary", ["cp", `${name}:/bin`, join(dir, "bin3")]);
    assert.equal(piped.code, 0);
    assert.equal(piped.stderr, "");
    await ipcatDocker("binary", ["rmi", "ipcat-progress:test"]);
  });
});
