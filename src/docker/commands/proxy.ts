/**
 * `ipcat docker proxy LISTEN [--allow RULE…]`: a guarded Docker socket to hand to
 * containers instead of the daemon's own.
 *
 * @module
 */
import process from "node:process";
import { runtime } from "../../adapter/mod.ts";
import { list, mode } from "../../cli/options.ts";
import { note, writeErr } from "../../cli/io.ts";
import { IpcatError } from "../../errors.ts";
import { listenLocked } from "../../sock/ownership.ts";
import { openDaemon } from "../daemon.ts";
import { serveProxy } from "../proxy.ts";
import { ENDPOINT_GROUPS, ProxyRuleText } from "../proxy_policy.ts";
import { dockerCommand } from "./shared.ts";

export const proxy = dockerCommand({
  name: "proxy",
  summary: "Serve a Docker socket that lets through only what a policy allows",
  usage: "LISTEN [--allow RULE...]",
  description: `LISTEN is a unix socket path (or unix://PATH) to give to containers instead of the
daemon's socket, which is found as for every command (-H, -c, DOCKER_HOST, contexts).
Read-only by default: GET and HEAD pass (/_ping, /version, ps, inspect, logs…); anything
else needs a rule. A rule is GROUP[:METHOD,...][@UID]: GROUP one of
${ENDPOINT_GROUPS.join(", ")}, or all; without methods, all of them; with @UID, only
for peers of that uid (SO_PEERCRED: binary and Bun, not Deno). Attach, exec start and other
upgrades count as a POST to their group and, once allowed, are bridged both ways. A refused
request gets a 403 whose JSON message the docker CLI shows ("Error response from daemon:
…"). Each request is one log line on stderr. Each connection carries one request (the
daemon is asked to close after answering), so nothing passes unjudged.`,
  options: {
    allow: list(
      "RULE",
      "Also allow GROUP[:METHOD,...][@UID] (e.g. containers:POST,DELETE)",
      ProxyRuleText,
    ),
    mode: mode("Socket file mode, octal (default 0600: owner and root only)", { default: "600" }),
  },
  args: { min: 1, max: 1 },
  examples: [
    ["ipcat docker proxy /run/ro-docker.sock", "A read-only Docker socket"],
    [
      "ipcat docker proxy /run/ci.sock --allow containers --allow exec --allow images:POST",
      "Run and exec containers and pull images, nothing else",
    ],
    [
      "docker run -v /run/ro-docker.sock:/var/run/docker.sock …",
      "What a container then gets instead of root on the host",
    ],
  ],
  async run({ options, args }) {
    const path = args[0]!.replace(/^unix:\/\//, "");
    if (options.allow.some((rule) => rule.uid !== undefined) && !runtime.socketDescriptors) {
      throw new IpcatError(
        "usage",
        `rules with @UID need SO_PEERCRED, which ${runtime.name} does not expose, so they cannot be enforced`,
        { hint: "use the compiled binary or Bun, or rules without @UID" },
      );
    }
    const daemon = await openDaemon(process.env);
    for (const line of daemon.notes) await writeErr(`${line}\n`);
    const listener = await listenLocked(path, (line) => void note(line), { mode: options.mode });
    const server = serveProxy(listener, {
      rules: options.allow,
      upstream: daemon.endpoint.target,
      log: (line) => void writeErr(`${new Date().toISOString()} ${line}\n`),
    });
    const rules = options.allow.map((rule) => rule.text).join(", ");
    await note(
      `proxying ${path} to ${daemon.endpoint.display}: reads${rules ? ` and ${rules}` : " only"}`,
    );
    let stopping = false;
    const statuses = [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const;
    for (const [signal, status] of statuses) {
      runtime.onSignal(signal, () => {
        if (stopping) return;
        stopping = true;
        void server.close().finally(() => runtime.exit(status));
      });
    }
    await server.closed;
    return 0;
  },
});
