// Commands run on a real terminal for tests of what ipcat draws there: a private tmux
// server whose panes are read back once the command has printed its exit status.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { eventually, tempName } from "./harness.ts";

/** A private tmux server; `run` gives each command a pane of its own. */
export class TerminalPanes {
  private readonly socket = tempName("ipcat-panes");
  private panes = 0;

  private tmux(...args: string[]): string {
    return execFileSync("tmux", ["-S", this.socket, ...args], { encoding: "utf8" });
  }

  /** Runs the shell `command` in a 160×20 pane; resolves with the pane's text once it exits. */
  async run(command: string): Promise<string> {
    const name = `p${++this.panes}`;
    this.tmux(
      "new-session",
      "-d",
      "-x",
      "160",
      "-y",
      "20",
      "-s",
      name,
      `${command}; echo EXIT=$?; sleep 60`,
    );
    let screen = "";
    await eventually(
      () => /EXIT=\d+/.test(screen = this.tmux("capture-pane", "-p", "-t", name)),
      `the pane of '${command}' to show its exit status`,
    );
    return screen;
  }

  /** Stops the tmux server and its panes. */
  stop(): void {
    try {
      this.tmux("kill-server");
    } catch {
      // no pane was ever started
    }
    rmSync(this.socket, { force: true });
  }
}
