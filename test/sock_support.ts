// Helpers shared by the `ipcat sock` end-to-end tests: servers started as real processes,
// a raw frame-speaking peer, process-tree inspection through /proc.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { encodeFrame, type Frame, FrameDecoder, PROTOCOL_VERSION } from "../src/framing/sock.ts";
import { eventually, exited, startCli, waitForOutput, type Way } from "./harness.ts";

/** A running server with its stderr so far. */
export interface Server {
  child: ChildProcess;
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the log matches `pattern` (its lines reach us a little after the event). */
  logShows(pattern: RegExp): Promise<void>;
}

/** Starts `ipcat sock serve ...args` and resolves once it announces that it serves. */
export async function startServer(
  way: Way,
  args: string[],
  env?: Record<string, string | undefined>,
): Promise<Server> {
  const child = startCli(way, ["sock", "serve", ...args], { env });
  let log = "";
  child.stderr!.on("data", (c: Buffer) => (log += c.toString()));
  await waitForOutput(child, "ipcat: serving ");
  return {
    child,
    log: () => log,
    async stop(signal = "SIGTERM") {
      child.kill(signal);
      return await exited(child);
    },
    logShows: (pattern) =>
      eventually(() => pattern.test(log), `the server's log to show ${pattern}`),
  };
}

/** The harness's polling wait, under the name the sock tests use. */
export { eventually as until } from "./harness.ts";

/** A raw socket that speaks frames by hand. */
export function rawPeer(path: string) {
  const socket = net.createConnection({ path });
  const decoder = new FrameDecoder(0xffffffff);
  const frames: Frame[] = [];
  let closed = false;
  let wake: (() => void) | null = null;
  socket.on("data", (chunk: Buffer) => {
    decoder.push(new Uint8Array(chunk));
    for (let f = decoder.next(); f; f = decoder.next()) frames.push(f);
    wake?.();
  });
  socket.on("close", () => {
    closed = true;
    wake?.();
  });
  socket.on("error", () => {});
  return {
    socket,
    send: (frame: Frame) => socket.write(encodeFrame(frame)),
    async next(): Promise<Frame | null> {
      while (frames.length === 0 && !closed) await new Promise<void>((r) => (wake = r));
      return frames.shift() ?? null;
    },
  };
}

/** A version 1.0 CONNECT with a 1 MiB max payload. */
export const hello = {
  kind: "connect",
  ...PROTOCOL_VERSION,
  minor: 0,
  features: 0,
  maxPayload: 1 << 20,
  code: 0,
} as const;

/** True while `pid` exists and is no zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** True once `pid` has a child (a raw server's first run). */
export function hasChildren(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim() !== "";
  } catch {
    return false;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
