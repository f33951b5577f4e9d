/**
 * One declaration per option: its name (the key it is declared under), short alias, value
 * schema, default and help line. Parsing, the help text (defaults shown) and the
 * TypeScript type of the parsed options all come from it, so they cannot disagree.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { defineCommand, parseCommandLine } from "./command.ts";
 * import { count, duration, flag, text } from "./options.ts";
 * const wait = defineCommand({
 *   name: "wait",
 *   summary: "Wait for something",
 *   usage: "PATH",
 *   options: {
 *     timeout: duration("Give up after DURATION", { default: "30s" }),
 *     retries: count("N", "Try N times", { default: "3" }),
 *     quiet: flag("Print nothing", { short: "q" }),
 *     label: text("TEXT", "Name this wait in the log"),
 *   },
 *   positionals: { min: 1, max: 1 },
 *   examples: [],
 *   run: ({ options }) => (options.quiet ? 0 : options.timeout),
 * });
 * const parsed = parseCommandLine(wait, ["--timeout", "250ms", "-q", "/tmp/a"], "ipcat x wait");
 * assert.deepEqual(parsed.options, { timeout: 250, retries: 3, quiet: true });
 * assert.throws(() => parseCommandLine(wait, ["--timeout", "soon", "/a"], "ipcat x wait"), /duration/);
 * ```
 *
 * @module
 */
import * as v from "valibot";
import { Bytes, Count, Duration, Mode } from "./values.ts";

/**
 * One command-line option. `T` is the type of its parsed value.
 *
 * Declare options with the builders below rather than by hand, so that the value
 * schema and the default always travel together.
 */
export interface OptionSpec<T = unknown> {
  type: "string" | "boolean";
  short?: string;
  /** Repeatable: the value is a list of every occurrence. */
  multiple?: boolean;
  /** Placeholder shown in help, e.g. `N` for `--count N`. */
  value?: string;
  description: string;
  /** The value used when the option is absent, as it would be typed; shown in help. */
  default?: string;
  /**
   * From the text typed (or `true`/`false` for a flag) to the value; for a repeatable
   * option, applied to each occurrence.
   */
  schema: v.GenericSchema<string, T> | v.GenericSchema<boolean, T>;
  /** Kept out of help (an alias kept for compatibility, say). */
  hidden?: boolean;
  /** Phantom field that carries `T` for inference. */
  readonly __value?: T;
}

/** The options of a command, by long name. */
// deno-lint-ignore no-explicit-any
export type OptionSpecs = Record<string, OptionSpec<any>>;

/** The parsed values of a set of option declarations. */
export type OptionValues<S extends OptionSpecs> = {
  [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never;
};

interface Common {
  short?: string;
  hidden?: boolean;
}

/** A value option's extras: with a default the value is always there. */
interface WithDefault extends Common {
  default: string;
}

/**
 * A boolean flag (`--flag`, `--flag=false`): false unless given, or true with
 * `default: true` (docker's `--sig-proxy`, say).
 */
export function flag(
  description: string,
  extra: Common & { default?: boolean } = {},
): OptionSpec<boolean> {
  const { default: on, ...rest } = extra;
  return {
    type: "boolean",
    description,
    schema: v.boolean(),
    ...(on ? { default: "true" } : {}),
    ...rest,
  };
}

/** Declares a single-valued option of schema `schema`. */
export function option<T>(
  value: string,
  description: string,
  schema: v.GenericSchema<string, T>,
  extra: WithDefault,
): OptionSpec<T>;
export function option<T>(
  value: string,
  description: string,
  schema: v.GenericSchema<string, T>,
  extra?: Common,
): OptionSpec<T | undefined>;
export function option<T>(
  value: string,
  description: string,
  schema: v.GenericSchema<string, T>,
  extra: Common & { default?: string } = {},
): OptionSpec<T | undefined> {
  if (extra.default !== undefined && !v.safeParse(schema, extra.default).success) {
    throw new Error(`the default '${extra.default}' of option ${value} does not parse`);
  }
  return { type: "string", value, description, schema, ...extra };
}

/** A repeatable option: every occurrence, in order (an empty list when absent). */
export function list<T = string>(
  value: string,
  description: string,
  schema: v.GenericSchema<string, T> = v.string() as unknown as v.GenericSchema<string, T>,
  extra: Common = {},
): OptionSpec<T[]> {
  return {
    type: "string",
    multiple: true,
    value,
    description,
    schema: schema as unknown as v.GenericSchema<string, T[]>,
    ...extra,
  };
}

/** A free-text option. */
export function text(value: string, description: string, extra: WithDefault): OptionSpec<string>;
export function text(
  value: string,
  description: string,
  extra?: Common,
): OptionSpec<string | undefined>;
export function text(
  value: string,
  description: string,
  extra: Common & { default?: string } = {},
): OptionSpec<string | undefined> {
  return option(value, description, v.string(), extra as Common);
}

/** One of a fixed set of words; help lists them. */
export function choice<const W extends string>(
  words: readonly W[],
  description: string,
  extra: WithDefault,
): OptionSpec<W>;
export function choice<const W extends string>(
  words: readonly W[],
  description: string,
  extra?: Common,
): OptionSpec<W | undefined>;
export function choice<const W extends string>(
  words: readonly W[],
  description: string,
  extra: Common & { default?: string } = {},
): OptionSpec<W | undefined> {
  const schema = v.picklist(words, `expected one of ${words.join(", ")}`);
  return option(words.join("|"), description, schema, extra as Common);
}

/** A duration (`250ms`, `1.5s`, `2m`; a bare number means seconds), in milliseconds. */
export function duration(description: string, extra: WithDefault): OptionSpec<number>;
export function duration(description: string, extra?: Common): OptionSpec<number | undefined>;
export function duration(
  description: string,
  extra: Common & { default?: string } = {},
): OptionSpec<number | undefined> {
  return option("DURATION", description, Duration, extra as Common);
}

/** An octal file mode (`600` or `0600`). */
export function mode(description: string, extra: WithDefault): OptionSpec<number>;
export function mode(description: string, extra?: Common): OptionSpec<number | undefined>;
export function mode(
  description: string,
  extra: Common & { default?: string } = {},
): OptionSpec<number | undefined> {
  return option("MODE", description, Mode, extra as Common);
}

/** A byte size (`4096`, `64KiB`, `1M`), in bytes. */
export function bytes(description: string, extra: WithDefault): OptionSpec<number>;
export function bytes(description: string, extra?: Common): OptionSpec<number | undefined>;
export function bytes(
  description: string,
  extra: Common & { default?: string } = {},
): OptionSpec<number | undefined> {
  return option("SIZE", description, Bytes, extra as Common);
}

/** A whole number, 0 or more. */
export function count(value: string, description: string, extra: WithDefault): OptionSpec<number>;
export function count(
  value: string,
  description: string,
  extra?: Common,
): OptionSpec<number | undefined>;
export function count(
  value: string,
  description: string,
  extra: Common & { default?: string } = {},
): OptionSpec<number | undefined> {
  return option(value, description, Count, extra as Common);
}

/**
 * The valibot schema of a whole set of declarations: each option's value schema, with
 * its default when absent (false for flags, an empty list for repeatable options).
 */
export function optionsSchema<S extends OptionSpecs>(
  specs: S,
): v.GenericSchema<Record<string, unknown>, OptionValues<S>> {
  const entries: Record<string, v.GenericSchema> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const schema = spec.schema as v.GenericSchema;
    if (spec.multiple) entries[name] = v.optional(v.array(schema), []);
    else if (spec.type === "boolean") entries[name] = v.optional(schema, spec.default === "true");
    else entries[name] = v.optional(schema, spec.default);
  }
  return v.object(entries) as unknown as v.GenericSchema<
    Record<string, unknown>,
    OptionValues<S>
  >;
}
