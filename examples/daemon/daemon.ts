// The daemon: `bun examples/daemon/daemon.ts SOCKET` (or `deno run -A …`). It serves the
// two typed services, describes them through ipcat.services, and logs every client and
// every channel's completion (a client killed with -9 shows as `disconnected`).
import process from "node:process";
import { implement, serve, type Service, servicesService } from "../../src/sock/mod.ts";
import { ExecCommand, Monitor } from "./services.ts";

const path = process.argv[2];
if (!path) {
  console.error("usage: daemon.ts SOCKET");
  process.exit(2);
}

const reachable = new Set([1, 2, 3]);
const started = Date.now();

const services: Record<string, Service> = {
  [ExecCommand.name]: implement(ExecCommand, ({ input }) => ({
    responses: input.nodeIds.map((nodeId) => ({
      nodeId,
      status: reachable.has(nodeId) ? "ok" as const : "unreachable" as const,
    })),
  })),
  [Monitor.name]: implement(Monitor, async ({ input, messages, send, signal }) => {
    let watched: number[] = [];
    let heartbeats = 0;
    let clientDone = false;
    // The client's messages change the watched set; its half-close ends the stream.
    const reading = (async () => {
      for await (const { watch } of messages) watched = watch;
      clientDone = true;
    })();
    while (!clientDone && !signal.aborted) {
      for (const nodeId of watched) {
        await send({ nodeId, uptimeS: (Date.now() - started) / 1000, health: "nominal" });
        heartbeats++;
      }
      await new Promise((r) => setTimeout(r, input.intervalMs));
    }
    await reading.catch(() => {}); // a dropped client ends its messages with an error
    return { heartbeats };
  }),
};
services["ipcat.services"] = servicesService(services);

const server = await serve(path, {
  services,
  log: (line) => console.error(`daemon: ${line}`),
  hooks: {
    channelEnded: (r) =>
      console.error(
        `daemon: channel ${r.tag} (${r.service}) of client ${r.client.id} ended: ${r.name}`,
      ),
  },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void server.close().then(() => process.exit(0)));
}
console.error(`daemon: ready on ${path}`);
