/**
 * The dispatcher behind `ipcat`: finds the family and the command, prints help, parses
 * the command line and runs the command. `src/main.ts` loads it only for commands, so
 * that `ipcat --version` pays for none of this.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import { isVersionRequest, versionText } from "../version.ts";
import { commandHelp, type Family, familyHelp, parseCommandLine, wantsHelp } from "./command.ts";
import { writeOut } from "./io.ts";
import { didYouMean } from "./suggest.ts";

/**
 * Every family, in the order `--help` lists them, loaded only when asked for: a command
 * pays the start-up of its own family alone, and `--version` of none (the bench measured
 * start-up doubling when all three were imported up front).
 */
export const FAMILY_LOADERS: Readonly<Record<string, () => Promise<Family>>> = {
  docker: async () => (await import("../docker/cli.ts")).dockerFamily,
  mq: async () => (await import("../mq/cli.ts")).mqFamily,
  sock: async () => (await import("../sock/cli.ts")).sockFamily,
  completion: async () => (await import("./completion_cli.ts")).completionFamily,
};

/** The text of `ipcat --help`. */
export async function topHelp(): Promise<string> {
  const FAMILIES = await Promise.all(Object.values(FAMILY_LOADERS).map((load) => load()));
  const width = Math.max(...FAMILIES.map((f) => f.name.length));
  return [
    "Usage: ipcat FAMILY COMMAND [OPTIONS]",
    "",
    "ipcat: one binary for local inter-process communication.",
    "",
    "Families:",
    ...FAMILIES.map((f) => `  ${f.name.padEnd(width)}  ${f.summary}`),
    "",
    "Options:",
    "  -h, --help     Show help (also after a family or command)",
    "  -V, --version  Show the version and the runtime (--json: as one JSON object)",
    "",
    "Examples:",
    "  ipcat docker run --rm -it myimage sh",
    "  ipcat mq send /jobs hello && ipcat mq recv /jobs",
    "  ipcat sock serve /ipc/app.sock -- ./server_app.sh",
    '  eval "$(ipcat completion bash)"',
    "",
    "Environment:",
    "  DOCKER_HOST    Docker engine to use (else the docker context, else /var/run/docker.sock)",
    "  IPCAT_DEBUG=1  Print stack traces with errors",
    "",
    "Run 'ipcat FAMILY --help' for a family's commands.",
  ].join("\n") + "\n";
}

/**
 * Runs one command line and returns its exit status. Errors are thrown as
 * {@link IpcatError}; the caller prints them.
 */
export async function dispatch(argv: readonly string[]): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    await writeOut(await topHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-V" || first === "version") {
    // `src/main.ts` answers the well-formed requests before loading this file.
    if (isVersionRequest(argv)) {
      await writeOut(versionText(argv[1] === "--json"));
      return 0;
    }
    throw new IpcatError("usage", `unexpected '${argv[1]}' after ${first}`, {
      hint: `run 'ipcat ${first}', or 'ipcat ${first} --json' for one JSON object`,
    });
  }
  const load = Object.hasOwn(FAMILY_LOADERS, first) ? FAMILY_LOADERS[first] : undefined;
  if (!load) {
    const what = first.startsWith("-") ? "option" : "command";
    throw new IpcatError("usage", `unknown ${what} '${first}'`, {
      hint: didYouMean(
        first,
        [...Object.keys(FAMILY_LOADERS), "--help", "--version"],
        "run 'ipcat --help' for the families",
      ),
    });
  }
  const family = await load();
  let afterFamily = argv.slice(1);
  if (family.takeLeadingOptions) {
    try {
      afterFamily = family.takeLeadingOptions(afterFamily);
    } catch (error) {
      throw family.mapError ? family.mapError(error, "") : error;
    }
  }
  const [second, ...rest] = afterFamily;
  if (second === undefined || second === "--help" || second === "-h" || second === "help") {
    await writeOut(familyHelp(family));
    return second === undefined ? 2 : 0;
  }
  const command = family.commands.find((c) => c.name === second);
  if (!command) {
    throw new IpcatError("usage", `unknown command 'ipcat ${family.name} ${second}'`, {
      hint: didYouMean(
        second,
        family.commands.map((c) => c.name),
        `run 'ipcat ${family.name} --help' for its commands`,
      ),
    });
  }
  const prefix = `ipcat ${family.name} ${command.name}`;
  if (wantsHelp(command, rest)) {
    await writeOut(commandHelp(command, prefix));
    return 0;
  }
  try {
    return await command.run(parseCommandLine(command, rest, prefix));
  } catch (error) {
    throw family.mapError ? family.mapError(error, command.name) : error;
  }
}
