// `ipcat sock run -t` against a real `serve --allow-tty`, through tmux as the docker TTY
// tests do: the remote command's terminal (a pts, its size following the pane, keys and
// Ctrl-C reaching it, the exit status), the local terminal restored on every way out
// (the command's exit, SIGTERM and SIGHUP to the client, a refusal, a timeout), the whole
// remote session ended, and the refusals (no --allow-tty, no terminal on stdin, Deno).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cliCommand, runCli, waysToTest } from "../harness.ts";
import { alive, type Server, startServer as startSockServer, until } from "../sock_support.ts";
import { Tmux } from "../tmux.ts";
import { execService, serve } from "../../src/sock/mod.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-tty-"));
const tmux = new Tmux();
/** Every server started here: a test that fails half-way must not leave one running. */
const servers: Server[] = [];
after(async () => {
  tmux.stop();
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(dir, { recursive: true, force: true });
});
async function startServer(...args: Parameters<typeof startSockServer>): Promise<Server> {
  const server = await startSockServer(...args);
  servers.push(server);
  return server;
}
let counter = 0;
const sockPath = () => join(dir, `t${++counter}.sock`);

/** `stty -a` without the size, which a resize changes on purpose. */
const withoutSize = (settings: string) => settings.replace(/rows \d+; columns \d+;/, "");

for (const way of waysToTest()) {
  // Deno has no pseudo-terminals: its client is tested against a Bun server.
  const serverWay = way === "deno" ? "bun" : way;
  const ipcat = cliCommand(way).join(" ");

  describe(`sock run -t through tmux (${way} client, ${serverWay} server)`, () => {
    /**
     * Starts `run -t PATH ARGS` in a pane; `stty -a` before it goes to a file, so that
     * `restored` can compare the pane's terminal with it once the client has exited.
     */
    function startRun(path: string, args = "") {
      const before = join(dir, `before-${++counter}.txt`);
      const pane = tmux.start(`stty -a > ${before}; ${ipcat} sock run -t ${args} ${path}`);
      return {
        pane,
        restored: () =>
          assert.equal(
            withoutSize(tmux.settings(pane)),
            withoutSize(readFileSync(before, "utf8")),
            "the local terminal is as it was before the client started",
          ),
      };
    }

    it("a pts of the pane's size, following its resize; typed keys reach the program; the exit status passes through; leftovers ended", async () => {
      const path = sockPath();
      const server = await startServer(serverWay, ["--allow-tty", path, "--", "sh"]);
      const run = startRun(path);
      await tmux.waitForRaw(run.pane);
      tmux.keys(run.pane, "tty; stty size", "Enter");
      await tmux.waitFor(run.pane, /^\/dev\/pts\/\d+\s*\n30 100$/m);
      tmux.tmux("resize-window", "-t", run.pane, "-x", "120", "-y", "40");
      // The resize travels after SIGWINCH reached the client: ask again until it shows.
      for (let i = 0; i < 100 && !/^40 120$/m.test(tmux.screen(run.pane)); i++) {
        tmux.keys(run.pane, "clear; stty size", "Enter");
        await tmux.waitFor(run.pane, /^\d+ \d+$/m);
      }
      await tmux.waitFor(run.pane, /^40 120$/m);
      tmux.keys(run.pane, "read line; echo got-$line", "Enter");
      tmux.keys(run.pane, "hello", "Enter");
      await tmux.waitFor(run.pane, /^got-hello$/m);
      // A job the shell leaves behind (in a process group of its own) is ended with it.
      tmux.keys(run.pane, "sleep 1000 & echo bg-$!", "Enter");
      const job = Number((await tmux.waitFor(run.pane, /^bg-\d+/m)).match(/^bg-(\d+)/m)![1]);
      tmux.keys(run.pane, "exit 7", "Enter");
      await tmux.waitFor(run.pane, /EXIT=7/);
      run.restored();
      assert.equal(alive(job), false, "the exit status comes once the session is gone");
      await until(
        () =>
          /left processes running in its group: SIGHUP and SIGTERM to the terminal's session/.test(
            server.log(),
          ),
        "the leftovers' log line",
      );
      // The client may exit before the server's log line has come through its pipe.
      await until(() => /sh exited with status 7/.test(server.log()), "the exit in the log");
      assert.equal((await server.stop()).code, 143);
    });

    it("Ctrl-C in the remote terminal is SIGINT to the command: exit 130", async () => {
      const path = sockPath();
      const server = await startServer(serverWay, [
        "--allow-tty",
        path,
        "--",
        "sh",
        "-c",
        // exec: a Ctrl-C typed while sh forks would reach sh alone, which then waits on
        // (dash's own race, on any terminal); sh and sleep each die of it.
        "echo ready; exec sleep 1000",
      ]);
      const run = startRun(path);
      await tmux.waitFor(run.pane, /^ready/m);
      tmux.keys(run.pane, "C-c");
      await tmux.waitFor(run.pane, /EXIT=130/);
      run.restored();
      await until(() => /sh exited with signal SIGINT/.test(server.log()), "the log line");
      await server.stop();
    });

    for (const [signal, status] of [["SIGTERM", 143], ["SIGHUP", 129]] as const) {
      it(`${signal} to the client: exit ${status}, terminal restored, the remote session ended (a background job too)`, async () => {
        const path = sockPath();
        const server = await startServer(serverWay, ["--allow-tty", path, "--", "sh"]);
        const run = startRun(path);
        await tmux.waitForRaw(run.pane);
        // An interactive shell puts its background job in a process group of its own.
        tmux.keys(run.pane, "sleep 1000 & echo bg-$!", "Enter");
        const job = Number((await tmux.waitFor(run.pane, /^bg-\d+/m)).match(/^bg-(\d+)/m)![1]);
        assert.ok(alive(job));
        process.kill(tmux.commandPid(run.pane), signal);
        await tmux.waitFor(run.pane, new RegExp(`EXIT=${status}`));
        run.restored();
        await until(() => !alive(job), `the background job ${job} to end`);
        await until(
          () => /SIGHUP and SIGTERM to the terminal's session \d+/.test(server.log()),
          "the server's log line",
        );
        await server.stop();
      });
    }

    it("the server stops (SIGTERM): the session ends, background job too; the client exits 8, terminal restored", async () => {
      const path = sockPath();
      const server = await startServer(serverWay, ["--allow-tty", path, "--", "sh"]);
      const run = startRun(path);
      await tmux.waitForRaw(run.pane);
      tmux.keys(run.pane, "sleep 1000 & echo bg-$!", "Enter");
      const job = Number((await tmux.waitFor(run.pane, /^bg-\d+/m)).match(/^bg-(\d+)/m)![1]);
      assert.equal((await server.stop()).code, 143);
      assert.equal(alive(job), false, "the server exits only once the session is gone");
      const screen = await tmux.waitFor(run.pane, /EXIT=\d+/);
      assert.match(screen, /ipcat: the server on .* went away/);
      assert.match(screen, /^EXIT=8$/m);
      run.restored();
    });

    it("--timeout: exit 12, terminal restored", async () => {
      const path = sockPath();
      const server = await startServer(serverWay, ["--allow-tty", path, "--", "sleep", "1000"]);
      const run = startRun(path, "--timeout 500ms");
      await tmux.waitFor(run.pane, /EXIT=12/);
      run.restored();
      await until(() => /SIGHUP and SIGTERM to the terminal's session/.test(server.log()), "end");
      await server.stop();
    });

    it("a server without --allow-tty refuses: one line naming --allow-tty, exit 13, terminal restored", async () => {
      const path = sockPath();
      const server = await startServer(serverWay, [path, "--", "sh"]);
      const run = startRun(path);
      const screen = await tmux.waitFor(run.pane, /EXIT=\d+/);
      assert.match(screen, /^ipcat: ipcat\.exec on .* refused a terminal: .*--allow-tty.*$/m);
      assert.match(screen, /^EXIT=13$/m);
      run.restored();
      await server.stop();
    });

    it("a server before protocol 1.3 is told apart before anything is sent: exit 13", async () => {
      const path = sockPath();
      const server = await serve(path, {
        services: { "ipcat.exec": execService(["sh"]) },
        protocolMinor: 2,
      });
      const run = startRun(path);
      const screen = await tmux.waitFor(run.pane, /EXIT=\d+/);
      assert.match(screen, /ipcat: the server on .* speaks protocol 1\.2, which has no terminals/);
      assert.match(screen, /^EXIT=13$/m);
      run.restored();
      await server.close();
    });

    it("stdin not a terminal: 'the input device is not a TTY', exit 1, before connecting", async () => {
      const result = await runCli(way, ["sock", "run", "-t", sockPath()], { stdin: "ls\n" });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^ipcat: the input device is not a TTY/);
    });
  });
}

describe("sock serve --allow-tty refusals at start", () => {
  it("under Deno: one line, Deno cannot allocate a pseudo-terminal", async () => {
    const path = sockPath();
    const result = await runCli("deno", ["sock", "serve", "--allow-tty", path, "--", "sh"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^ipcat: --allow-tty: deno cannot allocate a pseudo-terminal/);
    assert.equal(result.stderr.trim().split("\n").length, 1);
    assert.equal(existsSync(path), false, "no socket file was left");
  });

  it("--allow-tty with --raw is a usage error: raw mode has no ipcat.exec", async () => {
    const path = sockPath();
    const result = await runCli("bun", ["sock", "serve", "--raw", "--allow-tty", path, "--", "sh"]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^ipcat: --allow-tty applies to ipcat\.exec, which --raw does not serve/,
    );
    assert.equal(existsSync(path), false);
  });
});
