/**
 * `stats`: each container's CPU, memory, network, block I/O and process count, computed
 * from the daemon's samples as the docker CLI computes them; once (`--no-stream`) or
 * redrawn as new samples come.
 *
 * @module
 */
import * as v from "valibot";
import { runtime } from "../../adapter/mod.ts";
import { writeOut } from "../../cli/io.ts";
import { flag, text } from "../../cli/options.ts";
import { humanSize, truncateId } from "../format.ts";
import { formatItems } from "../output.ts";
import { goStruct } from "../template/mod.ts";
import type { Docker } from "../client.ts";
import { client, dockerCommand } from "./shared.ts";

const CpuStats = v.looseObject({
  cpu_usage: v.looseObject({
    total_usage: v.optional(v.number(), 0),
    percpu_usage: v.nullish(v.array(v.number()), []),
  }),
  system_cpu_usage: v.optional(v.number(), 0),
  online_cpus: v.optional(v.number(), 0),
});

/** The fields of `GET /containers/{id}/stats` the CLI's table uses. */
const Sample = v.looseObject({
  id: v.optional(v.string(), ""),
  name: v.optional(v.string(), ""),
  cpu_stats: CpuStats,
  precpu_stats: CpuStats,
  memory_stats: v.looseObject({
    usage: v.optional(v.number(), 0),
    limit: v.optional(v.number(), 0),
    stats: v.nullish(v.record(v.string(), v.number()), {}),
  }),
  networks: v.nullish(
    v.record(v.string(), v.looseObject({ rx_bytes: v.number(), tx_bytes: v.number() })),
    {},
  ),
  blkio_stats: v.nullish(
    v.looseObject({
      io_service_bytes_recursive: v.nullish(
        v.array(v.looseObject({ op: v.string(), value: v.number() })),
        [],
      ),
    }),
    {},
  ),
  pids_stats: v.nullish(v.looseObject({ current: v.optional(v.number(), 0) }), {}),
});
type Sample = v.InferOutput<typeof Sample>;

/** `units.BytesSize`: binary units, four significant digits (`1.504MiB`). */
function bytesSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${Number(size.toPrecision(4))}${units[unit]}`;
}

/** One `stats` row from a sample, with the CLI's field names. */
export function statsRow(sample: Sample, id: string, name: string) {
  const cpuDelta = sample.cpu_stats.cpu_usage.total_usage -
    sample.precpu_stats.cpu_usage.total_usage;
  const systemDelta = sample.cpu_stats.system_cpu_usage - sample.precpu_stats.system_cpu_usage;
  const cpus = sample.cpu_stats.online_cpus || sample.cpu_stats.cpu_usage.percpu_usage.length;
  const cpu = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const memory = sample.memory_stats;
  // cgroup v1 names the page cache total_inactive_file, v2 inactive_file: it is not "used".
  const cache = memory.stats.total_inactive_file ?? memory.stats.inactive_file ?? 0;
  const used = cache < memory.usage ? memory.usage - cache : memory.usage;
  const net = Object.values(sample.networks).reduce(
    (t, n) => [t[0]! + n.rx_bytes, t[1]! + n.tx_bytes],
    [0, 0],
  );
  const io = sample.blkio_stats.io_service_bytes_recursive ?? [];
  const sumOp = (op: string) =>
    io.filter((e) => e.op.toLowerCase() === op).reduce((t, e) => t + e.value, 0);
  return goStruct("*formatter.statsContext", {
    BlockIO: `${humanSize(sumOp("read"))} / ${humanSize(sumOp("write"))}`,
    CPUPerc: `${cpu.toFixed(2)}%`,
    Container: name || id,
    ID: id,
    MemPerc: `${(memory.limit ? (used / memory.limit) * 100 : 0).toFixed(2)}%`,
    MemUsage: `${bytesSize(used)} / ${bytesSize(memory.limit)}`,
    Name: name,
    NetIO: `${humanSize(net[0]!)} / ${humanSize(net[1]!)}`,
    PIDs: String(sample.pids_stats.current ?? 0),
  });
}

const STATS_LISTING = {
  defaultTable:
    "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}",
  headers: {
    ID: "CONTAINER ID",
    Name: "NAME",
    Container: "CONTAINER",
    CPUPerc: "CPU %",
    MemUsage: "MEM USAGE / LIMIT",
    MemPerc: "MEM %",
    NetIO: "NET I/O",
    BlockIO: "BLOCK I/O",
    PIDs: "PIDS",
  },
};

async function sampleOf(docker: Docker, name: string, noTrunc: boolean) {
  const raw = await docker.send("GET", `/containers/${encodeURIComponent(name)}/stats`, {
    query: { stream: false },
    subject: `container ${name}`,
  });
  const sample = v.parse(Sample, raw);
  const id = sample.id || name;
  return statsRow(sample, noTrunc ? id : truncateId(id), sample.name.replace(/^\//, ""));
}

export const stats = dockerCommand({
  name: "stats",
  summary: "Show containers' resource use (a live table, or once with --no-stream)",
  usage: "[CONTAINER...]",
  options: {
    all: flag("All containers (default: running ones)", { short: "a" }),
    format: text("FORMAT", "table, table TEMPLATE, json, or a Go template", { default: "" }),
    "no-stream": flag("Print one sample and exit"),
    "no-trunc": flag("Do not truncate IDs"),
  },
  args: { min: 0 },
  examples: [["ipcat docker stats --no-stream", "One sample of every running container"]],
  async run({ options, args }) {
    const docker = await client();
    const names = args.length
      ? args
      : (await docker.containers({ all: options.all })).map((c) => c.Id);
    const once = async () => {
      const rows = [];
      for (const name of names) rows.push(await sampleOf(docker, name, options["no-trunc"]));
      return formatItems(options.format || "table", rows, STATS_LISTING);
    };
    if (options["no-stream"]) {
      await writeOut(await once());
      return 0;
    }
    // Live: each round of samples redraws the screen (the daemon's one-shot sample takes
    // about a second, which paces the loop), until a signal ends the process.
    const clear = runtime.isTerminal(1) ? "\x1b[2J\x1b[H" : "";
    for (;;) await writeOut(clear + await once());
  },
});
