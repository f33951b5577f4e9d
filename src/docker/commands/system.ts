/**
 * The daemon as a whole: `info`, `system df`, `events`.
 *
 * @module
 */
import * as v from "valibot";
import { writeOut } from "../../cli/io.ts";
import { list, text } from "../../cli/options.ts";
import { IpcatError } from "../../errors.ts";
import { humanSize } from "../format.ts";
import { executeFormat, formatItems, parseFormat } from "../output.ts";
import { goStruct } from "../template/mod.ts";
import { client, dockerCommand, parseFilters, parseTimestamp } from "./shared.ts";

export const info = dockerCommand({
  name: "info",
  summary: "Show what the daemon runs and how it is set up",
  usage: "",
  description: `Without --format, the Server section of the docker CLI's report (ipcat has no client
plugins to list, so its Client section names ipcat only).`,
  options: {
    format: text("FORMAT", "A Go template over the daemon's /info answer, or json", { short: "f" }),
  },
  args: { min: 0, max: 0 },
  examples: [[
    "ipcat docker info -f '{{.ServerVersion}} {{.NCPU}}'",
    "The daemon's version and CPUs",
  ]],
  async run({ options }) {
    const data = await (await client()).send("GET", "/info") as Record<string, unknown>;
    if (options.format !== undefined) {
      const template = parseFormat(options.format === "json" ? "{{json .}}" : options.format, {
        prefix: "template parsing error",
      });
      await writeOut(executeFormat(template, data, { prefix: "template parsing error" }) + "\n");
      return 0;
    }
    await writeOut(infoText(data));
    return 0;
  },
});

/** The CLI's `docker info` report, from the daemon's answer. */
function infoText(info: Record<string, unknown>): string {
  const get = (key: string) => info[key];
  const lines = ["Client:", " Context:    default", "", "Server:"];
  const row = (label: string, value: unknown, indent = " ") => {
    if (value !== undefined && value !== null) lines.push(`${indent}${label}: ${value}`);
  };
  row("Containers", get("Containers"));
  row("Running", get("ContainersRunning"), "  ");
  row("Paused", get("ContainersPaused"), "  ");
  row("Stopped", get("ContainersStopped"), "  ");
  row("Images", get("Images"));
  row("Server Version", get("ServerVersion"));
  row("Storage Driver", get("Driver"));
  for (const [key, value] of (get("DriverStatus") as [string, string][] | null) ?? []) {
    row(key, value, "  ");
  }
  row("Logging Driver", get("LoggingDriver"));
  row("Cgroup Driver", get("CgroupDriver"));
  row("Cgroup Version", get("CgroupVersion"));
  row("Kernel Version", get("KernelVersion"));
  row("Operating System", get("OperatingSystem"));
  row("OSType", get("OSType"));
  row("Architecture", get("Architecture"));
  row("CPUs", get("NCPU"));
  row("Total Memory", `${((get("MemTotal") as number) / 1024 ** 3).toFixed(2)}GiB`);
  row("Name", get("Name"));
  row("ID", get("ID"));
  row("Docker Root Dir", get("DockerRootDir"));
  row("Debug Mode", get("Debug"));
  row("Experimental", get("ExperimentalBuild"));
  row("Live Restore Enabled", get("LiveRestoreEnabled"));
  return lines.join("\n") + "\n\n";
}

const DiskUsage = v.looseObject({
  LayersSize: v.optional(v.number(), 0),
  Images: v.nullish(
    v.array(v.looseObject({
      Containers: v.number(),
      Size: v.number(),
      SharedSize: v.number(),
    })),
    [],
  ),
  Containers: v.nullish(
    v.array(v.looseObject({
      State: v.string(),
      SizeRw: v.optional(v.number(), 0),
    })),
    [],
  ),
  Volumes: v.nullish(
    v.array(v.looseObject({
      UsageData: v.nullish(v.looseObject({ RefCount: v.number(), Size: v.number() })),
    })),
    [],
  ),
  BuildCache: v.nullish(
    v.array(v.looseObject({
      InUse: v.optional(v.boolean(), false),
      Shared: v.optional(v.boolean(), false),
      Size: v.optional(v.number(), 0),
    })),
    [],
  ),
});

/** `12.5MB (50%)`, as the CLI words reclaimable space (the percentage rounded down). */
function reclaimable(size: number, total: number): string {
  return total > 0
    ? `${humanSize(size, 4)} (${Math.floor((size * 100) / total)}%)`
    : humanSize(size, 4);
}

const df = dockerCommand({
  name: "df",
  summary: "Show the space images, containers, volumes and the build cache use",
  usage: "",
  options: {
    format: text("FORMAT", "table, table TEMPLATE, json, or a Go template", { default: "" }),
  },
  args: { min: 0, max: 0 },
  examples: [["ipcat docker system df", "One row per kind, as the CLI prints it"]],
  async run({ options }) {
    const usage = v.parse(DiskUsage, await (await client()).send("GET", "/system/df"));
    const used = usage.Images.filter((i) =>
      i.Containers > 0 && i.Size !== -1 && i.SharedSize !== -1
    )
      .reduce((sum, i) => sum + i.Size - i.SharedSize, 0);
    const activeState = /running|paused|restarting/;
    const containerSize = usage.Containers.reduce((sum, c) => sum + c.SizeRw, 0);
    const idleContainers = usage.Containers.filter((c) => !activeState.test(c.State))
      .reduce((sum, c) => sum + c.SizeRw, 0);
    const volumeSize = usage.Volumes.reduce(
      (sum, vol) => sum + Math.max(0, vol.UsageData?.Size ?? 0),
      0,
    );
    const idleVolumes = usage.Volumes.filter((vol) => (vol.UsageData?.RefCount ?? 0) === 0)
      .reduce((sum, vol) => sum + Math.max(0, vol.UsageData?.Size ?? 0), 0);
    const cacheSize = usage.BuildCache.reduce((sum, b) => sum + b.Size, 0);
    const idleCache = usage.BuildCache.filter((b) => !b.InUse && !b.Shared).reduce(
      (s, b) => s + b.Size,
      0,
    );
    const row = (Type: string, total: number, active: number, size: number, free: string) =>
      goStruct("*formatter.diskUsageContext", {
        Active: String(active),
        Reclaimable: free,
        Size: humanSize(size, 4),
        TotalCount: String(total),
        Type,
      });
    const rows = [
      row(
        "Images",
        usage.Images.length,
        usage.Images.filter((i) => i.Containers > 0).length,
        usage.LayersSize,
        reclaimable(usage.LayersSize - used, usage.LayersSize),
      ),
      row(
        "Containers",
        usage.Containers.length,
        usage.Containers.filter((c) => activeState.test(c.State)).length,
        containerSize,
        reclaimable(idleContainers, containerSize),
      ),
      row(
        "Local Volumes",
        usage.Volumes.length,
        usage.Volumes.filter((vol) => (vol.UsageData?.RefCount ?? 0) > 0).length,
        volumeSize,
        reclaimable(idleVolumes, volumeSize),
      ),
      row(
        "Build Cache",
        usage.BuildCache.length,
        usage.BuildCache.filter((b) => b.InUse).length,
        cacheSize,
        humanSize(idleCache, 4),
      ),
    ];
    await writeOut(formatItems(options.format || "table", rows, {
      defaultTable: "{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
      headers: {
        Type: "TYPE",
        TotalCount: "TOTAL",
        Active: "ACTIVE",
        Size: "SIZE",
        Reclaimable: "RECLAIMABLE",
      },
    }));
    return 0;
  },
});

const EventMessage = v.looseObject({
  Type: v.optional(v.string(), ""),
  Action: v.optional(v.string(), ""),
  Actor: v.optional(
    v.looseObject({
      ID: v.optional(v.string(), ""),
      Attributes: v.nullish(v.record(v.string(), v.string()), {}),
    }),
    {},
  ),
  time: v.optional(v.number(), 0),
});

/**
 * An event's time as the CLI shows it (RFC 3339, always nine digits), from the text of
 * its `timeNano`: nanoseconds since 1970 do not fit a JavaScript number exactly.
 */
function eventTime(line: string, time: number): string {
  const exact = /"timeNano":(\d+)/.exec(line)?.[1];
  const nanos = exact ? BigInt(exact) : BigInt(time) * 1_000_000_000n;
  const seconds = nanos / 1_000_000_000n;
  const fraction = String(nanos % 1_000_000_000n).padStart(9, "0");
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d+Z$/, `.${fraction}Z`);
}

export const events = dockerCommand({
  name: "events",
  summary: "Print the daemon's events as they happen",
  usage: "",
  options: {
    filter: list(
      "KEY=VALUE",
      "Filter: container, event, image, label, network, type, volume",
      v.string(),
      {
        short: "f",
      },
    ),
    format: text("FORMAT", "A Go template, or json"),
    since: text("TIME", "Events since TIME (RFC 3339, Unix seconds, or a duration back: 10m)"),
    until: text("TIME", "Stop at TIME (as --since); without it, follow"),
  },
  args: { min: 0, max: 0 },
  examples: [[
    "ipcat docker events --since 10m --until 0s",
    "The last ten minutes' events, then exit",
  ]],
  async run({ options }) {
    const now = Date.now();
    const docker = await client();
    const res = await docker.api.request("GET", "/events", {
      query: {
        since: options.since === undefined ? undefined : parseTimestamp(options.since, now),
        until: options.until === undefined ? undefined : parseTimestamp(options.until, now),
        filters: JSON.stringify(parseFilters(options.filter)),
      },
    });
    const template = options.format === undefined || options.format === "json"
      ? null
      : parseFormat(options.format);
    const decoder = new TextDecoder();
    let pending = "";
    const reader = res.body?.getReader();
    if (!reader) return 0;
    for (;;) {
      let step;
      try {
        step = await reader.read();
      } catch (error) {
        throw docker.api.droppedError(error, "midway through the events");
      }
      if (step.done) break;
      pending += decoder.decode(step.value, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop()!;
      let out = "";
      for (const line of lines.filter((l) => l.trim())) {
        const raw = docker.api.parse(v.unknown(), line, "an event");
        const event = v.parse(EventMessage, raw);
        if (options.format === "json") {
          // The daemon's own text: timeNano does not fit a JavaScript number exactly.
          out += line.trim() + "\n";
          continue;
        }
        if (template) {
          out += executeFormat(template, raw) + "\n";
          continue;
        }
        const attributes = Object.entries(event.Actor.Attributes).sort((
          [a],
          [b],
        ) => (a < b ? -1 : 1))
          .map(([k, val]) => `${k}=${val}`).join(", ");
        out += `${eventTime(line, event.time)} ${event.Type} ${event.Action} ${event.Actor.ID}${
          attributes ? ` (${attributes})` : ""
        }\n`;
      }
      if (out) await writeOut(out);
    }
    if (pending.trim()) {
      throw new IpcatError("protocol", "the daemon's event stream ended inside an event");
    }
    return 0;
  },
});

/** `system …` subcommands. */
export const systemCommands = { df, info, events };
