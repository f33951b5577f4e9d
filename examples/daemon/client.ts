// The SDK side: `bun examples/daemon/client.ts SOCKET [--hold]`. It opens several
// channels on one connection at once: two exec_cmd calls and a monitor stream whose
// watched set it changes midway. With --hold it keeps the monitor open until the daemon
// goes away, then reports how the channel completed (exit 8 on `disconnected`).
import process from "node:process";
import { IpcatError } from "../../src/errors.ts";
import { connect } from "../../src/sock/mod.ts";
import { ExecCommand, Monitor } from "./services.ts";

const path = process.argv[2];
const hold = process.argv.includes("--hold");
if (!path) {
  console.error("usage: client.ts SOCKET [--hold]");
  process.exit(2);
}

const client = await connect(path, { wait: 5 });
const monitor = client.stream(Monitor, { intervalMs: hold ? 20 : 5 });
await monitor.send({ watch: [1, 2] });

const watching = (async () => {
  let seen = 0;
  for await (const beat of monitor) {
    console.log(`heartbeat node ${beat.nodeId} health ${beat.health}`);
    seen++;
    if (!hold && seen === 4) await monitor.send({ watch: [3] });
    if (!hold && seen === 6) monitor.closeWrite();
  }
  return await monitor.result;
})();

// Two calls on the same connection while the stream runs.
const [restart, identify] = await Promise.all([
  client.call(ExecCommand, { nodeIds: [1, 9], command: "restart" }, { timeoutMs: 5000 }),
  client.call(ExecCommand, { nodeIds: [3], command: "identify" }, { timeoutMs: 5000 }),
]);
for (const r of [...restart.responses, ...identify.responses]) {
  console.log(`exec node ${r.nodeId}: ${r.status}`);
}

try {
  const { heartbeats } = await watching;
  console.log(`monitor: ok after ${heartbeats} heartbeats`);
  await client.close();
} catch (error) {
  const end = await monitor.channel.done;
  console.log(`monitor: ${end.name}`);
  await client.close();
  process.exit(error instanceof IpcatError ? error.exitCode : 1);
}
