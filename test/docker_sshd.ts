/**
 * A private sshd for the ssh:// tests: Debian's openssh-server on 127.0.0.1 with its own
 * config, host key and client key in a temporary directory, key authentication only,
 * started and stopped by PID. Its sessions find `docker` in a directory of ours: a script
 * that runs the real docker CLI when the client sent IPCAT_REMOTE=cli, else ipcat (the
 * binary), so one server tests both the CLI's dial-stdio and ipcat's.
 *
 * Clients reach it through an `ssh` wrapper first in PATH that adds our client config.
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { cliCommand, eventually, tempName } from "./harness.ts";

export const SSHD = "/usr/sbin/sshd";

/** A running sshd and what its clients need. */
export interface Sshd {
  port: number;
  /** Put first in PATH: holds the `ssh` wrapper. */
  clientBin: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts sshd with sessions pointed at `dockerHost`. */
export async function startSshd(dockerHost: string): Promise<Sshd> {
  const dir = tempName("ipcat-sshd");
  const remoteBin = join(dir, "remote-bin");
  const clientBin = join(dir, "client-bin");
  mkdirSync(remoteBin, { recursive: true });
  mkdirSync(clientBin, { recursive: true });
  mkdirSync("/run/sshd", { recursive: true });
  for (const key of ["host_key", "client_key"]) {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, key)]);
  }
  execFileSync("cp", [join(dir, "client_key.pub"), join(dir, "authorized_keys")]);
  const port = await freePort();
  writeFileSync(
    join(dir, "sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_key")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "AcceptEnv IPCAT_REMOTE",
      `SetEnv DOCKER_HOST=${dockerHost} PATH=${remoteBin}:/usr/local/bin:/usr/bin:/bin`,
      "",
    ].join("\n"),
  );
  const ipcat = cliCommand("binary")[0]!;
  writeFileSync(
    join(remoteBin, "docker"),
    `#!/bin/sh\nif [ "$IPCAT_REMOTE" = cli ]; then exec /usr/local/bin/docker "$@"; fi\nexec ${ipcat} docker "$@"\n`,
  );
  writeFileSync(
    join(dir, "ssh_config"),
    [
      "Host *",
      `  IdentityFile ${join(dir, "client_key")}`,
      "  UserKnownHostsFile /dev/null",
      "  StrictHostKeyChecking no",
      "  BatchMode yes",
      "  LogLevel ERROR",
      "  SendEnv IPCAT_REMOTE",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(clientBin, "ssh"),
    `#!/bin/sh\nexec /usr/bin/ssh -F ${join(dir, "ssh_config")} "$@"\n`,
  );
  chmodSync(join(remoteBin, "docker"), 0o755);
  chmodSync(join(clientBin, "ssh"), 0o755);
  const child: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  await eventually(
    () => existsSync(join(dir, "sshd.pid")) || child.exitCode !== null,
    "sshd to write its pidfile",
  );
  if (child.exitCode !== null) throw new Error(`sshd failed to start: ${log}`);
  return {
    port,
    clientBin,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
