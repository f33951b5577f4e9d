/**
 * Image commands: `images`, `rmi`, `tag`, `import`.
 *
 * @module
 */
import { createReadStream, openSync } from "node:fs";
import { Readable } from "node:stream";
import { runtime } from "../../adapter/mod.ts";
import { writeOut } from "../../cli/io.ts";
import { IpcatError } from "../../errors.ts";
import * as v from "valibot";
import { flag, list, text } from "../../cli/options.ts";
import { humanDuration, humanSize, truncateId } from "../format.ts";
import { formatItems, type Listing } from "../output.ts";
import type { ImageSummary } from "../schemas.ts";
import { goStruct } from "../template/mod.ts";
import { client, dockerCommand, eachContainer, parseFilters } from "./shared.ts";

const IMAGES_LISTING: Listing = {
  defaultTable: "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}",
  headers: {
    Repository: "REPOSITORY",
    Tag: "TAG",
    Digest: "DIGEST",
    ID: "IMAGE ID",
    CreatedSince: "CREATED",
    CreatedAt: "CREATED AT",
    Size: "SIZE",
    Containers: "CONTAINERS",
    VirtualSize: "VIRTUAL SIZE",
    SharedSize: "SHARED SIZE",
    UniqueSize: "UNIQUE SIZE",
  },
};

/** The rows `docker images` makes of one image: one per tag, or one `<none>` row. */
export function imageRows(image: ImageSummary, nowSeconds: number, noTrunc: boolean): object[] {
  const tags = image.RepoTags.filter((t) => t !== "<none>:<none>");
  const refs = tags.length ? tags : ["<none>:<none>"];
  const na = (n: number) => (n === -1 ? "N/A" : humanSize(n));
  return refs.map((ref) => {
    const colon = ref.lastIndexOf(":");
    const repository = ref.slice(0, colon);
    const digest = image.RepoDigests.find((d) => d.startsWith(`${repository}@`))?.split("@")[1];
    return goStruct("*formatter.imageContext", {
      Containers: image.Containers === -1 ? "N/A" : String(image.Containers),
      CreatedAt: new Date(image.Created * 1000).toISOString().replace("T", " ").replace(
        /\.\d+Z$/,
        " +0000 UTC",
      ),
      CreatedSince: `${humanDuration(nowSeconds - image.Created)} ago`,
      Digest: digest ?? "<none>",
      ID: noTrunc ? image.Id : truncateId(image.Id),
      Repository: repository,
      SharedSize: na(image.SharedSize),
      Size: humanSize(image.Size),
      Tag: ref.slice(colon + 1),
      UniqueSize: image.SharedSize === -1 ? "N/A" : humanSize(image.Size - image.SharedSize),
      VirtualSize: humanSize(image.VirtualSize ?? image.Size, 4),
    });
  });
}

export const images = dockerCommand({
  name: "images",
  summary: "List images",
  usage: "[REPOSITORY[:TAG]]",
  options: {
    all: flag("Show all images (default: hides intermediate images)", { short: "a" }),
    digests: flag("Show digests"),
    filter: list("KEY=VALUE", "Filter: dangling, label, reference, before, since", v.string(), {
      short: "f",
    }),
    format: text("FORMAT", "table, table TEMPLATE, json, or a Go template", { default: "" }),
    "no-trunc": flag("Do not truncate IDs"),
    quiet: flag("Only show image IDs", { short: "q" }),
  },
  args: { min: 0, max: 1 },
  examples: [
    ["ipcat docker images", "Every image, as a table"],
    ["ipcat docker images busybox --format '{{.ID}} {{.Tag}}'", "The busybox images' IDs and tags"],
  ],
  async run({ options, args }) {
    const filters = parseFilters(options.filter);
    if (args[0]) (filters.reference ??= []).push(args[0]);
    const list = await (await client()).images({
      all: options.all,
      digests: options.digests,
      filters,
    });
    const now = Date.now() / 1000;
    const rows = list.flatMap((image) => imageRows(image, now, options["no-trunc"]));
    let format = options.quiet ? "{{.ID}}" : options.format;
    const listing = { ...IMAGES_LISTING };
    if (options.digests) {
      listing.defaultTable =
        "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
    }
    if (format === "") format = "table";
    await writeOut(formatItems(format, rows, listing));
    return 0;
  },
});

export const rmi = dockerCommand({
  name: "rmi",
  summary: "Remove images",
  usage: "IMAGE...",
  options: {
    force: flag("Remove the image even if containers use it, and every tag of it", { short: "f" }),
    "no-prune": flag("Do not delete untagged parents"),
  },
  args: { min: 1 },
  examples: [[
    "ipcat docker rmi busybox:old",
    "Untags busybox:old, deleting the image if it was the last tag",
  ]],
  async run({ options, args }) {
    const docker = await client();
    return await eachContainer(args, async (name) => {
      const deleted = await docker.removeImage(name, {
        force: options.force,
        noPrune: options["no-prune"],
      });
      return deleted.map((d) => (d.Untagged ? `Untagged: ${d.Untagged}` : `Deleted: ${d.Deleted}`))
        .join("\n");
    });
  },
});

export const tag = dockerCommand({
  name: "tag",
  summary: "Give an image another name",
  usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  options: {},
  args: { min: 2, max: 2 },
  examples: [["ipcat docker tag busybox:local busybox:v2", "busybox:v2 names the same image"]],
  async run({ args }) {
    await (await client()).tag(args[0]!, args[1]!);
    return 0;
  },
});

export const importImage = dockerCommand({
  name: "import",
  summary: "Make an image from a root file system tar (no registry needed)",
  usage: "TAR|- [REPOSITORY[:TAG]]",
  options: {},
  args: { min: 1, max: 2 },
  examples: [[
    "tar -C rootfs -c . | ipcat docker import - busybox:local",
    "Imports the tar on stdin as busybox:local and prints the image ID",
  ]],
  async run({ args }) {
    const [source, reference] = args;
    let tar: ReadableStream<Uint8Array>;
    if (source === "-") {
      tar = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const chunk = await runtime.stdin.read();
          if (chunk === null) controller.close();
          else controller.enqueue(chunk);
        },
        cancel: () => runtime.stdin.cancel(),
      });
    } else {
      let fd: number;
      try {
        fd = openSync(source!, "r");
      } catch (error) {
        throw new IpcatError("docker", `cannot read ${source}: ${(error as Error).message}`, {
          hint: "give the path of a tar file, or - for stdin",
        });
      }
      tar = Readable.toWeb(createReadStream("", { fd })) as unknown as ReadableStream<Uint8Array>;
    }
    await writeOut(`${await (await client()).importImage(tar, reference)}\n`);
    return 0;
  },
});
