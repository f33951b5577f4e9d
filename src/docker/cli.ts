/**
 * `ipcat docker …`: the Docker Engine API over its unix socket, with the docker CLI's
 * commands, option names, output and exit statuses (see `./exit.ts`).
 *
 * @module
 */
import type { Command, Family } from "../cli/command.ts";
import { api } from "./commands/api.ts";
import { build } from "./commands/build.ts";
import { contextCommands } from "./commands/context.ts";
import { dialStdio } from "./commands/dial_stdio.ts";
import { cp } from "./commands/files.ts";
import { groupCommand } from "./commands/groups.ts";
import { images, importImage, rmi, tag } from "./commands/images.ts";
import { inspect, ping, ps } from "./commands/info.ts";
import { version } from "./commands/version.ts";
import { create, kill, rm, run, start, stop, wait } from "./commands/lifecycle.ts";
import { networkCommands, volumeCommands } from "./commands/objects.ts";
import { proxy } from "./commands/proxy.ts";
import { login, logout, pull, push } from "./commands/registry.ts";
import { search } from "./commands/search.ts";
import { pause, port, rename, restart, top, unpause, update } from "./commands/state.ts";
import { commit, diff, exportContainer, history, load, save } from "./commands/snapshots.ts";
import { stats } from "./commands/stats.ts";
import { attach, exec, logs } from "./commands/streams.ts";
import { events, info, systemCommands } from "./commands/system.ts";
import { takeDaemonOptions } from "./daemon.ts";
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
  build,
  history,
  import: importImage,
  load,
  save,
  inspect,
  ls: images,
  list: images,
  pull,
  push,
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
detach keys) and the docker CLI's output and exit statuses. The engine is found as the
docker CLI finds it: 'ipcat docker -H HOST COMMAND' or '-c CONTEXT' (before the command),
else DOCKER_HOST (unix:// or tcp://, with TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH),
else DOCKER_CONTEXT, else currentContext in ~/.docker/config.json (DOCKER_CONFIG moves it),
else /var/run/docker.sock, or when that is missing the rootless socket
($XDG_RUNTIME_DIR/docker.sock) or Podman's, with a note naming the one used. Contexts are
the docker CLI's own (see 'context'); detachKeys in config.json is honoured.
DOCKER_API_VERSION pins the API version. Exit statuses: the container's own; 125 for a bad
flag and for run's own failures; 1 for other commands' failures; 126 when the command
cannot be invoked; 127 when it is not found.`,
  commands: [
    api,
    attach,
    build,
    commit,
    cp,
    create,
    diff,
    dialStdio,
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
    login,
    logout,
    logs,
    pause,
    ping,
    port,
    proxy,
    ps,
    pull,
    push,
    rename,
    restart,
    rm,
    rmi,
    run,
    save,
    search,
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
    groupCommand(
      "context",
      "Manage contexts, shared with the docker CLI (context ls, context use, …)",
      asCommands(contextCommands),
    ),
    groupCommand("image", "Manage images (image ls, image rm, …)", imageCommands),
    groupCommand("network", "Manage networks", asCommands(networkCommands)),
    groupCommand(
      "system",
      "The daemon as a whole (system df, system info, system events)",
      asCommands({ ...systemCommands, "dial-stdio": dialStdio }),
    ),
    groupCommand("volume", "Manage volumes", asCommands(volumeCommands)),
  ] as Command<unknown>[],
  mapError: dockerExitError,
  takeLeadingOptions: takeDaemonOptions,
};
