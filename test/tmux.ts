// A private tmux server for the terminal tests: panes to start commands in, type into,
// resize and read back, and the pane's terminal settings as `stty -F` sees them.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { tempName } from "./harness.ts";

/** One private tmux server; every pane runs a shell command. */
export class Tmux {
  readonly socket = tempName("ipcat-tmux");
  #session = 0;

  tmux(...args: string[]): string {
    return execFileSync("tmux", ["-S", this.socket, ...args], { encoding: "utf8" });
  }

  /** Starts `command` in a new 100x30 window; its exit status is printed as EXIT=n. */
  start(command: string): string {
    const name = `s${++this.#session}`;
    this.tmux(
      "new-session",
      "-d",
      "-x",
      "100",
      "-y",
      "30",
      "-s",
      name,
      `${command}; echo EXIT=$?; sleep 600`,
    );
    this.tmux("set-option", "-t", name, "status", "off");
    return name;
  }

  /** Runs `command` in a pane of its own; resolves with the pane's text once it has exited. */
  async run(command: string): Promise<string> {
    return await this.waitFor(this.start(command), /EXIT=\d+/);
  }

  screen(target: string): string {
    return this.tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", target);
  }

  /** Waits until the pane shows text matching `pattern` (generous timeout, to avoid hangs only). */
  async waitFor(target: string, pattern: RegExp): Promise<string> {
    for (let i = 0; i < 300; i++) {
      const text = this.screen(target);
      if (pattern.test(text)) return text;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`pane never showed ${pattern}; it shows:\n${this.screen(target)}`);
  }

  /**
   * Waits until the pane's terminal is in raw mode: the client (ipcat or the CLI) is
   * attached and reads keys one by one, so what is typed next reaches the container.
   */
  async waitForRaw(target: string): Promise<void> {
    for (let i = 0; i < 300 && this.canonical(target); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (this.canonical(target)) throw new Error(`the pane never went raw:\n${this.screen(target)}`);
  }

  keys(target: string, ...keys: string[]): void {
    this.tmux("send-keys", "-t", target, ...keys);
  }

  /** Whether the pane's terminal is in canonical (cooked) mode, as `stty -F` sees it. */
  canonical(target: string): boolean {
    return !/(^|\s)-icanon/.test(this.settings(target));
  }

  /** `stty -a` of the pane's terminal, seen from outside. */
  settings(target: string): string {
    const tty = this.tmux("display-message", "-p", "-t", target, "#{pane_tty}").trim();
    return execFileSync("stty", ["-F", tty, "-a"], { encoding: "utf8" });
  }

  /** The pid of the process the pane's shell started (the command under test). */
  commandPid(target: string): number {
    const shell = this.tmux("display-message", "-p", "-t", target, "#{pane_pid}").trim();
    return Number(execFileSync("pgrep", ["-P", shell], { encoding: "utf8" }).trim().split("\n")[0]);
  }

  stop(): void {
    try {
      this.tmux("kill-server");
    } catch {
      // already gone
    }
    rmSync(this.socket, { force: true });
  }
}
