// `-t` through a real pseudo-terminal: ipcat runs inside tmux, which we type into, resize
// and read back. Raw mode is checked on the pane's terminal from outside (stty -F), the
// resize from inside the container (stty size), then detach and a later re-attach.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe } from "node:test";
import { cliCommand, waysToTest } from "../harness.ts";
import { Tmux } from "../tmux.ts";
import {
  DOCKER_HOST,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  removeContainers,
  track,
  uniqueName,
} from "../docker_env.ts";

const tmux = new Tmux();
before(async () => {
  if (DOCKER_HOST) await ensureImage();
});
after(async () => {
  tmux.stop();
  await removeContainers();
});

describe("docker TTY: the docker CLI as the reference", () => {
  dockerIt(
    "the CLI detaches from run -it with exit 0 and from attach with 'read escape sequence' and exit 1, as ipcat does",
    async () => {
      const name = track(uniqueName("ttycli"));
      const cli = `docker -H ${DOCKER_HOST}`;
      const run = tmux.start(`${cli} run -it --name ${name} --network none ${IMAGE} sh`);
      await tmux.waitFor(run, /\/ # $/m);
      tmux.keys(run, "C-p", "C-q");
      await tmux.waitFor(run, /EXIT=0/);
      const again = tmux.start(`${cli} attach ${name}`);
      await tmux.waitForRaw(again);
      tmux.keys(again, "C-p", "C-q");
      assert.match(await tmux.waitFor(again, /EXIT=\d+/), /read escape sequence\s*\nEXIT=1/);
    },
  );
});

for (const way of waysToTest()) {
  describe(`docker TTY through tmux (${way})`, () => {
    const ipcat = `DOCKER_HOST=${DOCKER_HOST} ${cliCommand(way).join(" ")} docker`;

    dockerIt(
      "run -it: raw mode, resize at start and on SIGWINCH, ctrl-p ctrl-q detaches (exit 0), attach re-attaches",
      async () => {
        const name = track(uniqueName(`tty-${way}`));
        const run = tmux.start(`${ipcat} run -it --name ${name} --network none ${IMAGE} sh`);
        await tmux.waitFor(run, /\/ # $/m);
        assert.equal(
          tmux.canonical(run),
          false,
          "the local terminal should be in raw mode during the session",
        );

        tmux.keys(run, "stty size", "Enter");
        await tmux.waitFor(run, /^30 100$/m);
        tmux.tmux("resize-window", "-t", run, "-x", "120", "-y", "40");
        // The resize reaches the container after a moment: ask again until it shows.
        for (let i = 0; i < 100 && !/^40 120$/m.test(tmux.screen(run)); i++) {
          tmux.keys(run, "clear; stty size", "Enter");
          await tmux.waitFor(run, /^\d+ \d+$/m);
          if (!/^40 120$/m.test(tmux.screen(run))) await new Promise((r) => setTimeout(r, 50));
        }
        await tmux.waitFor(run, /^40 120$/m);

        tmux.keys(run, "C-p", "C-q");
        await tmux.waitFor(run, /EXIT=0/);
        assert.equal(tmux.canonical(run), true, "the terminal must be restored after detaching");
        const state = JSON.parse((await ipcatDocker(way, ["inspect", name])).stdout)[0].State;
        assert.equal(state.Running, true, "detaching must leave the container running");

        const again = tmux.start(`${ipcat} attach ${name}`);
        await tmux.waitForRaw(again);
        tmux.keys(again, "echo reattached-$((20+22))", "Enter");
        await tmux.waitFor(again, /^reattached-42/m);
        tmux.keys(again, "C-p", "C-q");
        const screen = await tmux.waitFor(again, /EXIT=\d+/);
        assert.match(screen, /read escape sequence\s*\nEXIT=1/);
        assert.equal(tmux.canonical(again), true);

        const last = tmux.start(`${ipcat} attach --detach-keys ctrl-a,x ${name}`);
        await tmux.waitForRaw(last);
        tmux.keys(last, "exit 4", "Enter");
        await tmux.waitFor(last, /EXIT=4/);
      },
    );

    dockerIt(
      "--detach-keys ctrl-x,x: the daemon watches those keys too, so ctrl-p ctrl-q reach the shell",
      async () => {
        const name = track(uniqueName(`ttykeys-${way}`));
        const run = tmux.start(
          `${ipcat} run -it --detach-keys ctrl-x,x --name ${name} --network none ${IMAGE} sh`,
        );
        await tmux.waitFor(run, /\/ # $/m);
        tmux.keys(run, "C-p", "C-q");
        tmux.keys(run, "echo still-$((40+2))", "Enter");
        await tmux.waitFor(run, /^still-42/m);
        tmux.keys(run, "C-x", "x");
        await tmux.waitFor(run, /EXIT=0/);
        assert.equal(tmux.canonical(run), true);
        // Re-attached at the same size, the shell redraws its prompt without a key pressed
        // (the CLI's trick: a resize to another size first).
        const again = tmux.start(`${ipcat} attach --detach-keys ctrl-x,x ${name}`);
        await tmux.waitFor(again, /\/ # $/m);
        tmux.keys(again, "exit 3", "Enter");
        await tmux.waitFor(again, /EXIT=3/);
      },
    );

    dockerIt(
      "exec -it: a TTY process sized like the terminal, exit code passed on, terminal restored",
      async () => {
        const name = track(uniqueName(`ttyexec-${way}`));
        assert.equal(
          (await ipcatDocker(way, [
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "none",
            IMAGE,
            "sleep",
            "120",
          ])).code,
          0,
        );
        const pane = tmux.start(
          `${ipcat} exec -it ${name} sh -c 'echo ready; read x; stty size; read y; exit 5'`,
        );
        // Once the process has printed, its terminal exists and buffers what is typed.
        await tmux.waitFor(pane, /^ready/m);
        tmux.keys(pane, "Enter");
        await tmux.waitFor(pane, /^30 100$/m);
        assert.equal(tmux.canonical(pane), false);
        tmux.keys(pane, "Enter");
        await tmux.waitFor(pane, /EXIT=5/);
        assert.equal(tmux.canonical(pane), true);
      },
    );

    dockerIt(
      "run -it --rm: Ctrl-C goes to the container as a byte; an outside SIGTERM is forwarded to it, as the CLI does",
      async () => {
        const name = track(uniqueName(`ttyint-${way}`));
        const pane = tmux.start(
          `${ipcat} run -it --rm --name ${name} --network none ${IMAGE} sh -c 'trap "echo got-int" INT; trap "echo got-term; exit 7" TERM; echo ready; while true; do sleep 0.1; done'`,
        );
        await tmux.waitFor(pane, /^ready/m);
        tmux.keys(pane, "C-c");
        await tmux.waitFor(pane, /got-int/);
        const pid = tmux.tmux("display-message", "-p", "-t", pane, "#{pane_pid}").trim();
        const ipcatPid = execFileSync("pgrep", ["-P", pid], { encoding: "utf8" }).trim().split(
          "\n",
        )[0]!;
        process.kill(Number(ipcatPid), "SIGTERM");
        await tmux.waitFor(pane, /got-term/);
        await tmux.waitFor(pane, /EXIT=7/);
        assert.equal(tmux.canonical(pane), true);
        const gone = await ipcatDocker(way, ["inspect", name]);
        assert.equal(gone.code, 1, "--rm removed the container the signal stopped");
      },
    );
  });
}
