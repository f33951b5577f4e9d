/**
 * The raw queue commands: `create`, `unlink`, `stat`, `ls` (./admin_cli.ts), `send`
 * (./send_cli.ts) and `recv` (./recv_cli.ts), in help order.
 *
 * @module
 */
import { adminCommands } from "./admin_cli.ts";
import { recv } from "./recv_cli.ts";
import { send } from "./send_cli.ts";

/** The raw queue commands, in help order. */
export const rawCommands = [
  adminCommands.create,
  send,
  recv,
  adminCommands.stat,
  adminCommands.ls,
  adminCommands.unlink,
];
