/**
 * HTTP over a unix socket or TCP (with TLS) through Bun's `fetch`.
 *
 * @module
 */
import type { DialTarget, HttpFetch } from "../types.ts";
import { kernelSocketPath } from "../shared.ts";

export function httpClient(target: DialTarget): HttpFetch {
  if ("unix" in target) {
    const unix = kernelSocketPath(target.unix);
    return (url, init) => fetch(url, { ...init, unix } as RequestInit);
  }
  const tls = target.tls
    ? {
      ca: target.tls.ca,
      cert: target.tls.cert,
      key: target.tls.key,
      rejectUnauthorized: target.tls.verify !== false,
    }
    : undefined;
  return (url, init) => fetch(url, { ...init, ...(tls ? { tls } : {}) } as RequestInit);
}
