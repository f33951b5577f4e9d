/**
 * `ipcat sock connect --seqpacket`'s relay on descriptors, blocking in poll(2) as the
 * stream relay (`fdrelay.ts`) does, for when nothing has to run on the event loop (no
 * `--trace`, no timeouts, no `-- CMD`). Each read(2) of stdin is one packet; where stdin
 * is itself a packet socket (SOCK_SEQPACKET or SOCK_DGRAM), each of its packets is sized
 * first and passed on whole, whatever its size. Each packet received is sized first
 * (MSG_PEEK|MSG_TRUNC) and written to stdout whole: a packet socket on stdout gets the same
 * packets.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import { decodeRawRefusal, type RawRefusal } from "../framing/raw_refusal.ts";
import {
  Errno,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  MSG_PEEK,
  MSG_TRUNC,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  SHUT_WR,
  SOCK_SEQPACKET,
  SOL_SOCKET,
} from "../libc/mod.ts";
import { MAX_PACKET } from "./seqpacket.ts";
import { pollWithStdin, type SocketCalls, socketCalls, waitFor } from "./socket_calls.ts";

/** `getsockopt(2)`: the socket's type. */
const SO_TYPE = 3;
const SOCK_DGRAM = 2;

/** A growable buffer: packets are as large as their sender makes them. */
class PacketBuffer {
  bytes = new Uint8Array(MAX_PACKET);
  fit(size: number): Uint8Array {
    if (size > this.bytes.byteLength) this.bytes = new Uint8Array(size);
    return this.bytes;
  }
}

/** True when `fd` is a socket that keeps message boundaries. */
function isPacketSocket(c: SocketCalls, fd: number): boolean {
  const type = new Uint8Array(4);
  const length = new Uint8Array(4);
  length[0] = 4;
  if (c.symbols.getsockopt(fd, SOL_SOCKET, SO_TYPE, type, length) !== 0) return false;
  const value = new DataView(type.buffer).getInt32(0, true);
  return value === SOCK_SEQPACKET || value === SOCK_DGRAM;
}

/**
 * The size of the next packet waiting on `fd` (0 at its end), or -1 with errno set when
 * there is none yet or the call failed.
 */
function nextPacketSize(c: SocketCalls, fd: number, probe: Uint8Array): number {
  return c.symbols.recv(fd, probe, 1, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
}

/** Writes all of `data` to `fd`, waiting while it is full. False when `fd` is gone. */
function writeAll(c: SocketCalls, fd: number, data: Uint8Array, size: number): boolean {
  for (let offset = 0; offset < size;) {
    const written = c.symbols.write(fd, offset === 0 ? data : data.subarray(offset), size - offset);
    if (written >= 0) offset += written;
    else if (c.errno() === Errno.EAGAIN) waitFor(c, fd, POLLOUT); // the runtime may have made it non-blocking
    else if (c.errno() !== Errno.EINTR) return false;
  }
  return true;
}

/** The error of a packet from stdin that the socket cannot take whole. */
function tooLarge(size: number): IpcatError {
  return new IpcatError(
    "limit",
    `a packet of ${size} bytes from stdin is too large for the socket`,
    {
      hint: "send smaller packets (a unix socket's limit is its send buffer, about 200 KiB)",
    },
  );
}

/**
 * Relays stdin to the seqpacket socket `fd` and its packets to stdout until the peer's
 * end; stdin's EOF shuts down writing. Closes `fd`. Returns the notice of a raw server that
 * refused us (its first packet), or `null`.
 *
 * @example
 * ```ts ignore
 * import { connectSeqpacketFd } from "./seqpacket.ts";
 * import { relaySeqpacketFds } from "./seqpacket_relay.ts";
 * relaySeqpacketFds(connectSeqpacketFd("@jobs"));
 * ```
 */
export function relaySeqpacketFds(fd: number): RawRefusal | null {
  const c = socketCalls()!; // loaded already: the socket was connected through it
  const { read, recv, send, shutdown, close } = c.symbols;
  const probe = new Uint8Array(1);
  const inbound = new PacketBuffer();
  const outbound = new PacketBuffer();
  const stdinPackets = isPacketSocket(c, 0);
  /** A packet from stdin the socket had no room for yet. */
  let pending: Uint8Array | null = null;
  let stdinOpen = true;
  let first = true;
  const finishInput = () => {
    stdinOpen = false;
    if (!pending) shutdown(fd, SHUT_WR);
  };
  try {
    for (;;) {
      const wantStdin = stdinOpen && !pending;
      const ready = pollWithStdin(c, fd, POLLIN | (pending ? POLLOUT : 0), wantStdin);
      if (!ready) return null;
      const socketEvents = ready.socket;
      if (socketEvents & POLLNVAL) return null;
      if (socketEvents & (POLLIN | POLLHUP | POLLERR)) {
        const size = nextPacketSize(c, fd, probe);
        if (size === 0) return null; // the peer's end (an empty packet reads the same)
        if (size < 0 && c.errno() !== Errno.EAGAIN && c.errno() !== Errno.EINTR) return null;
        if (size > 0) {
          const packet = inbound.fit(size);
          if (recv(fd, packet, size, MSG_DONTWAIT) !== size) return null;
          if (first) {
            first = false;
            const refusal = decodeRawRefusal(packet.subarray(0, size));
            if (refusal) return refusal;
          }
          if (!writeAll(c, 1, packet, size)) return null;
        }
      }
      if (pending && socketEvents & POLLOUT) {
        const sent = send(fd, pending, pending.byteLength, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent >= 0 || c.errno() !== Errno.EAGAIN) {
          // Sent, or the server stopped reading for good: what it still sends is read above.
          if (sent < 0) stdinOpen = false;
          pending = null;
          if (!stdinOpen) shutdown(fd, SHUT_WR);
        }
      }
      if (!wantStdin || !(ready.stdin & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
        continue;
      }
      let size = MAX_PACKET;
      if (stdinPackets) {
        size = nextPacketSize(c, 0, probe);
        if (size < 0 && (c.errno() === Errno.EAGAIN || c.errno() === Errno.EINTR)) continue;
      }
      const packet = outbound.fit(size);
      const n = size <= 0 ? size : read(0, packet, size);
      if (n < 0 && (c.errno() === Errno.EINTR || c.errno() === Errno.EAGAIN)) continue;
      if (n <= 0) {
        finishInput();
        continue;
      }
      const sent = send(fd, packet, n, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent < 0 && c.errno() === Errno.EAGAIN) pending = packet.slice(0, n);
      else if (sent < 0 && c.errno() === Errno.EMSGSIZE) throw tooLarge(n);
      else if (sent < 0) stdinOpen = false; // the server stopped reading; its reply is still read
    }
  } finally {
    close(fd);
  }
}
