/**
 * Commands that change or show a running container: `restart`, `pause`, `unpause`,
 * `rename`, `update`, `top`, `port`.
 *
 * @module
 */
import * as v from "valibot";
import { text as textOption } from "../../cli/options.ts";
import { option } from "../../cli/options.ts";
import { writeOut } from "../../cli/io.ts";
import { tabwrite } from "../../cli/table.ts";
import { IpcatError } from "../../errors.ts";
import { restartPolicy } from "../spec.ts";
import { client, dockerCommand, eachContainer, stopOptions } from "./shared.ts";

/**
 * A size as the docker CLI's `RAMInBytes` reads it: `512m`, `1g`, `1.5GiB`, `1024` (binary units).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ramInBytes } from "./state.ts";
 * assert.equal(ramInBytes("64m"), 64 * 1024 * 1024);
 * assert.equal(ramInBytes("1.5g"), 1.5 * 1024 ** 3);
 * assert.equal(ramInBytes("100"), 100);
 * ```
 */
export function ramInBytes(value: string): number {
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(value);
  if (!match) {
    throw new IpcatError("usage", `invalid size: '${value}'`, { hint: "e.g. 512m, 1g or 1048576" });
  }
  const power = match[2] ? "kmgtp".indexOf(match[2].toLowerCase()) + 1 : 0;
  return Math.floor(Number(match[1]) * 1024 ** power);
}

/** A docker memory size option (`512m`, `1g`; `-1` for unlimited swap). */
export const MemorySize = v.pipe(
  v.string(),
  v.regex(/^(-1|\d+(\.\d+)? ?[kKmMgGtTpP]?[iI]?[bB]?)$/, "a size such as 512m or 1g"),
  v.transform((s) => (s === "-1" ? -1 : ramInBytes(s))),
);

/** A decimal number of CPUs (`1.5`), as nano-CPUs. */
export const NanoCpus = v.pipe(
  v.string(),
  v.regex(/^\d+(\.\d+)?$/, "a number of CPUs such as 0.5 or 2"),
  v.transform((s) => Math.round(Number(s) * 1e9)),
);

const Integer = v.pipe(v.string(), v.regex(/^-?\d+$/, "a whole number"), v.transform(Number));

export const restart = dockerCommand({
  name: "restart",
  summary: "Restart containers",
  usage: "CONTAINER...",
  options: stopOptions,
  args: { min: 1 },
  examples: [["ipcat docker restart -t 1 web", "Stops 'web' (killing it after 1 s) and starts it"]],
  async run({ options, args }) {
    const docker = await client();
    return await eachContainer(args, async (name) => {
      await docker.containerAction(name, "restart", { t: options.time, signal: options.signal });
      return name;
    });
  },
});

function simpleAction(name: "pause" | "unpause", summary: string, example: string) {
  return dockerCommand({
    name,
    summary,
    usage: "CONTAINER...",
    options: {},
    args: { min: 1 },
    examples: [[`ipcat docker ${name} web`, example]],
    async run({ args }) {
      const docker = await client();
      return await eachContainer(args, async (id) => (await docker.containerAction(id, name), id));
    },
  });
}

export const pause = simpleAction(
  "pause",
  "Freeze every process of containers",
  "Freezes 'web' (its cgroup)",
);
export const unpause = simpleAction("unpause", "Thaw paused containers", "Thaws 'web'");

export const rename = dockerCommand({
  name: "rename",
  summary: "Rename a container",
  usage: "CONTAINER NEW_NAME",
  options: {},
  args: { min: 2, max: 2 },
  examples: [["ipcat docker rename web web-old", "'web' is now called 'web-old'"]],
  async run({ args }) {
    await (await client()).containerAction(args[0]!, "rename", { name: args[1] });
    return 0;
  },
});

export const update = dockerCommand({
  name: "update",
  summary: "Change the resources and restart policy of containers",
  usage: "CONTAINER...",
  options: {
    "blkio-weight": option("N", "Block IO weight, 10 to 1000 (0: unchanged)", Integer),
    "cpu-shares": option("N", "CPU shares (relative weight)", Integer, { short: "c" }),
    cpus: option("N", "Number of CPUs, e.g. 1.5", NanoCpus),
    "cpuset-cpus": textOption("LIST", "CPUs the container may use (0-3, 0,1)"),
    "cpuset-mems": textOption("LIST", "Memory nodes the container may use"),
    memory: option("SIZE", "Memory limit, e.g. 512m", MemorySize, { short: "m" }),
    "memory-reservation": option("SIZE", "Memory soft limit", MemorySize),
    "memory-swap": option("SIZE", "Memory plus swap limit (-1: unlimited swap)", MemorySize),
    "pids-limit": option("N", "Most processes (-1: unlimited)", Integer),
    restart: textOption("POLICY", "Restart policy: no, always, unless-stopped, on-failure[:N]"),
  },
  args: { min: 1 },
  examples: [[
    "ipcat docker update -m 256m --cpus 0.5 web",
    "Caps 'web' at 256 MiB and half a CPU",
  ]],
  async run({ options, args }) {
    const body = Object.fromEntries(
      Object.entries({
        BlkioWeight: options["blkio-weight"],
        CpuShares: options["cpu-shares"],
        NanoCpus: options.cpus,
        CpusetCpus: options["cpuset-cpus"],
        CpusetMems: options["cpuset-mems"],
        Memory: options.memory,
        MemoryReservation: options["memory-reservation"],
        MemorySwap: options["memory-swap"],
        PidsLimit: options["pids-limit"],
        RestartPolicy: options.restart === undefined ? undefined : restartPolicy(options.restart),
      }).filter(([, value]) => value !== undefined),
    );
    if (Object.keys(body).length === 0) {
      throw new IpcatError("usage", "you must provide one or more flags when using this command", {
        hint: "e.g. --memory 256m or --restart always",
      });
    }
    const docker = await client();
    return await eachContainer(args, async (name) => {
      await docker.send("POST", `/containers/${encodeURIComponent(name)}/update`, {
        json: body,
        subject: `container ${name}`,
      });
      return name;
    });
  },
});

const TopAnswer = v.looseObject({
  Titles: v.array(v.string()),
  Processes: v.nullish(v.array(v.array(v.string())), []),
});

export const top = dockerCommand({
  name: "top",
  summary: "Show the processes of a container",
  usage: "CONTAINER [ps OPTIONS]",
  options: {},
  args: { min: 1 },
  passThroughAfter: 1,
  examples: [["ipcat docker top web -o pid,comm", "PID and command of each process in 'web'"]],
  async run({ args }) {
    const [name, ...psArgs] = args;
    const answer = v.parse(
      TopAnswer,
      await (await client()).send("GET", `/containers/${encodeURIComponent(name!)}/top`, {
        query: { ps_args: psArgs.length ? psArgs.join(" ") : undefined },
        subject: `container ${name}`,
      }),
    );
    const lines = [answer.Titles, ...answer.Processes].map((row) => row.join("\t") + "\n");
    // The CLI's own tabwriter settings for top: columns of at least 20.
    await writeOut(tabwrite(lines.join(""), { minWidth: 20, padding: 3 }));
    return 0;
  },
});

const PortBindings = v.nullish(
  v.record(
    v.string(),
    v.nullish(v.array(v.looseObject({ HostIp: v.optional(v.string(), ""), HostPort: v.string() }))),
  ),
  {},
);

export const port = dockerCommand({
  name: "port",
  summary: "List a container's published ports",
  usage: "CONTAINER [PRIVATE_PORT[/PROTO]]",
  options: {},
  args: { min: 1, max: 2 },
  examples: [["ipcat docker port web 80", "Where port 80 of 'web' is published"]],
  async run({ args }) {
    const [name, wanted] = args;
    const inspect = (await (await client()).send(
      "GET",
      `/containers/${encodeURIComponent(name!)}/json`,
      { subject: `container ${name}` },
    )) as { NetworkSettings?: { Ports?: unknown } };
    const ports = v.parse(PortBindings, inspect.NetworkSettings?.Ports);
    const address = (b: { HostIp: string; HostPort: string }) =>
      `${b.HostIp.includes(":") ? `[${b.HostIp}]` : b.HostIp || "0.0.0.0"}:${b.HostPort}`;
    if (wanted !== undefined) {
      const key = wanted.includes("/") ? wanted : `${wanted}/tcp`;
      const bindings = ports[key];
      if (!bindings?.length) {
        throw new IpcatError("failed", `No public port '${key}' published for ${name}`);
      }
      await writeOut(bindings.map((b) => `${address(b)}\n`).join(""));
      return 0;
    }
    const lines: string[] = [];
    for (const key of Object.keys(ports).sort()) {
      for (const binding of ports[key] ?? []) lines.push(`${key} -> ${address(binding)}\n`);
    }
    await writeOut(lines.join(""));
    return 0;
  },
});
