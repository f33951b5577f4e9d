/**
 * `ipcat sock serve`: the routed server with its built-in services, or `--raw`.
 *
 * @module
 */
import * as v from "valibot";
import { runtime } from "../adapter/mod.ts";
import { defineCommand } from "../cli/command.ts";
import { note } from "../cli/io.ts";
import { count, duration, flag, list, mode, option } from "../cli/options.ts";
import { Bytes } from "../cli/values.ts";
import { IpcatError } from "../errors.ts";
import { MIN_MAX_PAYLOAD } from "../framing/sock.ts";
import { DEFAULT_MAX_PER_UID } from "./admission.ts";
import { changesWhatRuns, environmentPolicy, SAFE_PATH } from "./environment.ts";
import { Jobs } from "./jobs.ts";
import { jsonLogging } from "./log_json.ts";
import { listenLocked } from "./ownership.ts";
import { serveRaw } from "./raw.ts";
import { serveListener, type Service } from "./server.ts";
import { echoService, execService } from "./services.ts";
import { requirePseudoTerminals } from "./exec_terminal.ts";
import { servicesService } from "./typed/catalog.ts";
import { onStopSignals } from "./signals.ts";
import {
  allowedIdentities,
  checkServerOptions,
  listenNetwork,
  networkServerOptions,
  sockEndpoint,
} from "./network.ts";
import { describeTarget } from "../transport/endpoint.ts";
import { groupId, userId } from "./accounts.ts";
import { checkCommand } from "./command_check.ts";
import { stderrTracer } from "./trace.ts";
import { inheritedDescriptors, listenInherited, serviceManager } from "./activation.ts";

const Positive = v.pipe(
  v.string(),
  v.regex(/^[1-9]\d*$/, "expected a positive whole number"),
  v.transform(Number),
);
const PayloadBytes = v.pipe(
  Bytes,
  v.minValue(MIN_MAX_PAYLOAD, `at least ${MIN_MAX_PAYLOAD} bytes (the protocol's minimum)`),
  v.maxValue(0xffffffff, "at most 4294967295 bytes"),
);
const EnvName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a variable name such as JOB_ID (no patterns)"),
);
const EnvPair = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*=/, "expected KEY=VALUE"));
const Account = v.pipe(v.string(), v.minLength(1, "expected a name or a number"));
const Uid = v.pipe(v.string(), v.regex(/^\d+$/, "expected a numeric uid"), v.transform(Number));

/** `ipcat sock serve`. */
export const serve = defineCommand({
  name: "serve",
  summary: "Serve a command (and echo, services) over the routed protocol, or raw with --raw",
  usage: "PATH [-- CMD [ARGS...]]",
  description: [
    "Routed mode (default) serves the ipcat protocol v1 with the services ipcat.exec (runs",
    "CMD once per channel: 'ipcat sock run'), ipcat.echo and ipcat.services; many clients,",
    "each with many channels. --raw serves no protocol: each connection is the stdin and",
    "stdout of a fresh CMD (as 'socat UNIX-LISTEN:PATH,fork SYSTEM:CMD'), the reply is never",
    "cut off, and each exit status is logged on stderr.",
    "",
    "CMD is checked at start: missing, the server exits 127, not executable 126, naming it.",
    "With --allow-tty a client may run CMD on a pseudo-terminal ('ipcat sock run -t', as",
    "'docker exec -it'); without it such a request is refused and the client exits 13.",
    "Deno cannot allocate a pseudo-terminal: there --allow-tty is refused at start.",
    "",
    "--listen-fds serves the sockets a systemd .socket unit (or systemd-socket-activate)",
    "passes instead of PATH. With NOTIFY_SOCKET set (Type=notify) the server sends READY=1",
    "once it serves and STOPPING=1 when it stops.",
    "",
    "Each command runs in its own session (process group). A client's Ctrl-C, disconnect or",
    "early END, the command's own exit, and the server's SIGTERM, SIGINT or SIGHUP end the",
    "whole group: SIGTERM, then SIGKILL after --kill-after; the log says which.",
    "",
    "The socket file gets --mode at creation (through the umask, never chmod after bind).",
    "A stale socket file is reused with a note; a live one is never taken over. The file is",
    "removed on exit, SIGINT, SIGTERM and SIGHUP (exit 130, 143, 129). PATH may be @name",
    "(abstract namespace, no file).",
    "Peers are checked with SO_PEERCRED (binary and Bun; Deno only with --seqpacket): only the server's",
    "own uid, root, each --allow-uid and each --allow-gid (the peer's effective gid) get in.",
    "--owner and --group give the socket file away before it gets --mode: it is never",
    "reachable by anyone --mode does not name (--mode 0660 --group g --allow-gid g shares it",
    "with group g).",
    "",
    "--raw --seqpacket listens on a SOCK_SEQPACKET unix socket (socat's",
    "UNIX-LISTEN:PATH,socktype=5,fork SYSTEM:CMD): each packet's bytes are written to CMD's",
    "stdin, each read of CMD's stdout (up to 64 KiB) is sent as one packet; the client's",
    "shutdown (or an empty packet) is CMD's EOF. Its peer check works under Deno too.",
    "",
    "PATH may also be tcp://HOST:PORT or tls://HOST:PORT (--tls-cert, --tls-key). Plain TCP",
    "on an address other than loopback is refused unless --insecure. --tls-ca requires client",
    "certificates from that CA (mutual TLS; binary and Bun); --allow-cn and --allow-san then",
    "let in only those identities, and services see the certificate as the peer's identity.",
  ].join("\n"),
  options: {
    raw: flag("No protocol: each connection is stdin/stdout of a fresh CMD"),
    seqpacket: flag("With --raw: listen on a SOCK_SEQPACKET unix socket (socat's socktype=5)"),
    queue: flag(
      "With --raw --max-clients: extra clients wait for a free run (socat's max-children)",
    ),
    "max-clients": option("N", "Clients served at once (default unlimited)", Positive),
    "max-payload": option(
      "SIZE",
      `Largest frame payload accepted (at least ${MIN_MAX_PAYLOAD} bytes)`,
      PayloadBytes,
      { default: "1MiB" },
    ),
    "handshake-timeout": duration("Close a client that has not sent its CONNECT by then", {
      default: "5s",
    }),
    "max-per-uid": count(
      "N",
      `Connections one uid may hold at once, handshake or not (default ${DEFAULT_MAX_PER_UID}; 0: no cap; needs SO_PEERCRED: binary and Bun)`,
    ),
    log: option(
      "FORMAT",
      "text: one line per event; json: one JSON object per line (connects, channels with code, duration and bytes)",
      v.picklist(["text", "json"], "expected text or json"),
      { default: "text" },
    ),
    "kill-after": duration("Grace between SIGTERM and SIGKILL when ending a command's group", {
      default: "5s",
    }),
    "allow-args": flag("Let clients append arguments to CMD"),
    "allow-tty": flag(
      "Let clients run CMD on a terminal ('ipcat sock run -t'; binary and Bun: Deno has no pty)",
    ),
    "allow-env": list(
      "NAME",
      "Let clients set this variable for CMD (repeatable; names only: PATH and LD_* too, with a warning)",
      EnvName,
    ),
    env: list("KEY=VALUE", "Set a variable for CMD (repeatable)", EnvPair, { short: "e" }),
    "clear-env": flag(
      `Start CMD with an empty environment (and PATH=${SAFE_PATH}), not the server's`,
    ),
    mode: mode("Socket file mode, octal (0600: owner and root only)", { default: "0600" }),
    "allow-uid": list(
      "UID",
      "Also allow peers with this uid (own uid and root always are; SO_PEERCRED: binary and Bun, not Deno)",
      Uid,
    ),
    "allow-gid": list(
      "GROUP",
      "Also allow peers whose effective gid is GROUP (a gid or a name; SO_PEERCRED: binary and Bun)",
      Account,
    ),
    owner: option("USER", "Give the socket file to USER (a uid or a name; needs root)", Account),
    group: option("GROUP", "Give the socket file to GROUP (a gid or a name)", Account),
    ...networkServerOptions,
    trace: flag("With --raw: dump each connection's traffic to stderr in hex and ASCII (socat -x)"),
    "listen-fds": flag(
      "Serve the listening sockets systemd passes (LISTEN_FDS, LISTEN_PID) instead of PATH (binary and Bun)",
    ),
  },
  positionals: { min: 1 },
  examples: [
    [
      "ipcat sock serve /ipc/app.sock -- ./server_app.sh",
      "Serve a script; clients run it with 'ipcat sock run /ipc/app.sock'",
    ],
    [
      "ipcat sock serve --raw /ipc/app.sock -- ./server_app.sh",
      "Serve seed-001 style line scripts (START -> SUCCESS) to socat or 'ipcat sock connect'",
    ],
    [
      "ipcat sock serve --tls-cert s.pem --tls-key s.key --tls-ca ca.pem --allow-cn worker tls://0.0.0.0:7000 -- ./job.sh",
      "Serve across hosts: mutual TLS, only the certificate named worker gets in",
    ],
    [
      "ipcat sock serve --allow-args @jobs -- ./job.sh",
      "Abstract socket; clients may pass arguments: 'ipcat sock run @jobs -- --fast'",
    ],
  ],
  async run({ options, args, rest }) {
    if (args.length - rest.length > 1) {
      throw new IpcatError("usage", `unexpected '${args[1]}' before --`, {
        hint: "write the command after --: ipcat sock serve PATH -- CMD ARGS",
      });
    }
    const allowUids = options["allow-uid"].length > 0 ? options["allow-uid"] : undefined;
    const allowGids = options["allow-gid"].length > 0
      ? options["allow-gid"].map((group) => groupId(group, "--allow-gid"))
      : undefined;
    for (
      const [name, given] of [
        ["--allow-uid", allowUids],
        ["--allow-gid", allowGids],
        ["--max-per-uid", options["max-per-uid"]],
      ] as const
    ) {
      // Seqpacket sockets are ipcat's own (libc), with SO_PEERCRED under every runtime.
      if (given !== undefined && !runtime.socketDescriptors && !options.seqpacket) {
        throw new IpcatError(
          "usage",
          `${name} needs SO_PEERCRED, which ${runtime.name} does not expose, so it cannot be enforced`,
          {
            hint:
              "use the compiled binary or Bun, or restrict access with --mode and the socket directory's permissions",
          },
        );
      }
    }
    const logging = options.log === "json"
      ? jsonLogging()
      : { log: (line: string) => void note(line), hooks: undefined };
    const log = logging.log;
    const manager = serviceManager(log);
    const inherited = options["listen-fds"] ? inheritedDescriptors() : null;
    if (inherited && (args.length > rest.length || options.owner || options.group)) {
      throw new IpcatError(
        "usage",
        `--listen-fds takes ${
          args.length > rest.length ? "no PATH" : "no --owner or --group"
        }: the sockets come from the service manager`,
        { hint: "ipcat sock serve --listen-fds -- CMD [ARGS...]" },
      );
    }
    if (options.trace && !options.raw) {
      throw new IpcatError("usage", "serve --trace needs --raw", {
        hint: "to see routed frames, put 'ipcat sock proxy --trace' in front of the server",
      });
    }
    const target = inherited ? null : sockEndpoint(args[0]!);
    if (options.seqpacket && (!options.raw || !target || !("unix" in target))) {
      throw new IpcatError(
        "usage",
        !options.raw
          ? "--seqpacket needs --raw: the routed protocol runs on stream sockets"
          : "--seqpacket applies to a unix socket PATH (or @name)",
        { hint: "ipcat sock serve --raw --seqpacket PATH -- CMD" },
      );
    }
    // Inherited sockets are unix or TCP, never TLS: no TLS options apply to them.
    checkServerOptions(target ?? { unix: "" }, options);
    const unixOnly = ([
      ["--allow-uid", allowUids],
      ["--allow-gid", allowGids],
      ["--max-per-uid", options["max-per-uid"]],
      ["--owner", options.owner],
      ["--group", options.group],
    ] as const).find(([, given]) => given !== undefined)?.[0];
    if (target && !("unix" in target) && unixOnly) {
      throw new IpcatError(
        "usage",
        `${unixOnly} applies to unix sockets: a TCP peer has no uid, a port no owner`,
        { hint: "for tls:// restrict clients with --tls-ca and --allow-cn or --allow-san" },
      );
    }
    if (
      target && "unix" in target && target.unix.startsWith("@") && (options.owner || options.group)
    ) {
      throw new IpcatError(
        "usage",
        `${
          options.owner ? "--owner" : "--group"
        }: the abstract socket ${target.unix} has no file to own`,
        { hint: "give a socket path in a directory, or drop the option" },
      );
    }
    const owner = options.owner !== undefined || options.group !== undefined
      ? {
        uid: options.owner === undefined ? undefined : userId(options.owner),
        gid: options.group === undefined ? undefined : groupId(options.group, "--group"),
      }
      : undefined;
    const path = target
      ? describeTarget(target)
      : `inherited descriptor${inherited!.length > 1 ? "s" : ""} ${inherited!.join(", ")}`;
    const command = rest;
    if (options.queue && (!options.raw || options["max-clients"] === undefined)) {
      throw new IpcatError("usage", "--queue needs --raw and --max-clients", {
        hint: "ipcat sock serve --raw --max-clients 1 --queue PATH -- CMD",
      });
    }
    if (options["allow-tty"]) checkTerminals(options.raw, command.length > 0);
    if (options.raw && command.length === 0) {
      throw new IpcatError("usage", "serve --raw needs a command", {
        hint: "ipcat sock serve --raw PATH -- CMD [ARGS...]",
      });
    }
    const jobs = new Jobs(options["kill-after"], log);
    const environment = environmentPolicy({
      clear: options["clear-env"],
      set: options.env,
      allow: options["allow-env"],
    });
    // A command that cannot run fails the server at once, not every client later.
    if (command.length > 0) checkCommand(command[0]!, environment.base);
    for (const name of options["allow-env"].filter(changesWhatRuns)) {
      log(
        `warning: --allow-env ${name} lets every client choose which programs or libraries CMD runs, as this server's user`,
      );
    }
    const listener = !target
      ? await listenInherited(inherited!)
      : "unix" in target
      ? await listenLocked(target.unix, log, {
        mode: options.mode,
        owner,
        seqpacket: options.seqpacket,
      })
      : await listenNetwork(target, options);
    const allowIdentities = allowedIdentities(options);
    let close: () => Promise<void>;
    let closed: Promise<void>;
    if (options.raw) {
      const server = serveRaw(listener, command, {
        maxClients: options["max-clients"],
        maxPerUid: options["max-per-uid"],
        queue: options.queue,
        env: environment.base,
        log,
        allowUids,
        allowGids,
        allowIdentities,
        jobs,
        trace: options.trace ? (id) => stderrTracer(`connection ${id}`) : undefined,
      });
      close = () => server.close();
      closed = server.closed;
      log(`serving ${command.join(" ")} raw${options.seqpacket ? " (seqpacket)" : ""} on ${path}`);
    } else {
      const services: Record<string, Service> = {
        "ipcat.echo": echoService,
        ...(command.length
          ? {
            "ipcat.exec": execService(command, {
              allowArgs: options["allow-args"],
              allowTty: options["allow-tty"],
              environment,
              log,
              jobs,
            }),
          }
          : {}),
      };
      services["ipcat.services"] = servicesService(services);
      const names = Object.keys(services).sort();
      const server = serveListener(listener, {
        services,
        maxClients: options["max-clients"],
        maxPayload: options["max-payload"],
        maxPerUid: options["max-per-uid"],
        handshakeTimeoutMs: options["handshake-timeout"],
        log,
        hooks: logging.hooks,
        allowUids,
        allowGids,
        allowIdentities,
      });
      close = async () => {
        await server.close();
        await jobs.endAll("the server is shutting down");
      };
      closed = server.closed;
      log(
        `serving ${names.join(", ")} on ${path}${
          command.length ? ` (ipcat.exec runs ${command.join(" ")})` : ""
        }`,
      );
    }
    manager.notify("READY=1");
    const stop = onStopSignals(async () => {
      manager.notify("STOPPING=1");
      await close();
    });
    await closed;
    // Closed by a stop signal: its handler exits with 128+N once the cleanup is over.
    return stop.stopped ? await stop.stopped : 0;
  },
});

/** `--allow-tty` is for the routed `ipcat.exec`, on a runtime that has pseudo-terminals. */
function checkTerminals(raw: boolean, hasCommand: boolean): void {
  if (raw || !hasCommand) {
    throw new IpcatError(
      "usage",
      `--allow-tty applies to ipcat.exec, which ${raw ? "--raw does not serve" : "needs a CMD"}`,
      { hint: "ipcat sock serve --allow-tty PATH -- CMD [ARGS...]" },
    );
  }
  requirePseudoTerminals();
}
