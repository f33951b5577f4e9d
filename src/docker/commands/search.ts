/**
 * `docker search TERM`: the daemon asks the registry's index (Docker Hub, or the registry
 * the term names) with the stored credentials, and the results print as the CLI prints
 * them.
 *
 * @module
 */
import process from "node:process";
import * as v from "valibot";
import { writeErr, writeOut } from "../../cli/io.ts";
import { flag, list, option, text } from "../../cli/options.ts";
import { truncateWithEllipsis } from "../format.ts";
import { formatItems } from "../output.ts";
import { registryAuthHeader } from "../registry_auth.ts";
import { goStruct } from "../template/mod.ts";
import { client, dockerCommand, parseFilters, WholeNumber } from "./shared.ts";

/** One result of `GET /images/search`. */
const SearchResult = v.object({
  name: v.string(),
  description: v.optional(v.string(), ""),
  star_count: v.optional(v.number(), 0),
  is_official: v.optional(v.boolean(), false),
});

/** The registry a search term names, as the CLI splits it: none named is Docker Hub. */
function searchRegistry(term: string): string {
  const slash = term.indexOf("/");
  const first = slash < 0 ? "" : term.slice(0, slash);
  return first && (/[.:]/.test(first) || first === "localhost") ? first : "docker.io";
}

/** `[OK]` for true in a table, `true`/`false` in JSON, as the CLI's search context. */
function official(value: boolean, json: boolean): string {
  return json ? String(value) : value ? "[OK]" : "";
}

export const search = dockerCommand({
  name: "search",
  summary: "Search Docker Hub (or the registry the term names) for images",
  usage: "TERM",
  options: {
    filter: list("KEY=VALUE", "Filter: stars=N, is-official=true|false", v.string(), {
      short: "f",
    }),
    format: text("FORMAT", "table, table TEMPLATE, json, or a Go template", { default: "" }),
    limit: option("N", "Most results (the daemon's default: 25)", WholeNumber),
    "no-trunc": flag("Do not truncate descriptions"),
  },
  args: { min: 1, max: 1 },
  examples: [
    ["ipcat docker search --filter is-official=true busybox", "Official images named busybox"],
    ["ipcat docker search registry.local:5000/tools", "A registry's own index, when it has one"],
  ],
  async run({ options, args }) {
    const term = args[0]!;
    const filters = parseFilters(options.filter);
    if (filters["is-automated"]) {
      await writeErr(
        'WARNING: the "is-automated" filter is deprecated, and searching for "is-automated=true" will not yield any results in future.\n',
      );
    }
    const docker = await client();
    const res = await docker.api.request("GET", "/images/search", {
      query: {
        term,
        limit: options.limit || undefined,
        filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined,
      },
      headers: { "X-Registry-Auth": registryAuthHeader(searchRegistry(term), process.env) },
    });
    const results = docker.api.parse(
      v.array(SearchResult),
      await docker.api.text(res),
      "GET /images/search",
    );
    // `{{json .}}` turns the CLI's row into JSON mode: booleans print as true/false there.
    const json = options.format === "json" || /{{\s*json\s+\.\s*}}/.test(options.format);
    const rows = results.map((result) => {
      const description = result.description.replaceAll("\n", " ").replaceAll("\r", " ");
      // In the order of the CLI's JSON, which sorts the keys.
      return goStruct("*registry.searchContext", {
        Description: options["no-trunc"] ? description : truncateWithEllipsis(description, 45),
        IsOfficial: official(result.is_official, json),
        Name: result.name,
        StarCount: String(result.star_count),
      });
    });
    await writeOut(formatItems(options.format || "table", rows, {
      defaultTable: "{{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}",
      headers: {
        Name: "NAME",
        Description: "DESCRIPTION",
        StarCount: "STARS",
        IsOfficial: "OFFICIAL",
      },
    }));
    return 0;
  },
});
