/**
 * `ipcat sock connect PATH -- CMD`: CMD's stdin and stdout are the connection, as with
 * socat's `UNIX-CONNECT:PATH SYSTEM:CMD`, so that a conversational client script holds
 * its dialogue with the server. The exit status is CMD's.
 *
 * @module
 */
import { type Conn, runtime } from "../adapter/mod.ts";
import { decodeRawRefusal, type RawRefusal } from "../framing/raw_refusal.ts";
import { checkCommand } from "./command_check.ts";
import { exitStatusOf } from "./services.ts";
import { onStopSignals } from "./signals.ts";
import { Deadlines } from "./timeouts.ts";

/** What became of a client-side exec: CMD's exit status, or the server's refusal. */
export type ExecOutcome = { status: number } | { refusal: RawRefusal };

/**
 * Runs `argv` with its stdin fed from `conn` and its stdout sent to `conn`; stderr stays
 * ours. CMD's stdout reaching EOF half-closes the connection; the connection's end closes
 * CMD's stdin. Once CMD exited and all it wrote was sent, the connection is closed. A stop
 * signal ends CMD (SIGTERM) before ipcat exits 128+N; an expired `limits` (idle or total,
 * in ms) ends CMD the same way and throws its error.
 */
export async function execOverConnection(
  conn: Conn,
  argv: readonly string[],
  limits: { idle: number | undefined; total: number | undefined },
  where: string,
): Promise<ExecOutcome> {
  checkCommand(argv[0]!);
  const child = runtime.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  // Expired: the connection closes and CMD is asked to stop, as on a stop signal.
  const deadlines = new Deadlines(limits, where, () => {
    conn.close();
    child.kill("SIGTERM");
  });
  const stop = onStopSignals(async () => {
    child.kill("SIGTERM");
    conn.close();
    await child.exited;
  });
  let refusal: RawRefusal | null = null;
  const outbound = (async () => {
    try {
      for (
        let chunk = await child.stdout!.read();
        chunk !== null;
        chunk = await child.stdout!.read()
      ) {
        deadlines.touch();
        if (!conn.write(chunk)) await conn.drain();
      }
      await conn.closeWrite();
    } catch {
      // the server went away: CMD learns it from its stdin's EOF
    }
  })();
  const inbound = (async () => {
    let first = true;
    try {
      for (let chunk = await conn.read(); chunk !== null; chunk = await conn.read()) {
        deadlines.touch();
        if (first) {
          first = false;
          refusal = decodeRawRefusal(chunk);
          if (refusal) break;
        }
        await child.stdin!.write(chunk);
      }
    } catch {
      // CMD stopped reading, or the connection failed: either way its input is over
    }
    await child.stdin!.close().catch(() => {});
  })();
  const exit = await child.exited;
  await outbound;
  conn.close();
  await inbound;
  deadlines.stop();
  if (stop.stopped) await stop.stopped;
  if (deadlines.expired) throw deadlines.expired;
  return refusal ? { refusal } : { status: exitStatusOf(exit) };
}
