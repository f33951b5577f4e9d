/**
 * `--format` as the docker CLI reads it: `table` (the default table), `table TEMPLATE`
 * (a header row, then a row per item, through tabwriter), `json` (one JSON object per
 * line), or any Go template, run once per item. `\t` and `\n` typed literally become a
 * tab and a newline, as in the CLI.
 *
 * @module
 */
import { DOCKER_TABLE, tabwrite } from "../cli/table.ts";
import { IpcatError } from "../errors.ts";
import { GoTemplate, HEADER_FUNCTIONS, type TemplateFunction } from "./template/mod.ts";

/** How one kind of item (containers, images, …) is listed. */
export interface Listing {
  /** The template of the default table, without the `table ` prefix. */
  defaultTable: string;
  /** The header text of each field (`ID` → `CONTAINER ID`). */
  headers: Record<string, unknown>;
}

/** A Go template parsed as the CLI parses `--format`, with its errors worded as the CLI's. */
export function parseFormat(
  text: string,
  options: {
    prefix?: string;
    name?: string;
    functions?: Readonly<Record<string, TemplateFunction>>;
  } = {},
): GoTemplate {
  try {
    return GoTemplate.parse(text, { name: options.name, functions: options.functions });
  } catch (error) {
    if (!(error instanceof IpcatError)) throw error;
    const prefix = options.prefix ?? "failed to parse template";
    throw new IpcatError("failed", prefix ? `${prefix}: ${error.message}` : error.message);
  }
}

/** Runs `template` on `item`, or fails with the CLI's `failed to execute template:` line. */
export function executeFormat(
  template: GoTemplate,
  item: unknown,
  options: { missingKeyError?: boolean; prefix?: string } = {},
): string {
  try {
    return template.execute(item, { missingKeyError: options.missingKeyError });
  } catch (error) {
    if (!(error instanceof IpcatError)) throw error;
    const prefix = options.prefix ?? "failed to execute template";
    throw new IpcatError("failed", prefix ? `${prefix}: ${error.message}` : error.message, {
      cause: error,
    });
  }
}

/**
 * The text `--format` makes of `items`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatItems } from "./output.ts";
 * const listing = { defaultTable: "{{.ID}}\t{{.Name}}", headers: { ID: "ID", Name: "NAME" } };
 * const items = [{ ID: "1", Name: "web" }];
 * assert.equal(formatItems("table", items, listing), "ID        NAME\n1         web\n");
 * assert.equal(formatItems("{{.Name}}", items, listing), "web\n");
 * assert.equal(formatItems("json", items, listing), '{"ID":"1","Name":"web"}\n');
 * ```
 */
export function formatItems(format: string, items: readonly unknown[], listing: Listing): string {
  const table = format === "" || format === "table" || format.startsWith("table ");
  let text = format === "json" ? "{{json .}}" : table ? format.slice("table".length) : format;
  text = text.trim().replaceAll("\\t", "\t").replaceAll("\\n", "\n");
  if (table && text === "") text = listing.defaultTable;
  const template = parseFormat(text);
  let body = "";
  for (const item of items) body += executeFormat(template, item) + "\n";
  if (!table) return body;
  const header = template.execute(listing.headers, { functions: HEADER_FUNCTIONS });
  return tabwrite(`${header}\n${body}`, DOCKER_TABLE);
}
