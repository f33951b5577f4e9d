/**
 * Unix datagram sockets through libc (neither runtime has them): one datagram sent to a
 * path, and a bound socket that receives them. `@name` is the abstract namespace.
 *
 * @module
 */
import { unlinkSync } from "node:fs";
import process from "node:process";
import { runtime } from "../adapter/mod.ts";
import { IpcatError } from "../errors.ts";
import { AF_UNIX, unixAddress } from "../libc/mod.ts";

const LIBC_SYMBOLS = {
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  bind: { args: ["i32", "buffer", "u32"], returns: "i32" },
  sendto: { args: ["i32", "buffer", "u64", "i32", "buffer", "u32"], returns: "i64" },
  recv: { args: ["i32", "buffer", "u64", "i32"], returns: "i64" },
  close: { args: ["i32"], returns: "i32" },
} as const;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
/** The largest datagram `recv` takes whole (a unix datagram's default limit is below it). */
const MAX_DATAGRAM = 1 << 20;

/** poll(2) again, on another thread, so that waiting leaves signals and timers running. */
const WAITING_SYMBOLS = {
  poll: { args: ["buffer", "u64", "i32"], returns: "i32", nonblocking: true },
} as const;
const POLLIN = 1;
/** How long one wait on the other thread lasts, so that exiting never waits on it long. */
const POLL_SLICE_MS = 200;

let libc: ReturnType<typeof loadLibc> | undefined;
let waiting: ReturnType<typeof loadWaiting> | undefined;
function loadLibc() {
  return runtime.dlopen("libc.so.6", LIBC_SYMBOLS);
}
function loadWaiting() {
  return runtime.dlopen("libc.so.6", WAITING_SYMBOLS);
}
function lib() {
  return (libc ??= loadLibc());
}

function openSocket(): number {
  const fd = lib().symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new IpcatError("failed", `socket(2) failed: errno ${lib().errno()}`);
  return fd;
}

/** The one-line error of a failed send to or bind at `path`. */
function datagramError(errno: number, path: string, doing: "send to" | "bind"): IpcatError {
  switch (errno) {
    case 2:
      return new IpcatError("not_found", `no datagram socket at ${path}`, {
        hint: "start the receiver first (ipcat sock recv PATH), or check the path",
      });
    case 111:
      return new IpcatError("unavailable", `nothing receives on ${path} (connection refused)`, {
        hint: "the receiver is gone and left its socket file behind",
      });
    case 13:
    case 1:
      return new IpcatError("permission", `permission denied: cannot ${doing} ${path}`, {
        hint: "check the socket's owner and mode, or the directory's",
      });
    case 91:
      return new IpcatError("usage", `${path} is a stream socket, not a datagram one`, {
        hint: "use 'ipcat sock connect' for stream sockets",
      });
    case 90:
      return new IpcatError("limit", `the datagram is too large for ${path}`, {
        hint: "send less (unix datagrams are limited by the socket's buffer)",
      });
    case 98:
      return new IpcatError("exists", `${path} is in use`, {
        hint: "stop the other receiver, or choose another path",
      });
    default:
      return new IpcatError("failed", `cannot ${doing} ${path}: errno ${errno}`);
  }
}

/**
 * Sends `message` as one datagram to the unix datagram socket at `path`.
 *
 * @example
 * ```ts ignore
 * import { sendDatagram } from "./datagram.ts";
 * sendDatagram("/run/systemd/notify", new TextEncoder().encode("READY=1"));
 * ```
 */
export function sendDatagram(path: string, message: Uint8Array): void {
  const bytes = unixAddress(path);
  const fd = openSocket();
  const sent = lib().symbols.sendto(
    fd,
    message,
    message.byteLength,
    MSG_NOSIGNAL,
    bytes,
    bytes.byteLength,
  );
  const errno = lib().errno();
  lib().symbols.close(fd);
  if (sent < 0) throw datagramError(errno, path, "send to");
}

/** A bound datagram socket: `receive()` the next datagram; `close()` removes its file. */
export interface DatagramReceiver {
  receive(): Promise<Uint8Array>;
  close(): void;
}

/** Binds a datagram socket at `path` (which must not exist) with file mode `mode`. */
export function bindDatagram(path: string, mode: number): DatagramReceiver {
  const bytes = unixAddress(path);
  const fd = openSocket();
  const previous = process.umask(~mode & 0o777);
  const bound = lib().symbols.bind(fd, bytes, bytes.byteLength);
  const errno = lib().errno();
  process.umask(previous);
  if (bound !== 0) {
    lib().symbols.close(fd);
    throw datagramError(errno, path, "bind");
  }
  let closed = false;
  return {
    async receive() {
      const buffer = new Uint8Array(MAX_DATAGRAM);
      const pollfd = new Uint8Array(8);
      new DataView(pollfd.buffer).setInt32(0, fd, true);
      new DataView(pollfd.buffer).setInt16(4, POLLIN, true);
      for (;;) {
        const size = lib().symbols.recv(fd, buffer, buffer.byteLength, MSG_DONTWAIT | MSG_TRUNC);
        if (size >= 0) {
          if (size > buffer.byteLength) {
            throw new IpcatError(
              "limit",
              `a datagram of ${size} bytes on ${path} is over ${MAX_DATAGRAM}`,
            );
          }
          return buffer.slice(0, size);
        }
        const errno = lib().errno();
        if (errno !== 11 && errno !== 4) {
          throw new IpcatError("failed", `receiving on ${path} failed: errno ${errno}`);
        }
        // Nothing yet (EAGAIN): wait for one on another thread, a slice at a time.
        await (waiting ??= loadWaiting()).symbols.poll(pollfd, 1, POLL_SLICE_MS);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      lib().symbols.close(fd);
      if (!path.startsWith("@")) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
}
