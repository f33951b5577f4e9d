/**
 * HTTP over a unix socket or TCP (with TLS) through Deno's `fetch` and its HTTP clients.
 *
 * @module
 */
import type { DialTarget, HttpFetch } from "../types.ts";
import { kernelSocketPath } from "../shared.ts";
import { Deno } from "./deno_api.ts";

export function httpClient(target: DialTarget): HttpFetch {
  const client = "unix" in target
    ? Deno.createHttpClient({ proxy: { transport: "unix", path: kernelSocketPath(target.unix) } })
    : Deno.createHttpClient({
      caCerts: target.tls?.ca ? [target.tls.ca] : undefined,
      cert: target.tls?.cert,
      key: target.tls?.key,
    });
  return (url, init) => fetch(url, { ...init, client } as RequestInit);
}
