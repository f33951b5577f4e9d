/**
 * The docker CLI's management commands: `container ls`, `image rm`, `volume create`,
 * `network ls`, `system df`… A group names its subcommands (some under their long forms'
 * names, as `container ls` for `ps`) and hands the rest of the command line to one.
 *
 * @module
 */
import { type Command, commandHelp, parseCommandLine, wantsHelp } from "../../cli/command.ts";
import { writeErr, writeOut } from "../../cli/io.ts";
import { didYouMean } from "../../cli/suggest.ts";
import { formatError, IpcatError } from "../../errors.ts";
import { dockerExitError } from "../exit.ts";
import { dockerCommand } from "./shared.ts";

/** A management command: `ipcat docker NAME SUBCOMMAND …`. */
export function groupCommand(
  name: string,
  summary: string,
  subcommands: Readonly<Record<string, Command<unknown>>>,
): Command<unknown> {
  const names = Object.keys(subcommands);
  const group: Command<unknown> = dockerCommand({
    name,
    summary,
    usage: "COMMAND",
    description: `Commands: ${names.join(", ")}. 'ipcat docker ${name} COMMAND --help' shows one.`,
    options: {},
    args: { min: 0 },
    passThroughAfter: 1,
    examples: [[`ipcat docker ${name} ${names[0]} --help`, `The options of '${name} ${names[0]}'`]],
    async run({ args }) {
      const [which, ...rest] = args;
      if (which === undefined) {
        // As the CLI: the management command alone shows what it holds.
        await writeOut(commandHelp(group, `ipcat docker ${name}`));
        return 0;
      }
      const sub = subcommands[which];
      if (!sub) {
        throw new IpcatError("failed", `unknown command: docker ${name} ${which}`, {
          hint: didYouMean(which, names, `one of ${names.join(", ")}`),
        });
      }
      const prefix = `ipcat docker ${name} ${which}`;
      if (wantsHelp(sub, rest)) {
        await writeOut(commandHelp(sub, prefix));
        return 0;
      }
      try {
        return await sub.run(parseCommandLine(sub, rest, prefix));
      } catch (error) {
        // The status is the subcommand's own (`container run` fails as `run` does).
        const mapped = dockerExitError(error, sub.name);
        if (!(mapped instanceof IpcatError)) throw mapped;
        await writeErr(formatError(mapped) + "\n");
        return mapped.exitCode;
      }
    },
  }) as Command<unknown>;
  return group;
}
