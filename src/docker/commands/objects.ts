/**
 * Volumes and networks: `volume create|ls|inspect|rm|prune` and
 * `network create|ls|inspect|rm|connect|disconnect`, as the docker CLI's management commands.
 *
 * @module
 */
import * as v from "valibot";
import { writeOut } from "../../cli/io.ts";
import { flag, list, text } from "../../cli/options.ts";
import { IpcatError } from "../../errors.ts";
import { humanSize, truncateId } from "../format.ts";
import { formatItems } from "../output.ts";
import { goStruct } from "../template/mod.ts";
import { client, dockerCommand, eachContainer, parseFilters } from "./shared.ts";
import { inspectObjects } from "./info.ts";

/** `KEY=VALUE` options as a record (`--label`, `--opt`). */
export function keyValues(entries: readonly string[]): Record<string, string> {
  return Object.fromEntries(entries.map((entry) => {
    const equals = entry.indexOf("=");
    return equals < 0 ? [entry, ""] : [entry.slice(0, equals), entry.slice(equals + 1)];
  }));
}

const byName = <T extends { Name: string }>(
  a: T,
  b: T,
) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0);

const VolumeList = v.looseObject({
  Volumes: v.nullish(
    v.array(v.looseObject({
      Name: v.string(),
      Driver: v.string(),
      Scope: v.optional(v.string(), "local"),
      Mountpoint: v.optional(v.string(), ""),
      Labels: v.nullish(v.record(v.string(), v.string()), {}),
    })),
    [],
  ),
});

const volumeCreate = dockerCommand({
  name: "create",
  summary: "Create a volume",
  usage: "[VOLUME]",
  options: {
    driver: text("DRIVER", "Volume driver", { short: "d", default: "local" }),
    label: list("KEY=VALUE", "Set metadata on the volume"),
    opt: list("KEY=VALUE", "Driver options", v.string(), { short: "o" }),
  },
  args: { min: 0, max: 1 },
  examples: [["ipcat docker volume create data", "Creates the local volume 'data'"]],
  async run({ options, args }) {
    const created = await (await client()).send("POST", "/volumes/create", {
      json: {
        Name: args[0] ?? "",
        Driver: options.driver,
        Labels: keyValues(options.label),
        DriverOpts: keyValues(options.opt),
      },
    }) as { Name: string };
    await writeOut(`${created.Name}\n`);
    return 0;
  },
});

const volumeLs = dockerCommand({
  name: "ls",
  summary: "List volumes",
  usage: "",
  options: {
    filter: list("KEY=VALUE", "Filter: dangling, driver, label, name", v.string(), { short: "f" }),
    format: text("FORMAT", "table, table TEMPLATE, json, or a Go template", { default: "" }),
    quiet: flag("Only show volume names", { short: "q" }),
  },
  args: { min: 0, max: 0 },
  examples: [["ipcat docker volume ls -q", "The names of every volume"]],
  async run({ options }) {
    const answer = v.parse(
      VolumeList,
      await (await client()).send("GET", "/volumes", {
        query: { filters: JSON.stringify(parseFilters(options.filter)) },
      }),
    );
    const rows = answer.Volumes.sort(byName).map((vol) =>
      goStruct("*formatter.volumeContext", {
        Driver: vol.Driver,
        Labels: Object.entries(vol.Labels).map(([k, val]) => `${k}=${val}`).join(","),
        Links: "N/A",
        Mountpoint: vol.Mountpoint,
        Name: vol.Name,
        Scope: vol.Scope,
        Size: "N/A",
      })
    );
    const format = options.quiet ? "{{.Name}}" : options.format || "table";
    await writeOut(formatItems(format, rows, {
      defaultTable: "{{.Driver}}\t{{.Name}}",
      headers: {
        Driver: "DRIVER",
        Name: "VOLUME NAME",
        Scope: "SCOPE",
        Mountpoint: "MOUNTPOINT",
        Labels: "LABELS",
        Links: "LINKS",
        Size: "SIZE",
      },
    }));
    return 0;
  },
});

function inspectCommand(type: "volume" | "network") {
  return dockerCommand({
    name: "inspect",
    summary: `Show the full JSON of ${type}s`,
    usage: `${type.toUpperCase()}...`,
    options: { format: text("FORMAT", "A Go template run on each one's JSON", { short: "f" }) },
    args: { min: 1 },
    examples: [[`ipcat docker ${type} inspect NAME`, `The daemon's JSON for the ${type}`]],
    run: ({ options, args }) => inspectObjects(args, [type], options.format, true),
  });
}

function removeCommand(type: "volume" | "network", path: string) {
  return dockerCommand({
    name: "rm",
    summary: `Remove ${type}s`,
    usage: `${type.toUpperCase()}...`,
    options: type === "volume" ? { force: flag("Remove it even when in use", { short: "f" }) } : {},
    args: { min: 1 },
    examples: [[`ipcat docker ${type} rm NAME`, `Removes the ${type}`]],
    async run({ options, args }) {
      const docker = await client();
      const force = (options as { force?: boolean }).force ? true : undefined;
      return await eachContainer(args, async (name) => {
        await docker.send("DELETE", `${path}/${encodeURIComponent(name)}`, {
          query: { force },
          subject: `${type} ${name}`,
        });
        return name;
      });
    },
  });
}

const volumePrune = dockerCommand({
  name: "prune",
  summary: "Remove the local volumes no container uses",
  usage: "",
  options: {
    all: flag("Named volumes too, not only anonymous ones", { short: "a" }),
    filter: list("KEY=VALUE", "Filter: label", v.string()),
    force: flag("Do not ask for confirmation", { short: "f" }),
  },
  args: { min: 0, max: 0 },
  examples: [["ipcat docker volume prune -f", "Removes unused anonymous volumes"]],
  async run({ options }) {
    if (!options.force) {
      // ipcat never reads an answer from the terminal: the confirmation is the flag.
      throw new IpcatError("usage", "volume prune removes data: confirm with -f", {
        hint: "ipcat docker volume prune -f",
      });
    }
    const filters = parseFilters(options.filter);
    if (options.all) filters.all = ["true"];
    const answer = await (await client()).send("POST", "/volumes/prune", {
      query: { filters: JSON.stringify(filters) },
    }) as { VolumesDeleted?: string[] | null; SpaceReclaimed?: number };
    const deleted = answer.VolumesDeleted ?? [];
    const list = deleted.length
      ? `Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join("")}\n`
      : "";
    await writeOut(`${list}Total reclaimed space: ${humanSize(answer.SpaceReclaimed ?? 0)}\n`);
    return 0;
  },
});

/** `volume …` subcommands. */
export const volumeCommands = {
  create: volumeCreate,
  ls: volumeLs,
  list: volumeLs,
  inspect: inspectCommand("volume"),
  rm: removeCommand("volume", "/volumes"),
  remove: removeCommand("volume", "/volumes"),
  prune: volumePrune,
};

const NetworkList = v.array(v.looseObject({
  Id: v.string(),
  Name: v.string(),
  Driver: v.string(),
  Scope: v.string(),
  IPv6: v.optional(v.boolean(), false),
  Internal: v.optional(v.boolean(), false),
  Created: v.optional(v.string(), ""),
  Labels: v.nullish(v.record(v.string(), v.string()), {}),
}));

const networkLs = dockerCommand({
  name: "ls",
  summary: "List networks",
  usage: "",
  options: {
    filter: list("KEY=VALUE", "Filter: driver, id, label, name, scope, type", v.string(), {
      short: "f",
    }),
    format: text("FORMAT", "table, table TEMPLATE, json, or a Go template", { default: "" }),
    "no-trunc": flag("Do not truncate network IDs"),
    quiet: flag("Only show network IDs", { short: "q" }),
  },
  args: { min: 0, max: 0 },
  examples: [["ipcat docker network ls", "Every network, as a table"]],
  async run({ options }) {
    const networks = v.parse(
      NetworkList,
      await (await client()).send("GET", "/networks", {
        query: { filters: JSON.stringify(parseFilters(options.filter)) },
      }),
    );
    const rows = networks.sort(byName).map((n) =>
      goStruct("*formatter.networkContext", {
        CreatedAt: n.Created,
        Driver: n.Driver,
        ID: options["no-trunc"] ? n.Id : truncateId(n.Id),
        IPv6: String(n.IPv6),
        Internal: String(n.Internal),
        Labels: Object.entries(n.Labels).map(([k, val]) => `${k}=${val}`).join(","),
        Name: n.Name,
        Scope: n.Scope,
      })
    );
    const format = options.quiet ? "{{.ID}}" : options.format || "table";
    await writeOut(formatItems(format, rows, {
      defaultTable: "{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
      headers: {
        ID: "NETWORK ID",
        Name: "NAME",
        Driver: "DRIVER",
        Scope: "SCOPE",
        IPv6: "IPV6",
        Internal: "INTERNAL",
        Labels: "LABELS",
        CreatedAt: "CREATED AT",
      },
    }));
    return 0;
  },
});

const networkCreate = dockerCommand({
  name: "create",
  summary: "Create a network",
  usage: "NETWORK",
  options: {
    driver: text("DRIVER", "Network driver", { short: "d", default: "bridge" }),
    internal: flag("No access to the outside"),
    label: list("KEY=VALUE", "Set metadata on the network"),
    opt: list("KEY=VALUE", "Driver options", v.string(), { short: "o" }),
  },
  args: { min: 1, max: 1 },
  examples: [["ipcat docker network create --internal backend", "An internal bridge network"]],
  async run({ options, args }) {
    const created = await (await client()).send("POST", "/networks/create", {
      json: {
        Name: args[0],
        Driver: options.driver,
        Internal: options.internal,
        Labels: keyValues(options.label),
        Options: keyValues(options.opt),
        CheckDuplicate: true,
      },
    }) as { Id: string };
    await writeOut(`${created.Id}\n`);
    return 0;
  },
});

function connectCommand(action: "connect" | "disconnect") {
  return dockerCommand({
    name: action,
    summary: action === "connect"
      ? "Connect a container to a network"
      : "Disconnect a container from a network",
    usage: "NETWORK CONTAINER",
    options: action === "disconnect"
      ? { force: flag("Force the container to disconnect", { short: "f" }) }
      : {},
    args: { min: 2, max: 2 },
    examples: [[
      `ipcat docker network ${action} backend web`,
      `${action === "connect" ? "Connects" : "Disconnects"} 'web'`,
    ]],
    async run({ options, args }) {
      const force = (options as { force?: boolean }).force;
      await (await client()).send("POST", `/networks/${encodeURIComponent(args[0]!)}/${action}`, {
        json: { Container: args[1], ...(force ? { Force: true } : {}) },
        subject: `network ${args[0]}`,
      });
      return 0;
    },
  });
}

/** `network …` subcommands. */
export const networkCommands = {
  create: networkCreate,
  ls: networkLs,
  list: networkLs,
  inspect: inspectCommand("network"),
  rm: removeCommand("network", "/networks"),
  remove: removeCommand("network", "/networks"),
  connect: connectCommand("connect"),
  disconnect: connectCommand("disconnect"),
};
