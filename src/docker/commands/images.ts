/**
 * Image commands: `import`.
 *
 * @module
 */
import { createReadStream, openSync } from "node:fs";
import { Readable } from "node:stream";
import { runtime } from "../../adapter/mod.ts";
import { writeOut } from "../../cli/io.ts";
import { IpcatError } from "../../errors.ts";
import { client, dockerCommand } from "./shared.ts";

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
