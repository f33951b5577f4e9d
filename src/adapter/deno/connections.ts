/**
 * Deno's connections through the {@link Conn} contract: unix, TCP and TLS, with
 * half-close and back-pressure (a write pump keeps order). Deno gives no descriptor, so
 * there are no peer credentials and no hand-off.
 *
 * @module
 */
import type { Conn, DialTarget } from "../types.ts";
import { deferred } from "../../deferred.ts";
import { kernelSocketPath, WRITE_HIGH_WATER } from "../shared.ts";
import { Deno, type DenoConn, withSystemCode } from "./deno_api.ts";

const READ_CHUNK = 64 * 1024;

/** A Deno connection seen through the {@link Conn} contract: a write pump keeps order. */
export class DenoConnAdapter implements Conn {
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #pumping = false;
  #failure: unknown = undefined;
  #drainWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #closedFlag = false;
  #readEnded = false;
  #writeEnded = false;
  readonly #closed = deferred<void>();
  readonly closed = this.#closed.promise;

  constructor(private readonly conn: DenoConn) {}

  async read(): Promise<Uint8Array | null> {
    if (this.#readEnded) return null;
    const buffer = new Uint8Array(READ_CHUNK);
    let n: number | null;
    try {
      n = await this.conn.read(buffer);
    } catch (error) {
      if (this.#closedFlag) return null;
      this.close();
      throw withSystemCode(error);
    }
    if (n === null) {
      this.#readEnded = true;
      this.#closeWhenBothEnded();
      return null;
    }
    return buffer.subarray(0, n);
  }

  write(data: Uint8Array): boolean {
    if (this.#failure !== undefined || this.#closedFlag) return false;
    this.#queue.push(data);
    this.#queuedBytes += data.byteLength;
    if (!this.#pumping) void this.#pump();
    return this.#queuedBytes < WRITE_HIGH_WATER;
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        let chunk = this.#queue[0]!;
        while (chunk.byteLength > 0) {
          const n = await this.conn.write(chunk);
          this.#queuedBytes -= n;
          chunk = chunk.subarray(n);
        }
        this.#queue.shift();
        if (this.#queuedBytes < WRITE_HIGH_WATER) {
          this.#wake(this.#queue.length === 0 ? 1 : WRITE_HIGH_WATER);
        }
      }
    } catch (error) {
      this.#failure = withSystemCode(error);
      for (const w of this.#drainWaiters.splice(0)) w.reject(error);
      this.close();
    } finally {
      this.#pumping = false;
    }
  }

  #wake(threshold: number): void {
    if (this.#queuedBytes >= threshold) return;
    for (const w of this.#drainWaiters.splice(0)) w.resolve();
  }

  drain(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#queuedBytes < WRITE_HIGH_WATER) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  async closeWrite(): Promise<void> {
    while (this.#queuedBytes > 0) {
      if (this.#failure !== undefined) throw this.#failure;
      await new Promise<void>((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
    }
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#writeEnded || this.#closedFlag) return;
    this.#writeEnded = true;
    await this.conn.closeWrite();
    this.#closeWhenBothEnded();
  }

  close(): void {
    if (this.#closedFlag) return;
    this.#closedFlag = true;
    try {
      this.conn.close();
    } catch {
      // already closed by the peer
    }
    this.#closed.resolve();
  }

  /** Deno reports no peer close on its own: the connection is over once both directions are. */
  #closeWhenBothEnded(): void {
    if (this.#readEnded && this.#writeEnded) this.close();
  }
}

/** Connects to `target`; a failure carries its system code (`ENOENT`, …). */
export async function connect(target: DialTarget): Promise<Conn> {
  try {
    return await dial(target);
  } catch (error) {
    throw withSystemCode(error);
  }
}

async function dial(target: DialTarget): Promise<Conn> {
  if ("unix" in target) {
    return new DenoConnAdapter(
      await Deno.connect({ transport: "unix", path: kernelSocketPath(target.unix) }),
    );
  }
  if (target.tls) {
    if (target.tls.serverName !== undefined && target.tls.serverName !== target.host) {
      throw Object.assign(
        new Error("Deno checks the server certificate against HOST only (no --tls-servername)"),
        { code: "EUNSUPPORTED" },
      );
    }
    return new DenoConnAdapter(
      await Deno.connectTls({
        hostname: target.host,
        port: target.port,
        caCerts: target.tls.ca ? [target.tls.ca] : undefined,
        cert: target.tls.cert,
        key: target.tls.key,
      }),
    );
  }
  return new DenoConnAdapter(
    await Deno.connect({ transport: "tcp", hostname: target.host, port: target.port }),
  );
}
