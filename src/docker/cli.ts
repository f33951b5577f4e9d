/**
 * `ipcat docker …`: the Docker Engine API over its unix socket, with the docker CLI's
 * option names, output and exit codes (the container's own; 125 for daemon or client
 * errors; 126 and 127 when the command cannot be invoked or is not found).
 *
 * @module
 */
import type { Command, Family } from "../cli/command.ts";
import { inspect, ping, ps, version } from "./commands/info.ts";
import { create, kill, rm, run, start, stop, wait } from "./commands/lifecycle.ts";
import { attach, exec, logs } from "./commands/streams.ts";
import { importImage } from "./commands/images.ts";
import { dockerExitError } from "./exit.ts";

/** The docker family's commands. */
export const dockerFamily: Family = {
  name: "docker",
  summary: "Drive the Docker Engine API over its unix socket, with no docker CLI installed",
  description:
    `Container lifecycle, attach, run and exec with stdin, TTY, detach keys and exit codes,
as the docker CLI does them. DOCKER_HOST selects the engine (unix:// or tcp://, with TLS
from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH); DOCKER_API_VERSION pins the API version.
Exit codes: the container's own; 125 when the daemon or ipcat fails; 126 when the
command cannot be invoked; 127 when it is not found.`,
  commands: [
    ping,
    version,
    ps,
    inspect,
    create,
    start,
    run,
    attach,
    exec,
    logs,
    stop,
    kill,
    rm,
    wait,
    importImage,
  ] as Command<unknown>[],
  mapError: dockerExitError,
};
