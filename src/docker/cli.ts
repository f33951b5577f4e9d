/**
 * `ipcat docker …`: the Docker Engine API over its unix socket, with the docker CLI's
 * commands, option names, output and exit statuses (see `./exit.ts`).
 *
 * @module
 */
import type { Command, Family } from "../cli/command.ts";
import { cp, exportContainer } from "./commands/files.ts";
import { groupCommand } from "./commands/groups.ts";
import { images, importImage, rmi, tag } from "./commands/images.ts";
import { inspect, ping, ps, version } from "./commands/info.ts";
import { create, kill, rm, run, start, stop, wait } from "./commands/lifecycle.ts";
import { networkCommands, volumeCommands } from "./commands/objects.ts";
import { pause, port, rename, restart, top, unpause, update } from "./commands/state.ts";
import { commit, diff, history, load, save } from "./commands/snapshots.ts";
import { stats } from "./commands/stats.ts";
import { attach, exec, logs } from "./commands/streams.ts";
import { events, info, systemCommands } from "./commands/system.ts";
import { dockerExitError } from "./exit.ts";

const asCommands = (record: Record<string, unknown>) => record as Record<string, Command<unknown>>;

/** `container …`: every container command, `ls`/`list` being `ps`. */
const containerCommands = asCommands({
  attach,
  commit,
  cp,
  create,
  diff,
  exec,
  export: exportContainer,
  inspect,
  kill,
  logs,
  ls: ps,
  list: ps,
  ps,
  pause,
  port,
  rename,
  restart,
  rm,
  remove: rm,
  run,
  start,
  stats,
  stop,
  top,
  unpause,
  update,
  wait,
});

/** `image …`: `ls`/`list` being `images`, `rm`/`remove` being `rmi`. */
const imageCommands = asCommands({
  history,
  import: importImage,
  load,
  save,
  inspect,
  ls: images,
  list: images,
  rm: rmi,
  remove: rmi,
  tag,
});

/** The docker family's commands. */
export const dockerFamily: Family = {
  name: "docker",
  summary: "Drive the Docker Engine API over its unix socket, with no docker CLI installed",
  description:
    `Containers, images, volumes and networks, with attach, run and exec streams (stdin, TTY,
detach keys) and the docker CLI's output and exit statuses. DOCKER_HOST selects the engine
(unix:// or tcp://, with TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH);
DOCKER_API_VERSION pins the API version. Exit statuses: the container's own; 125 for a bad
flag and for run's own failures; 1 for other commands' failures; 126 when the command
cannot be invoked; 127 when it is not found.`,
  commands: [
    attach,
    commit,
    cp,
    create,
    diff,
    events,
    exec,
    exportContainer,
    history,
    images,
    importImage,
    info,
    inspect,
    kill,
    load,
    logs,
    pause,
    ping,
    port,
    ps,
    rename,
    restart,
    rm,
    rmi,
    run,
    save,
    start,
    stats,
    stop,
    tag,
    top,
    unpause,
    update,
    version,
    wait,
    groupCommand(
      "container",
      "Manage containers (container ls, container run, …)",
      containerCommands,
    ),
    groupCommand("image", "Manage images (image ls, image rm, …)", imageCommands),
    groupCommand("network", "Manage networks", asCommands(networkCommands)),
    groupCommand(
      "system",
      "The daemon as a whole (system df, system info, system events)",
      asCommands(systemCommands),
    ),
    groupCommand("volume", "Manage volumes", asCommands(volumeCommands)),
  ] as Command<unknown>[],
  mapError: dockerExitError,
};
