/**
 * The Bun adapter: the {@link Runtime} contract on `Bun.*` and `bun:ffi`.
 * Only this folder may import `bun:ffi` or touch `Bun.*`. Each concern has its own file,
 * and `../deno/` has the same file names.
 *
 * @module
 */
import type { Runtime } from "../types.ts";
import { connect } from "./connections.ts";
import { dlopen } from "./ffi.ts";
import { sha256Hex } from "./hashing.ts";
import { httpClient } from "./http.ts";
import { listenFd, listenTcp, listenUnix } from "./listeners.ts";
import { exit, onSignal, spawn } from "./processes.ts";
import { stderr, stdin, stdout } from "./stdio.ts";
import { isTerminal, setRawMode, terminalSize } from "./tty.ts";

/** The Bun implementation of {@link Runtime}. */
export const runtime: Runtime = {
  name: "bun",
  version: Bun.version,
  args: process.argv.slice(2),
  execPath: process.execPath,
  compiled: import.meta.path.startsWith("/$bunfs/"),
  socketDescriptors: true,
  pseudoTerminals: true,
  stdin,
  stdout,
  stderr,
  isTerminal,
  setRawMode,
  terminalSize,
  onSignal,
  exit,
  connect,
  listenUnix,
  listenTcp,
  listenFd,
  httpClient,
  dlopen,
  spawn,
  sha256Hex,
};
