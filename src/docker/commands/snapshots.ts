/**
 * Images made from containers, and images and containers as files: `diff`, `commit`,
 * `history`, `save`, `load`, `export`. No registry is involved in any of them.
 *
 * @module
 */
import * as v from "valibot";
import { writeOut } from "../../cli/io.ts";
import { flag, list, text } from "../../cli/options.ts";
import { IpcatError } from "../../errors.ts";
import { splitReference } from "../client.ts";
import { humanDuration, humanSize, truncateId, truncateWithEllipsis } from "../format.ts";
import { formatItems } from "../output.ts";
import { downloadTar, tarSource } from "./transfer.ts";
import { goStruct } from "../template/mod.ts";
import { client, dockerCommand } from "./shared.ts";

const Changes = v.nullish(v.array(v.looseObject({ Path: v.string(), Kind: v.number() })), []);

export const diff = dockerCommand({
  name: "diff",
  summary: "List the files a container changed (A added, C changed, D deleted)",
  usage: "CONTAINER",
  options: {},
  args: { min: 1, max: 1 },
  examples: [["ipcat docker diff web", "What 'web' changed in its image's file system"]],
  async run({ args }) {
    const changes = v.parse(
      Changes,
      await (await client()).send("GET", `/containers/${encodeURIComponent(args[0]!)}/changes`, {
        subject: `container ${args[0]}`,
      }),
    );
    await writeOut(changes.map((c) => `${"CAD"[c.Kind] ?? "?"} ${c.Path}\n`).join(""));
    return 0;
  },
});

export const commit = dockerCommand({
  name: "commit",
  summary: "Make an image from a container's changes",
  usage: "CONTAINER [REPOSITORY[:TAG]]",
  options: {
    author: text("AUTHOR", "Author of the image", { short: "a" }),
    change: list("INSTRUCTION", "A Dockerfile instruction to apply (CMD, ENV, …)", v.string(), {
      short: "c",
    }),
    message: text("MESSAGE", "Commit message", { short: "m" }),
    pause: flag("Pause the container while committing", { short: "p", default: true }),
  },
  args: { min: 1, max: 2 },
  examples: [["ipcat docker commit web web:snapshot", "The file system of 'web' as an image"]],
  async run({ options, args }) {
    const { repo, tag } = args[1] ? splitReference(args[1]) : { repo: undefined, tag: undefined };
    const query = new URLSearchParams({ container: args[0]!, pause: options.pause ? "1" : "0" });
    if (repo) query.set("repo", repo);
    if (tag) query.set("tag", tag);
    if (options.author) query.set("author", options.author);
    if (options.message) query.set("comment", options.message);
    for (const change of options.change) query.append("changes", change);
    const created = await (await client()).send("POST", `/commit?${query}`, {
      json: {},
      subject: `container ${args[0]}`,
    }) as { Id: string };
    await writeOut(`${created.Id}\n`);
    return 0;
  },
});

const History = v.array(v.looseObject({
  Id: v.string(),
  Created: v.number(),
  CreatedBy: v.optional(v.string(), ""),
  Size: v.number(),
  Comment: v.optional(v.string(), ""),
  Tags: v.nullish(v.array(v.string()), []),
}));

export const history = dockerCommand({
  name: "history",
  summary: "Show the layers of an image",
  usage: "IMAGE",
  options: {
    format: text("FORMAT", "table, table TEMPLATE, json, or a Go template", { default: "" }),
    human: flag("Sizes and dates for people", { short: "H", default: true }),
    "no-trunc": flag("Do not truncate IDs and commands"),
    quiet: flag("Only show image IDs", { short: "q" }),
  },
  args: { min: 1, max: 1 },
  examples: [["ipcat docker history busybox:local", "Its layers, newest first"]],
  async run({ options, args }) {
    const layers = v.parse(
      History,
      await (await client()).send("GET", `/images/${encodeURIComponent(args[0]!)}/history`, {
        subject: `image ${args[0]}`,
      }),
    );
    const now = Date.now() / 1000;
    const rows = layers.map((layer) =>
      goStruct("*formatter.historyContext", {
        Comment: layer.Comment,
        CreatedAt: new Date(layer.Created * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
        CreatedBy: options["no-trunc"]
          ? layer.CreatedBy
          : truncateWithEllipsis(layer.CreatedBy, 45),
        CreatedSince: options.human
          ? `${humanDuration(now - layer.Created)} ago`
          : String(layer.Created),
        ID: layer.Id === "<missing>"
          ? layer.Id
          : options["no-trunc"]
          ? layer.Id
          : truncateId(layer.Id),
        Size: options.human ? humanSize(layer.Size) : String(layer.Size),
      })
    );
    await writeOut(formatItems(options.quiet ? "{{.ID}}" : options.format || "table", rows, {
      defaultTable: "{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
      headers: {
        ID: "IMAGE",
        CreatedSince: "CREATED",
        CreatedAt: "CREATED AT",
        CreatedBy: "CREATED BY",
        Size: "SIZE",
        Comment: "COMMENT",
      },
    }));
    return 0;
  },
});

export const save = dockerCommand({
  name: "save",
  summary: "Write images (with their tags) as a tar stream",
  usage: "IMAGE...",
  options: {
    output: text("FILE", "Write to FILE instead of stdout (- is stdout)", { short: "o" }),
  },
  args: { min: 1 },
  examples: [["ipcat docker save -o busybox.tar busybox:local", "busybox:local as a tar file"]],
  async run({ options, args }) {
    const query = new URLSearchParams();
    for (const name of args) query.append("names", name);
    await downloadTar(await client(), `/images/get?${query}`, options.output, {
      label: "save",
      midway: "midway through the images",
    });
    return 0;
  },
});

export const load = dockerCommand({
  name: "load",
  summary: "Load images from a tar stream that save wrote",
  usage: "",
  options: {
    input: text("FILE", "Read from FILE instead of stdin (- is stdin)", { short: "i" }),
    quiet: flag("Print nothing but errors", { short: "q" }),
  },
  args: { min: 0, max: 0 },
  examples: [["ipcat docker load -i busybox.tar", "The images of busybox.tar, tags included"]],
  async run({ options }) {
    const source = tarSource(options.input, "load");
    const docker = await client();
    const res = await docker.api.request("POST", "/images/load", {
      query: { quiet: true },
      body: source.body,
      contentType: "application/x-tar",
    }).finally(() => source.done());
    let out = "";
    for (const line of (await docker.api.text(res)).split("\n").filter((l) => l.trim())) {
      const message = docker.api.parse(
        v.looseObject({
          stream: v.optional(v.string()),
          error: v.optional(v.string()),
        }),
        line,
        "image load",
      );
      if (message.error) {
        throw new IpcatError("failed", `Error response from daemon: ${message.error}`);
      }
      out += message.stream ?? "";
    }
    if (!options.quiet) await writeOut(out);
    return 0;
  },
});

export const exportContainer = dockerCommand({
  name: "export",
  summary: "Write a container's file system as a tar stream",
  usage: "CONTAINER",
  options: {
    output: text("FILE", "Write to FILE instead of stdout (- is stdout)", { short: "o" }),
  },
  args: { min: 1, max: 1 },
  examples: [["ipcat docker export web > web.tar", "The file system of 'web' as a tar"]],
  async run({ options, args }) {
    await downloadTar(
      await client(),
      `/containers/${encodeURIComponent(args[0]!)}/export`,
      options.output,
      { label: "export", subject: `container ${args[0]}` },
    );
    return 0;
  },
});
