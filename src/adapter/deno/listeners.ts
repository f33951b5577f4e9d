/**
 * Deno's unix and TCP/TLS listeners. Deno cannot ask a TLS client for its certificate,
 * so a listener that needs one (mutual TLS) is refused.
 *
 * @module
 */
import type { Listener, TcpListenOptions } from "../types.ts";
import { kernelSocketPath } from "../shared.ts";
import { DenoConnAdapter } from "./connections.ts";
import { Deno, type DenoConn, withSystemCode } from "./deno_api.ts";

// deno-lint-ignore require-await -- async, so that a synchronous throw (EADDRINUSE) rejects
export async function listenUnix(path: string): Promise<Listener> {
  try {
    return adapt(Deno.listen({ transport: "unix", path: kernelSocketPath(path) }));
  } catch (error) {
    throw withSystemCode(error);
  }
}

// deno-lint-ignore require-await -- async, so that a synchronous throw (EADDRINUSE) rejects
export async function listenTcp(options: TcpListenOptions): Promise<Listener> {
  const { host, port, tls } = options;
  if (tls?.ca) {
    throw Object.assign(
      new Error("Deno cannot request or verify client certificates (mutual TLS)"),
      { code: "EUNSUPPORTED" },
    );
  }
  try {
    return adapt(
      tls
        ? Deno.listenTls({ hostname: host, port, cert: tls.cert, key: tls.key })
        : Deno.listen({ transport: "tcp", hostname: host, port }),
    );
  } catch (error) {
    throw withSystemCode(error);
  }
}

function adapt(listener: { accept(): Promise<DenoConn>; close(): void }): Listener {
  let closed = false;
  return {
    async accept() {
      for (;;) {
        if (closed) return null;
        let conn: DenoConn;
        try {
          conn = await listener.accept();
        } catch (error) {
          if (closed) return null;
          throw withSystemCode(error);
        }
        const tls = conn as DenoConn & { handshake?(): Promise<unknown> };
        if (!tls.handshake) return new DenoConnAdapter(conn);
        // A client that fails its TLS handshake never reaches the server's accept loop.
        try {
          await tls.handshake();
          return new DenoConnAdapter(conn);
        } catch {
          conn.close();
        }
      }
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        listener.close();
      } catch {
        // already closed
      }
    },
  };
}
