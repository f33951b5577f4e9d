/**
 * Commands that report: `ping`, `version`, `ps`, `inspect`.
 *
 * @module
 */
import * as v from "valibot";
import { runtime } from "../../adapter/mod.ts";
import { writeErr, writeOut } from "../../cli/io.ts";
import { table } from "../../cli/table.ts";
import type { ObjectType } from "../client.ts";
import { DockerError } from "../errors.ts";
import { formatError } from "../../errors.ts";
import { indentJson, psRow } from "../format.ts";
import { client, dockerCommand, flag } from "./shared.ts";

export const ping = dockerCommand({
  name: "ping",
  summary: "Check that the daemon answers, and show its API version",
  usage: "",
  options: {},
  schema: v.object({}),
  args: { min: 0, max: 0 },
  examples: [["ipcat docker ping", "Prints OK and the daemon's API version"]],
  async run() {
    const docker = await client();
    const info = await docker.ping();
    await writeOut(
      `OK (API ${info.apiVersion}, ${info.osType || "unknown OS"}, ${
        info.server || "unknown server"
      }) at ${docker.api.endpoint.display}\n`,
    );
    return 0;
  },
});

export const version = dockerCommand({
  name: "version",
  summary: "Show the client's and the daemon's versions",
  usage: "",
  options: {},
  schema: v.object({}),
  args: { min: 0, max: 0 },
  examples: [["ipcat docker version", "Client and server versions, as docker version prints them"]],
  async run() {
    const docker = await client();
    const [info, api] = [await docker.version(), await docker.api.version()];
    const row = (
      label: string,
      value: string | undefined,
    ) => (value ? `  ${`${label}:`.padEnd(18)}${value}\n` : "");
    const { VERSION } = await import("../../version.ts");
    await writeOut(
      `Client:\n ${"Version:".padEnd(19)}${VERSION} (ipcat, ${runtime.name} ${runtime.version})\n ${
        "API version:".padEnd(19)
      }${api} (negotiated)\n\n` +
        `Server:\n Engine:\n` + row("Version", info.Version) +
        row(
          "API version",
          `${info.ApiVersion}${
            info.MinAPIVersion ? ` (minimum version ${info.MinAPIVersion})` : ""
          }`,
        ) +
        row("Go version", info.GoVersion) + row("Git commit", info.GitCommit) +
        row("Built", info.BuildTime && goAnsiDate(info.BuildTime)) +
        row("OS/Arch", `${info.Os}/${info.Arch}`) +
        row("Experimental", String(info.Experimental ?? false)),
    );
    return 0;
  },
});

/** A timestamp as Go's `time.ANSIC` layout writes it (`Thu May  7 21:09:36 2026`), as docker version shows it. */
function goAnsiDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const [weekday, month] = [date.toUTCString().slice(0, 3), date.toUTCString().slice(8, 11)];
  const time = date.toISOString().slice(11, 19);
  return `${weekday} ${month} ${
    String(date.getUTCDate()).padStart(2)
  } ${time} ${date.getUTCFullYear()}`;
}

export const ps = dockerCommand({
  name: "ps",
  summary: "List containers",
  usage: "",
  options: {
    all: {
      type: "boolean",
      short: "a",
      description: "Show all containers (default: running ones)",
    },
    quiet: { type: "boolean", short: "q", description: "Only show container IDs" },
    format: {
      type: "string",
      value: "table|json",
      description: "Output format: the table (default) or one JSON object per line",
    },
    "no-trunc": { type: "boolean", description: "Do not truncate IDs and commands" },
  },
  schema: v.object({
    all: flag,
    quiet: flag,
    format: v.optional(
      v.picklist(["table", "json"], "table or json (Go templates are not supported)"),
      "table",
    ),
    "no-trunc": flag,
  }),
  args: { min: 0, max: 0 },
  examples: [["ipcat docker ps -a", "All containers, as a table"], [
    "ipcat docker ps --format json",
    "One JSON object per running container",
  ]],
  async run({ options }) {
    const containers = await (await client()).containers({ all: options.all });
    const now = Date.now() / 1000;
    const rows = containers.map((c) => psRow(c, now, options["no-trunc"]));
    if (options.quiet) await writeOut(rows.map((r) => `${r.ID}\n`).join(""));
    else if (options.format === "json") {
      await writeOut(rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
    } else {
      await writeOut(table([
        ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"],
        ...rows.map((
          r,
        ) => [r.ID!, r.Image!, r.Command!, r.RunningFor!, r.Status!, r.Ports!, r.Names!]),
      ]));
    }
    return 0;
  },
});

const INSPECT_ORDER: readonly ObjectType[] = ["container", "image", "network", "volume"];

export const inspect = dockerCommand({
  name: "inspect",
  summary: "Show the full JSON of containers, images, networks or volumes",
  usage: "NAME|ID...",
  description:
    `Each name is looked up as a container, then an image, a network and a volume (or only
as --type says). What is found is printed as one JSON array; each name not found is an
error line after it, and the status is 1, as the docker CLI does.`,
  options: {
    type: {
      type: "string",
      value: "TYPE",
      description: "Only look up this kind: container, image, network or volume",
    },
  },
  schema: v.object({
    type: v.optional(v.picklist(INSPECT_ORDER, "container, image, network or volume")),
  }),
  args: { min: 1 },
  examples: [[
    "ipcat docker inspect web",
    "The daemon's JSON for 'web', indented as docker inspect prints it",
  ], ["ipcat docker inspect --type image busybox:local", "An image's JSON"]],
  async run({ options, args }) {
    const docker = await client();
    const types = options.type ? [options.type] : INSPECT_ORDER;
    const raws: string[] = [];
    const missing: string[] = [];
    for (const name of args) {
      const found = await firstFound(types, (type) => docker.inspectObjectRaw(type, name));
      if (typeof found === "string") raws.push(found.trim());
      // With --type the CLI shows the daemon's own answer; without, that nothing matched.
      else missing.push(options.type ? formatError(found) : `ipcat: No such object: ${name}`);
    }
    await writeOut(indentJson(`[${raws.join(",")}]`, "    ") + "\n");
    for (const line of missing) await writeErr(`${line}\n`);
    return missing.length ? 1 : 0;
  },
});

/** The first lookup that does not fail with `not_found`, or the last `not_found` error. */
async function firstFound(
  types: readonly ObjectType[],
  lookup: (type: ObjectType) => Promise<string>,
): Promise<string | DockerError> {
  let notFound: DockerError | undefined;
  for (const type of types) {
    try {
      return await lookup(type);
    } catch (error) {
      if (!(error instanceof DockerError && error.kind === "not_found")) throw error;
      notFound = error;
    }
  }
  return notFound!;
}
