/**
 * The Deno adapter: the {@link Runtime} contract on `Deno.*`.
 * Only this folder may touch `Deno.*`. The few Deno APIs used are typed in
 * `./deno_api.ts`, so the rest of the tree type-checks with Bun's types alone. Each
 * concern has its own file, and `../bun/` has the same file names.
 *
 * @module
 */
import type { Runtime } from "../types.ts";
import { connect } from "./connections.ts";
import { Deno } from "./deno_api.ts";
import { dlopen } from "./ffi.ts";
import { sha256Hex } from "./hashing.ts";
import { httpClient } from "./http.ts";
import { listenTcp, listenUnix } from "./listeners.ts";
import { exit, onSignal, spawn } from "./processes.ts";
import { stderr, stdin, stdout } from "./stdio.ts";
import { isTerminal, setRawMode, terminalSize } from "./tty.ts";

/** The Deno implementation of {@link Runtime}. */
export const runtime: Runtime = {
  name: "deno",
  version: Deno.version.deno,
  args: Deno.args,
  execPath: Deno.execPath(),
  compiled: false,
  pseudoTerminals: false,
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
  httpClient,
  dlopen,
  spawn,
  sha256Hex,
};
