/**
 * `ipcat completion`: prints the completion script for a shell, and the names that the
 * scripts complete (containers, images, queues) at the moment they are asked for.
 *
 * @module
 */
import * as v from "valibot";
import { IpcatError } from "../errors.ts";
import { defineCommand, type Family } from "./command.ts";
import { completionModel, completionScript, type Shell, SHELLS } from "./completion.ts";
import { writeOut } from "./io.ts";

/** The families, loaded on first use (completion needs all of them, help needs none). */
async function allFamilies(): Promise<Family[]> {
  const { FAMILY_LOADERS } = await import("./dispatch.ts");
  return await Promise.all(Object.values(FAMILY_LOADERS).map((load) => load()));
}

const INSTALL: Record<Shell, string> = {
  bash:
    'eval "$(ipcat completion bash)" in ~/.bashrc, or save it as /usr/share/bash-completion/completions/ipcat',
  zsh: 'eval "$(ipcat completion zsh)" in ~/.zshrc',
  fish: "ipcat completion fish > ~/.config/fish/completions/ipcat.fish",
};

const scriptCommands = SHELLS.map((shell) =>
  defineCommand({
    name: shell,
    summary: `Print the ${shell} completion script`,
    usage: "",
    description: `Install it with: ${INSTALL[shell]}`,
    options: {},
    positionals: { min: 0, max: 0 },
    examples: [[`ipcat completion ${shell}`, "Prints the script"]],
    async run() {
      const families = (await allFamilies()).filter((f) => f.name !== "completion");
      await writeOut(completionScript(shell, completionModel(families)));
      return 0;
    },
  })
);

const KINDS = ["container", "image", "queue"] as const;

/** The names of every `kind` there is now; nothing (not an error) when none can be had. */
async function namesOf(kind: typeof KINDS[number]): Promise<string[]> {
  if (kind === "queue") {
    const { listQueues } = await import("../mq/admin.ts");
    return listQueues().map((q) => q.name);
  }
  const { Docker } = await import("../docker/mod.ts");
  const docker = await Docker.fromEnv();
  if (kind === "container") {
    const containers = await docker.containers({ all: true });
    return containers.flatMap((c) => c.Names.map((name) => name.replace(/^\//, "")));
  }
  const images = await docker.api.requestJson(
    v.array(v.object({ RepoTags: v.nullish(v.array(v.string()), []) })),
    "GET",
    "/images/json",
  );
  return images.flatMap((image) => image.RepoTags).filter((tag) => tag !== "<none>:<none>");
}

const values = defineCommand({
  name: "values",
  summary: "Print the names the scripts complete: containers, images or queues",
  usage: "container|image|queue",
  description:
    "Used by the completion scripts; prints one name per line, and nothing when the daemon or the queues cannot be reached.",
  options: {},
  positionals: { min: 1, max: 1 },
  examples: [["ipcat completion values container", "Names of all containers"]],
  async run({ args }) {
    const kind = args[0] as typeof KINDS[number];
    if (!KINDS.includes(kind)) {
      throw new IpcatError("usage", `no completion values for '${args[0]}'`, {
        hint: `use one of ${KINDS.join(", ")}`,
      });
    }
    let names: string[] = [];
    try {
      names = await namesOf(kind);
    } catch {
      // Completion must never print an error into the user's command line.
    }
    if (names.length) await writeOut(names.join("\n") + "\n");
    return 0;
  },
});

/** The completion family's commands. */
export const completionFamily: Family = {
  name: "completion",
  summary: "Shell completion for bash, zsh and fish",
  description:
    "Prints a completion script generated from ipcat's own command declarations: families,\ncommands, options and their values, container, image and queue names, socket paths.",
  commands: [...scriptCommands, values],
};
