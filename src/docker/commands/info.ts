/**
 * Commands that report: `ping`, `ps`, `inspect` (`version` has a file of its own).
 *
 * @module
 */
import * as v from "valibot";
import { writeErr, writeOut } from "../../cli/io.ts";
import type { ObjectType } from "../client.ts";
import { DockerError } from "../errors.ts";
import { formatError } from "../../errors.ts";
import { indentJson, type PsRow, psRow } from "../format.ts";
import { executeFormat, formatItems, type Listing, parseFormat } from "../output.ts";
import { goStruct } from "../template/mod.ts";
import { choice, flag, list, option, text } from "../../cli/options.ts";
import { client, dockerCommand, parseFilters, WholeNumber } from "./shared.ts";

export const ping = dockerCommand({
  name: "ping",
  summary: "Check that the daemon answers, and show its API version",
  usage: "",
  options: {
    format: choice(["json"], "Print one JSON object (apiVersion, osType, server, endpoint)", {
      short: "f",
    }),
  },
  args: { min: 0, max: 0 },
  examples: [
    ["ipcat docker ping", "Prints OK and the daemon's API version"],
    ["ipcat docker ping --format json", "The same as one JSON object"],
  ],
  async run({ options }) {
    const docker = await client();
    const info = await docker.ping();
    if (options.format === "json") {
      await writeOut(JSON.stringify({ ...info, endpoint: docker.api.endpoint.display }) + "\n");
      return 0;
    }
    await writeOut(
      `OK (API ${info.apiVersion}, ${info.osType || "unknown OS"}, ${
        info.server || "unknown server"
      }) at ${docker.api.endpoint.display}\n`,
    );
    return 0;
  },
});

const PS_LISTING: Listing = {
  defaultTable:
    "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
  headers: {
    ID: "CONTAINER ID",
    Image: "IMAGE",
    Command: "COMMAND",
    CreatedAt: "CREATED AT",
    RunningFor: "CREATED",
    Ports: "PORTS",
    State: "STATE",
    Status: "STATUS",
    Size: "SIZE",
    Names: "NAMES",
    Labels: "LABELS",
    Label: (key: unknown) => String(key),
    Mounts: "MOUNTS",
    LocalVolumes: "LOCAL VOLUMES",
    Networks: "NETWORKS",
    Platform: "PLATFORM",
  },
};

export const ps = dockerCommand({
  name: "ps",
  summary: "List containers",
  usage: "",
  options: {
    all: flag("Show all containers (default: running ones)", { short: "a" }),
    filter: list(
      "KEY=VALUE",
      "Filter as the daemon does: status, name, label, ancestor, exited, id, before, since, health, volume, network",
      v.string(),
      { short: "f" },
    ),
    format: text("FORMAT", "table, table TEMPLATE, json, or a Go template (e.g. '{{.Names}}')", {
      default: "",
    }),
    last: option("N", "Show the N last created containers (of every state)", WholeNumber, {
      short: "n",
      default: "-1",
    }),
    latest: flag("Show the latest created container", { short: "l" }),
    "no-trunc": flag("Do not truncate IDs and commands"),
    quiet: flag("Only show container IDs", { short: "q" }),
    size: flag("Show the containers' sizes", { short: "s" }),
  },
  args: { min: 0, max: 0 },
  examples: [
    ["ipcat docker ps -a", "All containers, as a table"],
    ["ipcat docker ps --format json", "One JSON object per running container"],
    ["ipcat docker ps -a -f status=exited --format '{{.Names}}'", "Names of stopped containers"],
    ["ipcat docker ps --format 'table {{.Names}}\\t{{.Status}}'", "A table of your own columns"],
  ],
  async run({ options }) {
    const limit = options.latest ? 1 : options.last > 0 ? options.last : undefined;
    const containers = await (await client()).containers({
      all: options.all || limit !== undefined,
      limit,
      size: options.size,
      filters: parseFilters(options.filter),
    });
    const now = Date.now() / 1000;
    const rows = containers.map((c) => psContext(psRow(c, now, options["no-trunc"]), c.Labels));
    let format = options.quiet ? "{{.ID}}" : options.format;
    if (options.size && (format === "" || format === "table")) {
      format = `table ${PS_LISTING.defaultTable}\t{{.Size}}`;
    }
    await writeOut(formatItems(format, rows, PS_LISTING));
    return 0;
  },
});

/** A ps row as the templates see it: the fields, and the `Label` method. */
function psContext(row: PsRow, labels: Record<string, string>) {
  return goStruct("*formatter.ContainerContext", {
    ...row,
    Label: (key: unknown) => labels[String(key)] ?? "",
  });
}

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
    format: text(
      "FORMAT",
      "A Go template run on each object's JSON (e.g. '{{.State.Status}}'), or json",
      {
        short: "f",
      },
    ),
    type: choice(INSPECT_ORDER, "Only look up this kind of object"),
  },
  args: { min: 1 },
  examples: [
    [
      "ipcat docker inspect web",
      "The daemon's JSON for 'web', indented as docker inspect prints it",
    ],
    ["ipcat docker inspect -f '{{.State.Status}}' web", "One field, through a Go template"],
    ["ipcat docker inspect --type image busybox:local", "An image's JSON"],
  ],
  async run({ options, args }) {
    return await inspectObjects(
      args,
      options.type ? [options.type] : INSPECT_ORDER,
      options.format,
      options.type !== undefined,
    );
  },
});

/**
 * Prints the JSON (or `format`'s text) of each named object found as one of `types`, then
 * a line per name not found; the status is 1 when one was missing. `typed`: the missing
 * are told with the daemon's own answer (as `--type` and `volume inspect` do).
 */
export async function inspectObjects(
  args: readonly string[],
  types: readonly ObjectType[],
  format: string | undefined,
  typed: boolean,
): Promise<number> {
  const docker = await client();
  const raws: string[] = [];
  const missing: string[] = [];
  for (const name of args) {
    const found = await firstFound(types, (type) => docker.inspectObjectRaw(type, name));
    if (typeof found === "string") raws.push(found.trim());
    // With a type the CLI shows the daemon's own answer; without, that nothing matched.
    else missing.push(typed ? formatError(found) : `ipcat: No such object: ${name}`);
  }
  if (format === undefined || format === "json") {
    await writeOut(indentJson(`[${raws.join(",")}]`, "    ") + "\n");
  } else {
    const template = parseFormat(format, { prefix: "template parsing error" });
    let out = "";
    try {
      for (const raw of raws) {
        out += executeFormat(template, JSON.parse(raw), {
          missingKeyError: true,
          prefix: "template parsing error",
        }) + "\n";
      }
    } catch (error) {
      // As the CLI: what was made so far (or an empty line), then the error.
      await writeOut(out || "\n");
      throw error;
    }
    await writeOut(out || "\n");
  }
  for (const line of missing) await writeErr(`${line}\n`);
  return missing.length ? 1 : 0;
}

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
