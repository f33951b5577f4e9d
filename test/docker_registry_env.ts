/**
 * A private registry for the registry tests: Debian's docker-registry on 127.0.0.1 (which
 * dockerd treats as insecure, so plain HTTP) with its own config and storage in a
 * temporary directory, started and stopped by PID.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
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

export async function startRegistry(): Promise<Registry> {
  const dir = tempName("ipcat-registry");
  mkdirSync(join(dir, "data"), { recursive: true });
  const port = await freePort();
  writeFileSync(
    join(dir, "config.yml"),
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\n` +
      `http:\n  addr: 127.0.0.1:${port}\nlog:\n  level: error\n`,
  );
  const child: ChildProcess = spawn(REGISTRY_BINARY, ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  const host = `127.0.0.1:${port}`;
  await eventually(async () => {
    if (child.exitCode !== null) return true;
    return await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false);
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
