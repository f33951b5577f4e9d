/**
 * `ipcat sock serve --log json`: one JSON object per line on stderr for every event, so
 * that a log shipper needs no parsing rules: `{"time", "event", …}` with the events
 * `log` (every line the text log has), `client_connected`, `client_disconnected`,
 * `channel_opened` and `channel_ended` (code, duration, bytes).
 *
 * @module
 */
import { writeErr } from "../cli/io.ts";
import type { ServerHooks } from "./hooks.ts";
import type { ClientContext } from "./server.ts";

/** A log function and hooks writing JSON lines through `write` (default: stderr). */
export function jsonLogging(
  write: (line: string) => void = (line) => void writeErr(line),
): { log: (line: string) => void; hooks: ServerHooks } {
  const emit = (event: string, fields: Record<string, unknown>) =>
    write(JSON.stringify({ time: new Date().toISOString(), event, ...fields }) + "\n");
  const who = (client: ClientContext) => ({
    client: client.id,
    ...(client.peer ? { uid: client.peer.uid, gid: client.peer.gid, pid: client.peer.pid } : {}),
  });
  return {
    log: (message) => emit("log", { message }),
    hooks: {
      clientConnected: (client) =>
        emit("client_connected", {
          ...who(client),
          protocol: `${client.version.major}.${client.version.minor}`,
        }),
      clientDisconnected: (client, { openChannels }) =>
        emit("client_disconnected", { ...who(client), open_channels: openChannels }),
      channelOpened: ({ client, service, tag }) =>
        emit("channel_opened", { ...who(client), service, channel: tag }),
      channelEnded: (report) =>
        emit("channel_ended", {
          ...who(report.client),
          service: report.service,
          channel: report.tag,
          code: report.code,
          name: report.name,
          reason: report.reason,
          duration_ms: Math.round(report.durationMs * 1000) / 1000,
          bytes_in: report.bytesIn,
          bytes_out: report.bytesOut,
        }),
    },
  };
}
