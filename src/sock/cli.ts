/**
 * `ipcat sock …`: unix-socket script servers and the routed multi-client protocol.
 *
 * @module
 */
import type { Family } from "../cli/command.ts";

/** The sock family's commands. */
export const sockFamily: Family = {
  name: "sock",
  summary: "Unix-socket IPC: script server and client, socat-style raw relay, routed channels",
  description: "Run a script in one container from another through a socket on a shared volume, with\nexit codes and no cut-off replies, or serve the routed, multiplexed ipcat protocol.",
  commands: [],
};
