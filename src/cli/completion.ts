/**
 * Shell completion scripts for bash, zsh and fish, generated from the command
 * declarations: families, commands, options (with the values of choice options), and
 * positionals by kind: containers and images from the daemon, queues from the kernel,
 * socket paths as files. The lists of names come from `ipcat completion values KIND`
 * at the time of completion, so the scripts never go stale.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { completionScript, type CompletionModel } from "./completion.ts";
 * const model: CompletionModel = [{
 *   name: "mq",
 *   summary: "queues",
 *   commands: [{
 *     name: "recv",
 *     summary: "Receive",
 *     options: [{ long: "timeout", takesValue: true, description: "Wait" }],
 *     positional: "queue",
 *   }],
 * }];
 * assert.match(completionScript("bash", model), /"mq recv"\) opts="--timeout"/);
 * assert.match(completionScript("fish", model), /-a 'recv' -d 'Receive'/);
 * ```
 *
 * @module
 */
import type { Family } from "./command.ts";

/** What a positional argument or option value names, for completion. */
export type ValueKind = "container" | "image" | "queue" | "file" | "none";

/** One option as completion sees it. */
export interface CompletionOption {
  long: string;
  short?: string;
  takesValue: boolean;
  description: string;
  /** The values of a choice option. */
  choices?: string[];
  kind?: ValueKind;
}

/** The commands of every family, as completion needs them. */
export type CompletionModel = Array<{
  name: string;
  summary: string;
  commands: Array<{
    name: string;
    summary: string;
    options: CompletionOption[];
    positional: ValueKind;
  }>;
}>;

/** The shells ipcat writes completions for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;
/** One of {@link SHELLS}. */
export type Shell = typeof SHELLS[number];

/** The kind of a placeholder (`CONTAINER`, `IMAGE`, `NAME`, `PATH` …) in `family`. */
function kindOf(placeholder: string | undefined, family: string): ValueKind {
  const word = placeholder?.replace(/[^A-Z]/g, "") ?? "";
  if (word === "CONTAINER") return "container";
  if (word === "IMAGE" || word === "REPOSITORY") return "image";
  if (family === "mq" && (word === "NAME" || word === "QUEUE")) return "queue";
  if (["PATH", "FILE", "TAR", "DIR", "SRCPATH", "DESTPATH"].includes(word)) return "file";
  return "none";
}

/** The completion model of `families`, from their declarations. */
export function completionModel(families: readonly Family[]): CompletionModel {
  return families.map((family) => ({
    name: family.name,
    summary: family.summary,
    commands: family.commands.map((command) => ({
      name: command.name,
      summary: command.summary,
      positional: kindOf(command.usage.trim().split(/\s+/)[0], family.name),
      options: [
        ...Object.entries(command.options).filter(([, spec]) => !spec.hidden).map((
          [long, spec],
        ) => {
          const choices = spec.value && /^[\w-]+(\|[\w-]+)+$/.test(spec.value)
            ? spec.value.split("|")
            : undefined;
          return {
            long,
            ...(spec.short ? { short: spec.short } : {}),
            takesValue: spec.type === "string",
            description: spec.description,
            ...(choices ? { choices } : {}),
            kind: kindOf(spec.value, family.name),
          };
        }),
        { long: "help", takesValue: false, description: "Show this help" },
      ],
    })),
  }));
}

/** The completion script for `shell`. */
export function completionScript(shell: Shell, model: CompletionModel): string {
  if (shell === "fish") return fishScript(model);
  const bash = bashScript(model);
  return shell === "bash" ? bash : zshScript(bash);
}

const TOP_WORDS = ["--help", "--version"];

/** A word safe inside single quotes in bash, zsh and fish. */
function quoted(text: string): string {
  return text.replace(/'/g, "");
}

/** How bash completes a value of `kind` (the current word is in `$cur`). */
function bashValues(kind: ValueKind | undefined, choices?: string[]): string {
  if (choices) return `COMPREPLY=($(compgen -W '${choices.join(" ")}' -- "$cur"))`;
  if (kind === "file") return `COMPREPLY=($(compgen -f -- "$cur"))`;
  if (kind === "container" || kind === "image" || kind === "queue") {
    return `COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" completion values ${kind} 2>/dev/null)" -- "$cur"))`;
  }
  return "COMPREPLY=()";
}

function bashScript(model: CompletionModel): string {
  const families = model.map((f) => f.name);
  const lines = [
    '# ipcat completion for bash: eval "$(ipcat completion bash)", or save it in',
    "# /usr/share/bash-completion/completions/ipcat. Generated from ipcat's declarations.",
    "_ipcat() {",
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    "  if (( COMP_CWORD == 1 )); then",
    `    COMPREPLY=($(compgen -W '${[...families, ...TOP_WORDS].join(" ")}' -- "$cur"))`,
    "    return",
    "  fi",
    '  local family="${COMP_WORDS[1]}"',
    "  if (( COMP_CWORD == 2 )); then",
    '    case "$family" in',
    ...model.map((f) =>
      `      ${f.name}) COMPREPLY=($(compgen -W '${
        [...f.commands.map((c) => c.name), "--help"].join(" ")
      }' -- "$cur"));;`
    ),
    "    esac",
    "    return",
    "  fi",
    '  local key="$family ${COMP_WORDS[2]}" opts="" kind=none',
    '  case "$key" in',
  ];
  for (const family of model) {
    for (const command of family.commands) {
      const words = command.options.flatMap((o) => [
        `--${o.long}`,
        ...(o.short ? [`-${o.short}`] : []),
      ]);
      lines.push(
        `    "${family.name} ${command.name}") opts="${
          words.join(" ")
        }" kind=${command.positional};;`,
      );
    }
  }
  lines.push("  esac", '  case "$key $prev" in');
  for (const family of model) {
    for (const command of family.commands) {
      for (const option of command.options.filter((o) => o.takesValue)) {
        const names = [`--${option.long}`, ...(option.short ? [`-${option.short}`] : [])];
        const patterns = names.map((n) => `"${family.name} ${command.name} ${n}"`).join("|");
        lines.push(`    ${patterns}) ${bashValues(option.kind, option.choices)}; return;;`);
      }
    }
  }
  lines.push(
    "  esac",
    '  if [[ "$cur" == -* ]]; then',
    '    COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
    "    return",
    "  fi",
    '  case "$kind" in',
    ...(["container", "image", "queue", "file"] as const).map((kind) =>
      `    ${kind}) ${bashValues(kind)};;`
    ),
    "    *) COMPREPLY=();;",
    "  esac",
    "}",
    "complete -F _ipcat ipcat",
    "",
  );
  return lines.join("\n");
}

function zshScript(bash: string): string {
  return [
    "#compdef ipcat",
    '# ipcat completion for zsh: eval "$(ipcat completion zsh)" in ~/.zshrc. It is the bash',
    "# completion through zsh's bashcompinit, so both shells complete exactly the same words.",
    "autoload -U +X compinit && compinit -u",
    "autoload -U +X bashcompinit && bashcompinit",
    bash,
  ].join("\n");
}

/** The fish `complete` arguments that supply values of `kind`. */
function fishValues(kind: ValueKind | undefined, choices?: string[]): string {
  if (choices) return `-r -f -a '${choices.join(" ")}'`;
  if (kind === "file") return "-r -F";
  if (kind === "container" || kind === "image" || kind === "queue") {
    return `-r -f -a '(ipcat completion values ${kind} 2>/dev/null)'`;
  }
  return "-r -f";
}

function fishScript(model: CompletionModel): string {
  const lines = [
    "# ipcat completion for fish: ipcat completion fish > ~/.config/fish/completions/ipcat.fish",
    "# Generated from ipcat's declarations.",
    "function __ipcat_at --description 'true when ipcat is at word N (after family $argv[2])'",
    "  set -l words (commandline -opc)",
    "  test (count $words) -eq $argv[1]; or return 1",
    '  test (count $argv) -lt 2; or test "$words[2]" = $argv[2]',
    "end",
    "function __ipcat_in --description 'true inside ipcat FAMILY COMMAND'",
    "  set -l words (commandline -opc)",
    '  test (count $words) -ge 3; and test "$words[2]" = $argv[1]; and test "$words[3]" = $argv[2]',
    "end",
    "complete -c ipcat -f",
    "complete -c ipcat -n '__ipcat_at 1' -l help -d 'Show help'",
    "complete -c ipcat -n '__ipcat_at 1' -s V -l version -d 'Show the version'",
  ];
  for (const family of model) {
    lines.push(
      `complete -c ipcat -n '__ipcat_at 1' -a '${family.name}' -d '${quoted(family.summary)}'`,
    );
    for (const command of family.commands) {
      lines.push(
        `complete -c ipcat -n '__ipcat_at 2 ${family.name}' -a '${command.name}' -d '${
          quoted(command.summary)
        }'`,
      );
      const inside = `-n '__ipcat_in ${family.name} ${command.name}'`;
      for (const option of command.options) {
        const names = `${option.short ? `-s ${option.short} ` : ""}-l ${option.long}`;
        const values = option.takesValue ? ` ${fishValues(option.kind, option.choices)}` : "";
        lines.push(
          `complete -c ipcat ${inside} ${names}${values} -d '${quoted(option.description)}'`,
        );
      }
      if (command.positional !== "none") {
        const values = command.positional === "file"
          ? "-F"
          : `-a '(ipcat completion values ${command.positional} 2>/dev/null)'`;
        lines.push(`complete -c ipcat ${inside} ${values}`);
      }
    }
  }
  return lines.join("\n") + "\n";
}
