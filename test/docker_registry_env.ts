/**
 * A private registry for the registry tests: Debian's docker-registry on 127.0.0.1 (which
 * dockerd treats as insecure, so plain HTTP) with its own config and storage in a
 * temporary directory, started and stopped by PID; with `users`, it requires basic auth
 * (an htpasswd file of bcrypt hashes, made with python3's crypt, as `htpasswd -B` would).
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { eventually, tempName } from "./harness.ts";

export const REGISTRY_BINARY = "/usr/bin/docker-registry";

/** A running registry: its host:port, for image names. */
export interface Registry {
  host: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An htpasswd line for `user`: a bcrypt hash ($2b$), which the registry's Go bcrypt takes. */
function htpasswdLine(user: string, password: string): string {
  const script =
    "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))";
  const hash = execFileSync("python3", ["-W", "ignore", "-c", script, password], {
    encoding: "utf8",
  }).trim();
  return `${user}:${hash}\n`;
}

/** Starts a registry; with `users` (name to password) it requires their basic auth. */
export async function startRegistry(users?: Record<string, string>): Promise<Registry> {
  const dir = tempName("ipcat-registry");
  mkdirSync(join(dir, "data"), { recursive: true });
  const port = await freePort();
  let auth = "";
  if (users) {
    const lines = Object.entries(users).map(([user, password]) => htpasswdLine(user, password));
    writeFileSync(join(dir, "htpasswd"), lines.join(""));
    auth = `auth:\n  htpasswd:\n    realm: ipcat-test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  writeFileSync(
    join(dir, "config.yml"),
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\n` +
      `http:\n  addr: 127.0.0.1:${port}\n${auth}log:\n  level: error\n`,
  );
  const child: ChildProcess = spawn(REGISTRY_BINARY, ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  const host = `127.0.0.1:${port}`;
  await eventually(async () => {
    if (child.exitCode !== null) return true;
    // Up once /v2/ answers: 200, or 401 when it wants credentials.
    return await fetch(`http://${host}/v2/`).then((r) => r.ok || r.status === 401, () => false);
  }, "the registry to answer /v2/");
  if (child.exitCode !== null) throw new Error(`docker-registry failed to start: ${log}`);
  return {
    host,
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
