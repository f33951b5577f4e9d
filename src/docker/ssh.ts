/**
 * `DOCKER_HOST=ssh://[user@]host[:port]`, as the docker CLI does it: each connection to
 * the daemon is an `ssh … -- host docker system dial-stdio` whose stdin and stdout are
 * the connection. So that the REST client and the hijacked streams need nothing new,
 * ipcat listens on a private unix socket (a 0700 temporary directory) and runs one ssh
 * per connection accepted there; the socket and its directory are removed at exit (after
 * a death by an unhandled signal, by the next ssh:// use: see `removeStaleBridges`).
 *
 * @module
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type Child, type Conn, runtime } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import type { DockerEndpoint } from "./host.ts";

/** An `ssh://` host, parsed. */
export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
  /** The URL as given, for messages. */
  display: string;
}

/**
 * Parses `ssh://[user@]host[:port]`; a path is refused, as the CLI refuses it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSshHost, sshArgv } from "./ssh.ts";
 * const target = parseSshHost("ssh://me@build.example:2222");
 * assert.deepEqual(sshArgv(target), ["ssh", "-l", "me", "-p", "2222", "--", "build.example", "docker", "system", "dial-stdio"]);
 * ```
 */
export function parseSshHost(spec: string): SshTarget {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw badSsh(spec, "not a URL");
  }
  if (url.protocol !== "ssh:" || !url.hostname) throw badSsh(spec, "no host");
  if (url.pathname && url.pathname !== "/") throw badSsh(spec, "extra path after the host");
  if (url.password) throw badSsh(spec, "plain-text password is not supported");
  return {
    ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    ...(url.port ? { port: Number(url.port) } : {}),
    display: spec,
  };
}

function badSsh(spec: string, why: string): IpcatError {
  return new IpcatError("docker", `DOCKER_HOST '${spec}': ${why}`, {
    hint: "use ssh://[user@]host[:port]",
  });
}

/** The command the docker CLI runs for one connection. */
export function sshArgv(target: SshTarget): string[] {
  return [
    "ssh",
    ...(target.user ? ["-l", target.user] : []),
    ...(target.port ? ["-p", String(target.port)] : []),
    "--",
    target.host,
    "docker",
    "system",
    "dial-stdio",
  ];
}

/** Starts one `ssh … docker system dial-stdio`. */
function spawnSsh(target: SshTarget): Child {
  try {
    return runtime.spawn(sshArgv(target), { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  } catch (error) {
    throw new IpcatError("unavailable", `cannot run ssh: ${(error as Error).message}`, {
      hint: "install an ssh client (Debian: openssh-client)",
      cause: error,
    });
  }
}

/** Copies a connection and a child's stdio into each other until either side ends. */
async function bridgeToSsh(conn: Conn, child: Child): Promise<void> {
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  let stderr = "";
  const errors = (async () => {
    const decoder = new TextDecoder();
    for (let chunk = await child.stderr!.read(); chunk; chunk = await child.stderr!.read()) {
      stderr += decoder.decode(chunk, { stream: true });
    }
  })();
  const up = (async () => {
    for (let chunk = await conn.read(); chunk; chunk = await conn.read()) await stdin.write(chunk);
    await stdin.close();
  })().catch(() => {});
  try {
    for (let chunk = await stdout.read(); chunk; chunk = await stdout.read()) {
      if (!conn.write(chunk)) await conn.drain();
    }
  } catch {
    // the client went away: ssh is stopped below
  }
  // ssh's stdout ends as it exits. What it said goes out before the client sees the end,
  // so that it precedes (and explains) the client's own error about the lost connection.
  const status = await child.exited;
  await errors.catch(() => {});
  const said = stderr.trim();
  if (status.code !== 0 && said) {
    const line = said.startsWith("ssh:") ? said : `ssh: ${said}`;
    await runtime.stderr.write(new TextEncoder().encode(`${line}\n`));
  }
  await conn.closeWrite().catch(() => {});
  conn.close();
  await up;
}

/**
 * Removes the bridge directories of ipcat processes that are gone. A process killed by a
 * signal it does not handle runs no exit hook, so its directory stays until the next
 * ssh:// use sweeps it here.
 */
function removeStaleBridges(): void {
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^ipcat-ssh-(\d+)-/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    const path = join(tmpdir(), name);
    try {
      if (uid === undefined || statSync(path).uid === uid) {
        rmSync(path, { recursive: true, force: true });
      }
    } catch {
      // another sweeper got there first
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * Starts the local end of an ssh:// daemon: a unix socket whose every connection is one
 * `ssh … docker system dial-stdio`. Removed when the process exits.
 */
export async function sshEndpoint(target: SshTarget): Promise<DockerEndpoint> {
  removeStaleBridges();
  const dir = mkdtempSync(join(tmpdir(), `ipcat-ssh-${process.pid}-`));
  const path = join(dir, "docker.sock");
  const listener = await runtime.listenUnix(path);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    listener.close();
    rmSync(dir, { recursive: true, force: true });
  };
  // Bun emits the process's "exit" at exit; Deno dispatches the web "unload" event instead.
  process.once("exit", remove);
  globalThis.addEventListener?.("unload", remove);
  // The first ssh starts now, so that its handshake overlaps the client's own start-up;
  // later connections (hijacked streams) start theirs when they come. A spare never used
  // ends with this process: its stdin closes, and the far side's dial-stdio with it.
  let spare: Child | null = spawnSsh(target);
  void (async () => {
    for (;;) {
      const conn = await listener.accept().catch(() => null);
      if (conn === null) return;
      try {
        const child = spare ?? spawnSsh(target);
        spare = null;
        void bridgeToSsh(conn, child).catch(() => conn.close());
      } catch {
        conn.close();
      }
    }
  })();
  return {
    target: { unix: path },
    baseUrl: "http://docker",
    hostHeader: "docker",
    display: target.display,
  };
}
