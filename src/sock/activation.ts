/**
 * systemd socket activation and readiness for `ipcat sock serve`: the listening sockets
 * passed in `LISTEN_FDS` (from descriptor 3 on, for `LISTEN_PID`), and `READY=1` /
 * `STOPPING=1` sent to `NOTIFY_SOCKET` (a unix datagram socket, `datagram.ts`).
 *
 * @module
 */
import process from "node:process";
import { type Listener, runtime } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import { sendDatagram } from "./datagram.ts";

const LIBC_SYMBOLS = {
  getsockname: { args: ["i32", "buffer", "buffer"], returns: "i32" },
} as const;
const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
/** The first inherited descriptor (SD_LISTEN_FDS_START). */
const FIRST_FD = 3;

let libc: ReturnType<typeof loadLibc> | undefined;
function loadLibc() {
  return runtime.dlopen("libc.so.6", LIBC_SYMBOLS);
}

/** The inherited listening descriptors, and the variables taken out of the environment. */
export function inheritedDescriptors(env: NodeJS.ProcessEnv = process.env): number[] {
  const pid = env.LISTEN_PID;
  const count = env.LISTEN_FDS;
  if (pid === undefined || count === undefined) {
    throw new IpcatError("usage", "--listen-fds: no LISTEN_FDS and LISTEN_PID in the environment", {
      hint: "start the server from a systemd .socket unit or systemd-socket-activate",
    });
  }
  if (pid !== String(process.pid)) {
    throw new IpcatError(
      "usage",
      `--listen-fds: LISTEN_PID is ${pid}, not this process (${process.pid}): the sockets are another process's`,
      { hint: "let systemd start ipcat itself (not through a wrapper that forks)" },
    );
  }
  if (!/^[1-9]\d*$/.test(count)) {
    throw new IpcatError("usage", `--listen-fds: LISTEN_FDS is '${count}', not a positive number`);
  }
  // CMD must not believe the sockets were passed to it.
  for (const name of ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]) delete env[name];
  return Array.from({ length: Number(count) }, (_, i) => FIRST_FD + i);
}

/** Whether `fd` is a unix or an IP socket, from getsockname(2). */
function transportOf(fd: number): "unix" | "tcp" {
  const address = new Uint8Array(128);
  const length = new Uint8Array(new Uint32Array([128]).buffer);
  libc ??= loadLibc();
  if (libc.symbols.getsockname(fd, address, length) !== 0) {
    throw new IpcatError("usage", `--listen-fds: descriptor ${fd} is not a socket`, {
      hint: "check the .socket unit",
    });
  }
  const family = address[0]! | (address[1]! << 8);
  if (family === AF_UNIX) return "unix";
  if (family === AF_INET || family === AF_INET6) return "tcp";
  throw new IpcatError("usage", `--listen-fds: descriptor ${fd} has address family ${family}`, {
    hint: "give ipcat unix or TCP stream sockets",
  });
}

/**
 * Listens on every inherited descriptor, as one listener. Refused where the runtime
 * cannot adopt a descriptor (Deno).
 */
export async function listenInherited(fds: readonly number[]): Promise<Listener> {
  const listenFd = runtime.listenFd;
  if (!listenFd) {
    throw new IpcatError(
      "usage",
      `--listen-fds: ${runtime.name} cannot serve an inherited socket`,
      { hint: "run socket-activated servers with the compiled binary or Bun" },
    );
  }
  const listeners = await Promise.all(fds.map((fd) => listenFd(fd, transportOf(fd))));
  return merged(listeners);
}

/** One listener over several: connections in the order they are accepted. */
function merged(listeners: Listener[]): Listener {
  if (listeners.length === 1) return listeners[0]!;
  const ready: Array<Promise<{ index: number; conn: Awaited<ReturnType<Listener["accept"]>> }>> =
    listeners.map((listener, index) => listener.accept().then((conn) => ({ index, conn })));
  let open = listeners.length;
  return {
    async accept() {
      while (open > 0) {
        const { index, conn } = await Promise.race(ready);
        if (conn === null) {
          ready[index] = NEVER;
          open--;
          continue;
        }
        ready[index] = listeners[index]!.accept().then((next) => ({ index, conn: next }));
        return conn;
      }
      return null;
    },
    close() {
      for (const listener of listeners) listener.close();
    },
  };
}
const NEVER = new Promise<never>(() => {});

/**
 * The service manager at `NOTIFY_SOCKET`, if any, taken out of the environment (CMD must
 * not report for the server). `notify` sends a state (`READY=1`, `STOPPING=1`) as one
 * datagram; a failure is logged and otherwise ignored (the service works without it).
 */
export function serviceManager(log: (line: string) => void): { notify(state: string): void } {
  const target = process.env.NOTIFY_SOCKET;
  delete process.env.NOTIFY_SOCKET;
  return {
    notify(state) {
      if (!target) return;
      try {
        sendDatagram(target, new TextEncoder().encode(state));
      } catch (error) {
        log(
          `cannot notify the service manager at ${target} (${state}): ${(error as Error).message}`,
        );
      }
    },
  };
}
