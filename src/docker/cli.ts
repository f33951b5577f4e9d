/**
 * `ipcat docker …`: the Docker Engine API over its unix socket.
 *
 * @module
 */
import type { Family } from "../cli/command.ts";

/** The docker family's commands. */
export const dockerFamily: Family = {
  name: "docker",
  summary: "Drive the Docker Engine API over its unix socket, with no docker CLI installed",
  description: "Container lifecycle, attach, run and exec with stdin, TTY, detach keys and exit codes,\nas the docker CLI does them. DOCKER_HOST selects the engine (unix:// or tcp://).",
  commands: [],
};
