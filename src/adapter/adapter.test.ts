// The runtime adapter of whichever runtime runs this file: `bun test` checks the Bun
// adapter, `deno test` the Deno adapter. Real sockets, real processes, real libc.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { setImmediate } from "node:timers";
import { after, describe, it } from "node:test";
import { concatBytes } from "../framing/bytes.ts";
import { runtime } from "./mod.ts";
import type { Conn } from "./types.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-adapter-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(conn: { read(): Promise<Uint8Array | null> }): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let c = await conn.read(); c !== null; c = await conn.read()) parts.push(c);
  return concatBytes(parts);
}

async function writeAll(conn: Conn, data: Uint8Array, chunk = 65536): Promise<void> {
  for (let i = 0; i < data.byteLength; i += chunk) {
    if (!conn.write(data.subarray(i, i + chunk))) await conn.drain();
  }
}

describe(`${runtime.name} adapter: unix sockets`, () => {
  it("echoes through listen/connect with half-close on both sides", async () => {
    const path = join(dir, "echo.sock");
    const listener = await runtime.listenUnix(path);
    const served = (async () => {
      const conn = (await listener.accept())!;
      const got = await readAll(conn);
      await writeAll(conn, got);
      await conn.closeWrite();
      await conn.closed.catch(() => {});
      conn.close();
    })();
    const client = await runtime.connect({ unix: path });
    const payload = new TextEncoder().encode("hello through a unix socket");
    await writeAll(client, payload);
    await client.closeWrite();
    const echoed = await readAll(client);
    client.close();
    await served;
    listener.close();
    assert.deepEqual(echoed, payload);
  });

  it("carries 16 MiB byte-exact under back-pressure in both directions", async () => {
    const path = join(dir, "bulk.sock");
    const listener = await runtime.listenUnix(path);
    const data = new Uint8Array(16 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const served = (async () => {
      const conn = (await listener.accept())!;
      for (let c = await conn.read(); c !== null; c = await conn.read()) {
        if (!conn.write(c)) await conn.drain();
      }
      await conn.closeWrite();
    })();
    const client = await runtime.connect({ unix: path });
    const [, echoed] = await Promise.all([
      writeAll(client, data).then(() => client.closeWrite()),
      readAll(client),
    ]);
    await served;
    client.close();
    listener.close();
    assert.equal(echoed.byteLength, data.byteLength);
    assert.ok(Buffer.from(echoed).equals(Buffer.from(data)), "bytes differ");
  });

  it("listens on and connects to an abstract-namespace name", async () => {
    const name = `@ipcat-test-${process.pid}-${runtime.name}`;
    const listener = await runtime.listenUnix(name);
    const served = (async () => {
      const conn = (await listener.accept())!;
      conn.write(new TextEncoder().encode("abstract ok"));
      await conn.closeWrite();
    })();
    const client = await runtime.connect({ unix: name });
    const got = new TextDecoder().decode(await readAll(client));
    await served;
    client.close();
    listener.close();
    assert.equal(got, "abstract ok");
  });

  it("reads the peer's credentials and hands a connection to a child where the runtime exposes descriptors", async () => {
    const path = join(dir, "handoff.sock");
    const listener = await runtime.listenUnix(path);
    const client = await runtime.connect({ unix: path });
    const server = (await listener.accept())!;
    if (!runtime.socketDescriptors) {
      assert.equal(server.peerCredentials, undefined);
      assert.equal(server.handOff, undefined);
    } else {
      assert.deepEqual(server.peerCredentials!(), {
        pid: process.pid,
        uid: process.getuid!(),
        gid: process.getgid!(),
      });
      const fd = server.handOff!();
      assert.ok(fd !== null && fd > 2);
      const child = runtime.spawn(["sh", "-c", 'read line; echo "child got $line"'], {
        stdin: { fd },
        stdout: { fd },
      });
      client.write(new TextEncoder().encode("hello\n"));
      await client.closeWrite();
      assert.deepEqual(await child.exited, { code: 0, signal: null });
      server.close();
      assert.equal(new TextDecoder().decode(await readAll(client)), "child got hello\n");
    }
    client.close();
    server.close();
    listener.close();
  });

  it("rejects a connect to a missing path with ENOENT", async () => {
    await assert.rejects(
      runtime.connect({ unix: join(dir, "missing.sock") }),
      (e: { code?: string }) => {
        assert.equal(e.code, "ENOENT");
        return true;
      },
    );
  });
});

describe(`${runtime.name} adapter: HTTP over a unix socket`, () => {
  it("fetches a response from a hand-written HTTP server", async () => {
    const path = join(dir, "http.sock");
    const listener = await runtime.listenUnix(path);
    let request = "";
    const served = (async () => {
      const conn = (await listener.accept())!;
      while (!request.includes("\r\n\r\n")) {
        const c = await conn.read();
        if (c === null) break;
        request += new TextDecoder().decode(c);
      }
      const body = '{"ok":true}';
      conn.write(
        new TextEncoder().encode(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        ),
      );
      await conn.closeWrite();
    })();
    const fetchUnix = runtime.httpClient({ unix: path });
    const response = await fetchUnix("http://docker/v1.43/_ping?x=1", {
      headers: { "X-Test": "1" },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
    await served;
    listener.close();
    // Deno's unix transport is a proxy and sends the absolute form (`GET http://docker/…`),
    // which HTTP/1.1 servers, dockerd included, must accept.
    assert.match(request, /^GET (http:\/\/docker)?\/v1\.43\/_ping\?x=1 HTTP\/1\.1\r\n/);
    assert.match(request, /x-test: 1/i);
  });
});

describe(`${runtime.name} adapter: FFI to libc`, () => {
  const libc = runtime.dlopen("libc.so.6", {
    getpid: { args: [], returns: "i32" },
    close: { args: ["i32"], returns: "i32" },
    strlen: { args: ["buffer"], returns: "u64" },
  });
  it("calls libc and reads errno", () => {
    assert.equal(libc.symbols.getpid(), process.pid);
    assert.equal(libc.symbols.strlen(new TextEncoder().encode("ipcat\0")), 5);
    assert.equal(libc.symbols.close(-1), -1);
    assert.equal(libc.errno(), 9, "EBADF");
  });
  it("runs a nonblocking call on another thread and writes its buffers back", async () => {
    const waiting = runtime.dlopen("libc.so.6", {
      usleep: { args: ["u32"], returns: "i32", nonblocking: true },
      memset: { args: ["buffer", "i32", "u64"], returns: "u64", nonblocking: true },
    });
    let turns = 0;
    let sleeping = true;
    const spin = () => {
      turns++;
      if (sleeping) setImmediate(spin);
    };
    spin();
    assert.equal(await waiting.symbols.usleep(200_000), 0);
    sleeping = false;
    // A call on this thread would have held the loop: one turn in 200 ms.
    assert.ok(turns > 1000, `the event loop turned ${turns} times during the call`);
    const buffer = new Uint8Array(4);
    await waiting.symbols.memset(buffer, 0x41, 3);
    assert.deepEqual([...buffer], [0x41, 0x41, 0x41, 0]);
    waiting.close();
  });
});

describe(`${runtime.name} adapter: child processes and signals`, () => {
  it("pipes stdin, stdout and stderr and reports the exit code", async () => {
    const child = runtime.spawn(["sh", "-c", "cat; echo oops >&2; exit 3"], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    await child.stdin!.write(new TextEncoder().encode("piped bytes"));
    await child.stdin!.close();
    const [out, err, status] = await Promise.all([
      readAll(child.stdout!),
      readAll(child.stderr!),
      child.exited,
    ]);
    assert.equal(new TextDecoder().decode(out), "piped bytes");
    assert.equal(new TextDecoder().decode(err), "oops\n");
    assert.deepEqual(status, { code: 3, signal: null });
  });

  it("reports the signal that killed a child", async () => {
    const child = runtime.spawn(["sleep", "30"], { stdin: "null", stdout: "null", stderr: "null" });
    child.kill("SIGTERM");
    assert.deepEqual(await child.exited, { code: null, signal: "SIGTERM" });
  });

  it("passes only the given environment", async () => {
    const child = runtime.spawn(["sh", "-c", 'echo "$IPCAT_X:${HOME:-nohome}"'], {
      env: { IPCAT_X: "42", PATH: process.env.PATH ?? "/usr/bin:/bin" },
      stdout: "pipe",
    });
    assert.equal(new TextDecoder().decode(await readAll(child.stdout!)), "42:nohome\n");
    await child.exited;
  });

  it("delivers a signal to a handler and removes it", async () => {
    let count = 0;
    const got = new Promise<void>((resolve) => {
      const off = runtime.onSignal("SIGUSR2", () => {
        count++;
        off();
        resolve();
      });
    });
    const killer = runtime.spawn(["kill", "-USR2", String(process.pid)]);
    await killer.exited;
    // A signal listener does not keep Deno's event loop alive; this timer does, and
    // turns a signal that never arrives into a failure instead of a hang.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("SIGUSR2 never reached the handler")), 5000);
    });
    await Promise.race([got, timeout]).finally(() => clearTimeout(timer));
    assert.equal(count, 1);
  });
});
