/**
 * `tcp://HOST:PORT` and `tls://HOST:PORT` endpoints of the `ipcat sock` commands: the
 * options that go with them, the files they name, and the listener of a server on them.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { type DialTarget, type Listener, runtime } from "../adapter/mod.ts";
import { flag, list, option } from "../cli/options.ts";
import { IpcatError } from "../errors.ts";
import { describeTarget, parseEndpoint } from "../transport/endpoint.ts";
import { systemCode } from "../transport/dial.ts";
import { socketPath } from "./paths.ts";

const File = v.pipe(v.string(), v.minLength(1, "expected a file path"));
const Name = v.pipe(v.string(), v.minLength(1, "expected a name"));

/** A TCP or TLS endpoint. */
export type NetworkTarget = Extract<DialTarget, { host: string }>;

/**
 * The endpoint of a sock command's PATH argument: a unix socket path (checked as
 * {@link socketPath} does), or `tcp://HOST:PORT` / `tls://HOST:PORT`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { sockEndpoint } from "./network.ts";
 * assert.ok(JSON.stringify(sockEndpoint("tls://127.0.0.1:7000")) === '{"host":"127.0.0.1","port":7000,"tls":{}}');
 * assert.ok(JSON.stringify(sockEndpoint("/ipc/app.sock")) === '{"unix":"/ipc/app.sock"}');
 * ```
 */
export function sockEndpoint(spec: string): DialTarget {
  if (spec.startsWith("tcp://") || spec.startsWith("tls://")) return parseEndpoint(spec);
  return { unix: socketPath(spec) };
}

/** The help of every client's `--wait`. */
export const WAIT_HELP = "Wait up to DURATION for the server to appear and accept";

/** The client options of TLS endpoints (run, call, connect). */
export const tlsClientOptions = {
  "tls-ca": option("FILE", "tls://: trust server certificates issued by these CAs (PEM)", File),
  "tls-cert": option("FILE", "tls://: present this client certificate (PEM; with --tls-key)", File),
  "tls-key": option("FILE", "tls://: the client certificate's private key (PEM)", File),
  "tls-servername": option(
    "NAME",
    "tls://: the name the server's certificate must carry (default: HOST; binary and Bun)",
    Name,
  ),
};

/** The server options of TCP and TLS endpoints (serve). */
export const networkServerOptions = {
  "tls-cert": option("FILE", "tls://: the server's certificate chain (PEM)", File),
  "tls-key": option("FILE", "tls://: the server certificate's private key (PEM)", File),
  "tls-ca": option(
    "FILE",
    "tls://: require client certificates issued by these CAs (mutual TLS; binary and Bun)",
    File,
  ),
  "allow-cn": list("NAME", "tls:// with --tls-ca: let in client certificates with this CN", Name),
  "allow-san": list(
    "NAME",
    "tls:// with --tls-ca: let in client certificates with this subject alternative name",
    Name,
  ),
  insecure: flag(
    "Allow plain tcp:// on an address other than loopback (anyone reaching it gets in)",
  ),
};

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new IpcatError(
      "not_found",
      `cannot read the ${what} ${path}: ${systemCode(error) ?? error}`,
      {
        hint: "give the path of a PEM file",
        cause: error,
      },
    );
  }
}

function misplaced(name: string, scheme: string): IpcatError {
  return new IpcatError("usage", `${name} applies to ${scheme} endpoints only`, {
    hint: `write the endpoint as ${scheme}://HOST:PORT, or drop ${name}`,
  });
}

/** The dial target of a client, with its TLS files read. */
export function clientTarget(
  spec: string,
  options: {
    "tls-ca"?: string;
    "tls-cert"?: string;
    "tls-key"?: string;
    "tls-servername"?: string;
  },
): DialTarget {
  const target = sockEndpoint(spec);
  const given = (["tls-ca", "tls-cert", "tls-key", "tls-servername"] as const).filter((name) =>
    options[name] !== undefined
  );
  if (!("host" in target) || !target.tls) {
    if (given.length > 0) throw misplaced(`--${given[0]}`, "tls");
    return target;
  }
  if ((options["tls-cert"] === undefined) !== (options["tls-key"] === undefined)) {
    throw new IpcatError("usage", "--tls-cert and --tls-key go together", {
      hint: "give both files of the client certificate, or neither",
    });
  }
  return {
    ...target,
    tls: {
      ca: options["tls-ca"] && readPem(options["tls-ca"], "CA file"),
      cert: options["tls-cert"] && readPem(options["tls-cert"], "certificate"),
      key: options["tls-key"] && readPem(options["tls-key"], "private key"),
      serverName: options["tls-servername"],
    },
  };
}

/**
 * Waits up to `seconds` for `target`'s port to accept a TCP connection (closed at once,
 * before any TLS handshake). Resolves `false` on timeout.
 */
export async function waitForPort(target: NetworkTarget, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      const conn = await runtime.connect({ host: target.host, port: target.port });
      conn.close();
      return true;
    } catch {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((r) => setTimeout(r, Math.min(50, left)));
    }
  }
}

/** True for an address that only this host reaches. */
function loopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The server options of {@link listenNetwork}, as `serve` parsed them. */
export interface NetworkServerOptions {
  "tls-cert"?: string;
  "tls-key"?: string;
  "tls-ca"?: string;
  "allow-cn": string[];
  "allow-san": string[];
  insecure: boolean;
}

/** The TLS identities a server lets in, or `undefined` when any verified client may. */
export function allowedIdentities(
  options: NetworkServerOptions,
): { cn: string[]; san: string[] } | undefined {
  const { "allow-cn": cn, "allow-san": san } = options;
  return cn.length + san.length > 0 ? { cn, san } : undefined;
}

/**
 * Checks the server options against the endpoint: TLS options only with tls://, a key
 * and certificate for tls://, identities only with client certificates, and plain TCP
 * beyond loopback only with `--insecure`. Throws the one-line reason.
 */
export function checkServerOptions(target: DialTarget, options: NetworkServerOptions): void {
  const tlsNames = (["tls-cert", "tls-key", "tls-ca"] as const).filter((name) =>
    options[name] !== undefined
  );
  const identities = allowedIdentities(options);
  if (!("host" in target) || !target.tls) {
    if (tlsNames.length > 0) throw misplaced(`--${tlsNames[0]}`, "tls");
    if (identities) {
      throw misplaced(options["allow-cn"].length ? "--allow-cn" : "--allow-san", "tls");
    }
  }
  if (!("host" in target)) {
    if (options.insecure) throw misplaced("--insecure", "tcp");
    return;
  }
  if (target.tls) {
    if (options["tls-cert"] === undefined || options["tls-key"] === undefined) {
      throw new IpcatError("usage", "a tls:// server needs --tls-cert and --tls-key", {
        hint: "ipcat sock serve --tls-cert server.pem --tls-key server.key tls://HOST:PORT -- CMD",
      });
    }
    if (identities && options["tls-ca"] === undefined) {
      throw new IpcatError("usage", "--allow-cn and --allow-san need --tls-ca", {
        hint: "give the CA that issues the client certificates: --tls-ca ca.pem",
      });
    }
    return;
  }
  if (!loopback(target.host) && !options.insecure) {
    throw new IpcatError(
      "usage",
      `refusing plain tcp:// on ${target.host}: anyone who reaches it may use the server (with a command, run it)`,
      { hint: "serve tls:// with --tls-ca (mutual TLS), listen on 127.0.0.1, or add --insecure" },
    );
  }
}

/** Listens on a TCP or TLS endpoint, with errors a user can act on. */
export async function listenNetwork(
  target: NetworkTarget,
  options: NetworkServerOptions,
): Promise<Listener> {
  const tls = target.tls
    ? {
      cert: readPem(options["tls-cert"]!, "certificate"),
      key: readPem(options["tls-key"]!, "private key"),
      ca: options["tls-ca"] && readPem(options["tls-ca"], "CA file"),
    }
    : undefined;
  try {
    return await runtime.listenTcp({ host: target.host, port: target.port, tls });
  } catch (error) {
    const where = describeTarget(target);
    switch (systemCode(error)) {
      case "EADDRINUSE":
        throw new IpcatError("exists", `${where} is in use`, {
          hint: "stop the other server, or choose another port",
          cause: error,
        });
      case "EACCES":
      case "EPERM":
        throw new IpcatError("permission", `permission denied listening on ${where}`, {
          hint: "ports below 1024 need root or CAP_NET_BIND_SERVICE",
          cause: error,
        });
      case "EUNSUPPORTED":
        throw new IpcatError("usage", `--tls-ca: ${(error as Error).message}`, {
          hint: "run mutual TLS with the compiled binary or Bun",
          cause: error,
        });
      default:
        throw new IpcatError(
          "unavailable",
          `cannot listen on ${where}: ${(error as Error)?.message ?? error}`,
          { hint: "check the address and the certificate files", cause: error },
        );
    }
  }
}
