// Socket-file life cycle and endpoint parsing, with real sockets.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, describe, it } from "node:test";
import { runtime } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import { dial, listenOwned, probeSocket } from "./dial.ts";
import { parseEndpoint } from "./endpoint.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-dial-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Leaves a socket file nobody listens on, as a server killed with SIGKILL does. */
async function makeStaleSocket(path: string): Promise<void> {
  const child = runtime.spawn([
    "python3",
    "-c",
    "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
    path,
  ]);
  assert.deepEqual(await child.exited, { code: 0, signal: null });
}

describe("socket files", () => {
  it("reuses a stale socket file with a note, and removes its own on close", async () => {
    const path = join(dir, "stale.sock");
    await makeStaleSocket(path);
    assert.equal(await probeSocket(path), "stale");
    const notes: string[] = [];
    const listener = await listenOwned(path, (l) => notes.push(l));
    assert.deepEqual(notes, [`removed stale socket file ${path} (nothing was listening on it)`]);
    assert.equal(await probeSocket(path), "live");
    listener.close();
    assert.equal(existsSync(path), false);
  });

  it("never steals a live socket", async () => {
    const path = join(dir, "live.sock");
    const owner = await listenOwned(path, () => {});
    await assert.rejects(
      listenOwned(path, () => {}),
      (e: IpcatError) => e.code === "exists" && e.message.includes(path),
    );
    owner.close();
  });

  it("creates the socket file with the requested mode and leaves the umask as it was", async () => {
    const before = process.umask();
    for (const mode of [0o600, 0o660]) {
      const path = join(dir, `mode-${mode.toString(8)}.sock`);
      const listener = await listenOwned(path, () => {}, { mode });
      assert.equal(statSync(path).mode & 0o777, mode);
      listener.close();
    }
    assert.equal(process.umask(), before);
  });

  it("refuses a path that is not a socket", async () => {
    const path = join(dir, "file");
    writeFileSync(path, "x");
    await assert.rejects(listenOwned(path, () => {}), (e: IpcatError) => e.code === "exists");
  });

  it("says whether a socket is missing or refusing", async () => {
    await assert.rejects(
      dial({ unix: join(dir, "none.sock") }),
      (e: IpcatError) => e.code === "not_found",
    );
    const path = join(dir, "refusing.sock");
    await makeStaleSocket(path);
    await assert.rejects(
      dial({ unix: path }),
      (e: IpcatError) => e.code === "unavailable" && /connection refused/.test(e.message),
    );
  });
});

describe("parseEndpoint", () => {
  it("accepts unix paths, abstract names and tcp", () => {
    assert.deepEqual(parseEndpoint("unix:///var/run/docker.sock"), {
      unix: "/var/run/docker.sock",
    });
    assert.deepEqual(parseEndpoint("@ipcat"), { unix: "@ipcat" });
    assert.deepEqual(parseEndpoint("rel/app.sock"), { unix: "rel/app.sock" });
    assert.deepEqual(parseEndpoint("tcp://[::1]:2375"), { host: "::1", port: 2375 });
  });
  it("refuses malformed endpoints", () => {
    assert.throws(() => parseEndpoint("tcp://host"), /not tcp:\/\/HOST:PORT/);
    assert.throws(() => parseEndpoint("http://x"), /unsupported endpoint scheme/);
  });
});
