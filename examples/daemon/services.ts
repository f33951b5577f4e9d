// The daemon's two typed services (seed 004: a daemon reached through routed channels,
// used by an SDK). One definition serves both ends: daemon.ts implements them,
// client.ts calls them, and neither has a hand-written type or check of its own.
import * as v from "valibot";
import { defineService } from "../../src/sock/mod.ts";

const NodeId = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(127));

/** Request/response: run a command on some nodes, answer per node. */
export const ExecCommand = defineService({
  name: "ocvsmd.exec_cmd",
  version: "1.0.0",
  open: v.object({
    nodeIds: v.pipe(v.array(NodeId), v.minLength(1)),
    command: v.picklist(["restart", "identify"]),
  }),
  result: v.object({
    responses: v.array(v.object({ nodeId: NodeId, status: v.picklist(["ok", "unreachable"]) })),
  }),
});

/**
 * A bidirectional stream: the client changes the set of watched nodes at any time, the
 * daemon streams their heartbeats until the client half-closes.
 */
export const Monitor = defineService({
  name: "ocvsmd.monitor",
  version: "1.0.0",
  open: v.object({ intervalMs: v.pipe(v.number(), v.integer(), v.minValue(5)) }),
  clientMessage: v.object({ watch: v.array(NodeId) }),
  serverMessage: v.object({ nodeId: NodeId, uptimeS: v.number(), health: v.literal("nominal") }),
  result: v.object({ heartbeats: v.number() }),
});
