/**
 * The ipcat side of the routed echo benchmark, as a process of its own (the C client's
 * counterpart), using the library exactly as an application would.
 *
 *   bun bench/sock_client.ts latency PATH COUNT SIZE          prints the p50 round trip in ns
 *   bun bench/sock_client.ts pipeline PATH COUNT SIZE WINDOW  prints COUNT START_MS END_MS (wall clock)
 *
 * @module
 */
import process from "node:process";
import { connect } from "../src/sock/mod.ts";

const [mode, path, countText, sizeText, windowText] = process.argv.slice(2);
const count = Number(countText);
const data = new Uint8Array(Number(sizeText));
const client = await connect(path!);
const channel = client.open("ipcat.echo", data);
await channel.read();

if (mode === "latency") {
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    void channel.send(data);
    await channel.read();
    times[i] = performance.now() - started;
  }
  times.sort();
  console.log(Math.round(times[count >> 1]! * 1e6));
} else {
  const window = Number(windowText);
  let sent = 0;
  let received = 0;
  const finished = Promise.withResolvers<void>();
  const started = performance.timeOrigin + performance.now();
  channel.onMessage = () => {
    received++;
    if (sent < count) {
      void channel.send(data);
      sent++;
    } else if (received === count) finished.resolve();
  };
  for (; sent < Math.min(window, count); sent++) void channel.send(data);
  await finished.promise;
  console.log(
    `${count} ${started.toFixed(3)} ${(performance.timeOrigin + performance.now()).toFixed(3)}`,
  );
}
client.close();
process.exit(0);
