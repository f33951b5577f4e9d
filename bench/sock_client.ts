/**
 * The ipcat side of the routed echo benchmark, as a process of its own (the C client's
 * counterpart), using the library exactly as an application would.
 *
 *   bun bench/sock_client.ts latency PATH COUNT SIZE          prints the p50 round trip in ns
 *   bun bench/sock_client.ts hol PATH COUNT SIZE              the same on a second channel while
 *                                                             the first holds 64 MiB unread
 *   bun bench/sock_client.ts pipeline PATH COUNT SIZE WINDOW  prints COUNT START_MS END_MS (wall clock)
 *   bun bench/sock_client.ts hold PATH COUNT                  holds COUNT idle connections, prints
 *                                                             "ready", and ends at stdin's EOF
 *
 * @module
 */
import process from "node:process";
import { connect } from "../src/sock/mod.ts";
import { clientTarget } from "../src/sock/network.ts";

const [mode, path, countText, sizeText, windowText] = process.argv.slice(2);
const count = Number(countText);
const data = new Uint8Array(Number(sizeText));

if (mode === "hold") {
  const held = [];
  for (let i = 0; i < count; i += 500) {
    held.push(
      ...await Promise.all(Array.from({ length: Math.min(500, count - i) }, () => connect(path!))),
    );
  }
  console.log("ready");
  for await (const _ of process.stdin);
  for (const client of held) void client.close();
  process.exit(0);
}

// A tls:// endpoint trusts the CA in IPCAT_BENCH_CA (bench/sock_net.bench.ts).
const client = await connect(
  path!.startsWith("tls://")
    ? clientTarget(path!, { "tls-ca": process.env.IPCAT_BENCH_CA })
    : path!,
);
if (mode === "hol") {
  // Channel A: 64 MiB offered to the echo and its echoes never read. Only A waits.
  const held = client.open("ipcat.echo");
  const flood = new Uint8Array(64 * 1024);
  for (let i = 0; i < 1024; i++) void held.send(flood).catch(() => {});
}
const channel = client.open("ipcat.echo", data);
await channel.read();

if (mode === "latency" || mode === "hol") {
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
