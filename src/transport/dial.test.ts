// Dialing and endpoint parsing, with real sockets. (Socket-file ownership is
// src/sock/ownership.ts's, tested with the sock server.)
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runtime } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import { dial } from "./dial.ts";
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

describe("dial", () => {
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
