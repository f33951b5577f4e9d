/**
 * `ipcat docker dial-stdio` (also `system dial-stdio`): stdin and stdout become a
 * connection to the daemon, as `docker system dial-stdio` does. It is what an ssh://
 * client runs on the remote host, so a host that has only ipcat serves the same role.
 *
 * @module
 */
import process from "node:process";
import { runtime } from "../../adapter/mod.ts";
import { openDaemon } from "../daemon.ts";
import { DockerApi } from "../api.ts";
import { dockerCommand } from "./shared.ts";

export const dialStdio = dockerCommand({
  name: "dial-stdio",
  summary: "Proxy stdin and stdout to the daemon (what ssh:// clients run remotely)",
  usage: "",
  description: `Connects to the daemon (found as for every command) and copies stdin to it and its
answers to stdout until the daemon closes. The end of stdin half-closes the connection.
A client with DOCKER_HOST=ssh://user@this-host runs 'docker system dial-stdio' here:
with ipcat installed as 'docker' (or a 'docker' script running 'ipcat docker "$@"'),
this host needs no docker CLI.`,
  options: {},
  args: { min: 0, max: 0 },
  examples: [["ssh host ipcat docker dial-stdio", "What DOCKER_HOST=ssh://host runs there"]],
  async run() {
    const { endpoint, notes } = await openDaemon(process.env);
    for (const line of notes) await runtime.stderr.write(new TextEncoder().encode(`${line}\n`));
    let conn;
    try {
      conn = await runtime.connect(endpoint.target);
    } catch (error) {
      throw await new DockerApi(endpoint).connectionError(error);
    }
    const input = (async () => {
      for (let chunk = await runtime.stdin.read(); chunk; chunk = await runtime.stdin.read()) {
        if (!conn.write(chunk)) await conn.drain();
      }
      await conn.closeWrite();
    })().catch(() => {});
    try {
      for (let chunk = await conn.read(); chunk; chunk = await conn.read()) {
        await runtime.stdout.write(chunk);
      }
    } finally {
      runtime.stdin.cancel();
      conn.close();
      await input;
    }
    return 0;
  },
});
