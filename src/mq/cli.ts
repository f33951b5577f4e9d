/**
 * `ipcat mq …`: POSIX message queues and the AppScope/AppView request protocol.
 *
 * @module
 */
import type { Family } from "../cli/command.ts";
import { protocolCommands } from "./protocol_cli.ts";
import { rawCommands } from "./raw_cli.ts";
import { infoCommands } from "./info_cli.ts";

/** The mq family's commands. */
export const mqFamily: Family = {
  name: "mq",
  summary:
    "POSIX message queues: raw send/receive/admin, and the AppScope/AppView request protocol",
  description:
    "Raw queue commands (create, send, recv, stat, ls, unlink, limits) and both roles of the framed\nJSON request protocol that the scope and appview CLIs speak with their libraries.",
  commands: [...rawCommands, ...infoCommands, ...protocolCommands],
};
