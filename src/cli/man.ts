/**
 * Man pages generated from the command declarations: `ipcat(1)`, one page per family
 * (`ipcat-docker(1)`) and one per command (`ipcat-docker-run(1)`), in man(7) roff.
 * `npm run build` writes them to `dist/man/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { defineCommand } from "./command.ts";
 * import { commandPage } from "./man.ts";
 * import { flag } from "./options.ts";
 * const hello = defineCommand({
 *   name: "hello",
 *   summary: "Say hello",
 *   usage: "[NAME]",
 *   options: { loud: flag("Shout", { short: "l" }) },
 *   positionals: { min: 0, max: 1 },
 *   examples: [["ipcat demo hello -l you", "Greets you loudly"]],
 *   run: () => 0,
 * });
 * const page = commandPage({ name: "demo", summary: "", description: "", commands: [hello] }, hello, "1.0.0");
 * assert.match(page, /^\.TH "IPCAT-DEMO-HELLO" 1/);
 * assert.match(page, /\.B \\-l, \\-\\-loud/);
 * ```
 *
 * @module
 */
import { type ErrorCode, EXIT_CODES } from "../errors.ts";
import { type Command, describeOption, type Family } from "./command.ts";

/**
 * Text made safe for roff: backslashes and hyphens escaped, characters beyond ASCII as
 * `\[uXXXX]` (groff warns on raw UTF-8 input), no line starting a request.
 */
function roff(text: string): string {
  return text
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .replace(
      /[\u0080-\u{10FFFF}]/gu,
      (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}]`,
    )
    .split("\n")
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join("\n");
}

function header(name: string, summary: string, version: string): string[] {
  return [
    `.TH "${name.toUpperCase()}" 1 "" "ipcat ${version}" "ipcat manual"`,
    ".SH NAME",
    `${roff(name)} \\- ${roff(summary)}`,
  ];
}

/** Paragraphs of plain text, each its own `.PP`. */
function paragraphs(text: string): string[] {
  return text.trim().split(/\n\s*\n/).flatMap((p) => [".PP", roff(p.replace(/\n/g, " "))]);
}

/** The page of one command, `ipcat-FAMILY-COMMAND(1)`. */
export function commandPage(family: Family, command: Command, version: string): string {
  const name = `ipcat-${family.name}-${command.name}`;
  const lines = [
    ...header(name, command.summary, version),
    ".SH SYNOPSIS",
    `.B ipcat ${family.name} ${roff(command.name)}`,
    `[\\fIOPTIONS\\fR]${command.usage.trim() ? ` ${roff(command.usage.trim())}` : ""}`,
  ];
  if (command.description) lines.push(".SH DESCRIPTION", ...paragraphs(command.description));
  lines.push(".SH OPTIONS");
  const options = Object.entries(command.options).filter(([, spec]) => !spec.hidden);
  for (const [long, spec] of options) {
    const names = `${spec.short ? `\\-${spec.short}, ` : ""}\\-\\-${roff(long)}`;
    lines.push(".TP", `.B ${names}${spec.value ? ` \\fI${roff(spec.value)}\\fR` : ""}`);
    lines.push(roff(describeOption(spec)));
  }
  lines.push(".TP", ".B \\-\\-help", "Show the command's help");
  if (command.examples.length) {
    lines.push(".SH EXAMPLES");
    for (const [example, what] of command.examples) {
      lines.push(".TP", `.B ${roff(example)}`, roff(what));
    }
  }
  lines.push(
    ".SH SEE ALSO",
    `.BR ipcat\\-${roff(family.name)} (1),`,
    ".BR ipcat (1)",
  );
  return lines.join("\n") + "\n";
}

/** The page of one family, `ipcat-FAMILY(1)`: its commands, each with its own page. */
export function familyPage(family: Family, version: string): string {
  const lines = [
    ...header(`ipcat-${family.name}`, family.summary, version),
    ".SH SYNOPSIS",
    `.B ipcat ${roff(family.name)}`,
    "\\fICOMMAND\\fR [\\fIOPTIONS\\fR]",
    ".SH DESCRIPTION",
    ...paragraphs(family.description),
    ".SH COMMANDS",
  ];
  for (const command of family.commands) {
    lines.push(".TP", `.BR ipcat\\-${roff(family.name)}\\-${roff(command.name)} (1)`);
    lines.push(roff(command.summary));
  }
  lines.push(".SH SEE ALSO", ".BR ipcat (1)");
  return lines.join("\n") + "\n";
}

/** What each exit status means, for `ipcat(1)`. */
const EXIT_MEANINGS: Record<ErrorCode, string> = {
  failed: "the command ran and reports failure",
  usage: "bad command line: unknown command or option, bad value",
  not_found: "no such queue, socket, file, container or image",
  exists: "already exists or in use",
  permission: "permission denied",
  timeout: "timed out waiting for a peer",
  protocol: "the peer broke the protocol",
  unavailable: "no peer: nothing listening, connection dropped, daemon down",
  limit: "over a size or count limit",
  would_block: "non-blocking and the operation would wait",
  idle_timeout: "no data either way for --idle-timeout (ipcat sock run, call, connect)",
  total_timeout: "not finished within --timeout (ipcat sock run, call, connect)",
  tty_refused: "ipcat sock run -t: the server does not allow terminals (serve --allow-tty)",
  internal: "internal error: a bug, please report it with IPCAT_DEBUG=1 output",
  docker: "ipcat docker: as the docker CLI's 125",
  docker_cannot_invoke: "ipcat docker: the container command cannot be invoked",
  docker_command_not_found: "ipcat docker: the container command was not found",
  cannot_invoke: "ipcat sock: the local command (serve -- CMD, connect -- CMD) is not executable",
  command_not_found: "ipcat sock: the local command (serve -- CMD, connect -- CMD) was not found",
  hangup: "ended by SIGHUP",
  broken_pipe: "standard output was closed by its reader",
  interrupted: "ended by SIGINT",
  terminated: "ended by SIGTERM",
};

/** `ipcat(1)`: the families, the exit statuses and the environment. */
export function topPage(families: readonly Family[], version: string): string {
  const lines = [
    ...header("ipcat", "one binary for local inter-process communication", version),
    ".SH SYNOPSIS",
    ".B ipcat",
    "\\fIFAMILY\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR]",
    ".br",
    ".B ipcat",
    "\\-\\-help | \\-\\-version",
    ".SH DESCRIPTION",
    ...paragraphs(
      "ipcat drives the Docker Engine API over its socket, POSIX message queues (with the AppScope and AppView request protocol), and unix-socket script servers with a routed, multiplexed protocol. The same program is a TypeScript library for Bun and Deno.",
    ),
    ".SH FAMILIES",
  ];
  for (const family of families) {
    lines.push(".TP", `.BR ipcat\\-${roff(family.name)} (1)`, roff(family.summary));
  }
  lines.push(".SH EXIT STATUS");
  for (const [code, status] of Object.entries(EXIT_CODES)) {
    lines.push(".TP", `.B ${status}`, roff(EXIT_MEANINGS[code as ErrorCode]));
  }
  lines.push(
    ".SH ENVIRONMENT",
    ".TP",
    ".B DOCKER_HOST",
    "The Docker engine to use (default unix:///var/run/docker.sock).",
    ".TP",
    ".B IPCAT_DEBUG",
    "Set to 1 to print stack traces with errors.",
  );
  return lines.join("\n") + "\n";
}

/** Every page: file name (`ipcat-docker-run.1`) to roff text. */
export function manPages(families: readonly Family[], version: string): Map<string, string> {
  const pages = new Map([["ipcat.1", topPage(families, version)]]);
  for (const family of families) {
    pages.set(`ipcat-${family.name}.1`, familyPage(family, version));
    for (const command of family.commands) {
      pages.set(`ipcat-${family.name}-${command.name}.1`, commandPage(family, command, version));
    }
  }
  return pages;
}
