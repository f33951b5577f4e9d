/**
 * `docker version`: the docker CLI's own template over Go-shaped client and server
 * structs, so that the default output, `--format` templates and `--format json` read as
 * the CLI's. The client is ipcat, and says so (`Client: ipcat`).
 *
 * @module
 */
import process from "node:process";
import { runtime } from "../../adapter/mod.ts";
import { writeOut } from "../../cli/io.ts";
import { text } from "../../cli/options.ts";
import { tabwrite } from "../../cli/table.ts";
import { IpcatError } from "../../errors.ts";
import { VERSION } from "../../version.ts";
import { CLIENT_MAX_API } from "../api.ts";
import type { VersionInfo } from "../schemas.ts";
import { executeFormat, parseFormat } from "../output.ts";
import { goStringMap, goStruct, TemplateExecError } from "../template/mod.ts";
import { client, dockerCommand } from "./shared.ts";

/** The docker CLI's default `version` template (cli/command/system/version.go). */
const DEFAULT_TEMPLATE = `{{with .Client -}}
Client:{{if ne .Platform nil}}{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}{{end}}
 Version:	{{.Version}}
 API version:	{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 Go version:	{{.GoVersion}}
 Git commit:	{{.GitCommit}}
 Built:	{{.BuildTime}}
 OS/Arch:	{{.Os}}/{{.Arch}}
 Context:	{{.Context}}
{{- end}}

{{- if ne .Server nil}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:	{{.Version}}
  API version:	{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:	{{index .Details "GoVersion"}}
  Git commit:	{{index .Details "GitCommit"}}
  Built:	{{index .Details "BuildTime"}}
  OS/Arch:	{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:	{{index .Details "Experimental"}}
  {{- else }}
  Version:	{{$component.Version}}
  {{- $detailsOrder := getDetailsOrder $component}}
  {{- range $key := $detailsOrder}}
  {{$key}}:	{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
 {{- end}}{{- end}}`;

/** The CLI's tabwriter for `version`: minwidth 20, padding 1, no flags. */
const VERSION_TABLE = { minWidth: 20, padding: 1 };

/** `fields` as a Go struct whose JSON is `json` (the struct tags' names and order). */
function taggedStruct<T extends object>(typeName: string, fields: T, json: () => object): T {
  return Object.defineProperty(goStruct(typeName, fields), "toJSON", { value: json });
}

/**
 * A struct's JSON as its tags write it: in field order, `APIVersion` as `ApiVersion`, and
 * the empty fields dropped (`omitempty`) but those in `keep`.
 */
function tagged(fields: Record<string, unknown>, keep: readonly string[]) {
  const json = omitEmpty(fields, keep);
  return Object.fromEntries(
    Object.entries(json).map(([key, value]) => [key === "APIVersion" ? "ApiVersion" : key, value]),
  );
}

/** Drops the keys whose value is empty, as Go's `omitempty`. */
function omitEmpty(record: Record<string, unknown>, keep: readonly string[] = []) {
  return Object.fromEntries(
    Object.entries(record).filter(([key, value]) =>
      keep.includes(key) || (value !== "" && value !== undefined && value !== false)
    ),
  );
}

/** A timestamp as Go's `time.ANSIC` writes it (`Thu May  7 21:09:36 2026`); else as given. */
export function goAnsiDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const utc = date.toUTCString(); // "Thu, 07 May 2026 21:09:36 GMT"
  const day = String(date.getUTCDate()).padStart(2);
  return `${utc.slice(0, 3)} ${utc.slice(8, 11)} ${day} ${
    date.toISOString().slice(11, 19)
  } ${date.getUTCFullYear()}`;
}

/** ipcat as the CLI's `clientVersion`. */
function clientStruct(api: string) {
  const fields = {
    Platform: { Name: "ipcat" },
    Version: VERSION,
    APIVersion: api,
    DefaultAPIVersion: CLIENT_MAX_API,
    GitCommit: "",
    GoVersion: `${runtime.name} ${runtime.version}`,
    Os: process.platform,
    Arch: process.arch === "x64" ? "amd64" : process.arch,
    BuildTime: "",
    Context: "default",
  };
  return taggedStruct("system.clientVersion", fields, () => tagged(fields, ["Context"]));
}

/** The daemon's answer as the CLI's `*types.Version`, the Engine's build time reformatted. */
function serverStruct(info: VersionInfo) {
  const components = (info.Components ?? []).map((component) => {
    const details = { ...component.Details };
    if (component.Name === "Engine" && details.BuildTime) {
      details.BuildTime = goAnsiDate(details.BuildTime);
    }
    return goStruct("types.ComponentVersion", {
      Name: component.Name,
      Version: component.Version,
      Details: goStringMap(details),
    });
  });
  if (!components.some((c) => c.Name === "Engine")) {
    components.push(goStruct("types.ComponentVersion", {
      Name: "Engine",
      Version: info.Version,
      Details: goStringMap({
        ApiVersion: info.ApiVersion,
        MinAPIVersion: info.MinAPIVersion ?? "",
        GitCommit: info.GitCommit ?? "",
        GoVersion: info.GoVersion ?? "",
        Os: info.Os,
        Arch: info.Arch,
        BuildTime: goAnsiDate(info.BuildTime ?? ""),
        Experimental: String(info.Experimental ?? false),
      }),
    }));
  }
  const fields = {
    Platform: goStruct("struct { Name string }", { Name: info.Platform?.Name ?? "" }),
    Components: components,
    Version: info.Version,
    APIVersion: info.ApiVersion,
    MinAPIVersion: info.MinAPIVersion ?? "",
    GitCommit: info.GitCommit ?? "",
    GoVersion: info.GoVersion ?? "",
    Os: info.Os,
    Arch: info.Arch,
    KernelVersion: info.KernelVersion ?? "",
    Experimental: info.Experimental ?? false,
    BuildTime: info.BuildTime ?? "",
  };
  return taggedStruct("*types.Version", fields, () => ({
    ...tagged(fields, [
      "Platform",
      "Version",
      "APIVersion",
      "GitCommit",
      "GoVersion",
      "Os",
      "Arch",
    ]),
    Components: components.map((c) =>
      omitEmpty({ Name: c.Name, Version: c.Version, Details: sortedKeys(c.Details) }, [
        "Name",
        "Version",
      ])
    ),
  }));
}

/** The template's `getDetailsOrder`: a component's detail names, sorted. */
function detailsOrder(component: unknown): string[] {
  return Object.keys((component as { Details: Record<string, string> }).Details).sort();
}

/** A map's entries in key order, as Go's JSON encoder writes maps. */
function sortedKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(map).sort().map((key) => [key, map[key]!]));
}

export const version = dockerCommand({
  name: "version",
  summary: "Show the client's and the daemon's versions",
  usage: "",
  options: {
    format: text(
      "FORMAT",
      "A Go template over .Client and .Server (e.g. '{{.Server.Version}}'), or json",
      { short: "f" },
    ),
  },
  args: { min: 0, max: 0 },
  examples: [
    ["ipcat docker version", "Client and server versions, as docker version prints them"],
    ["ipcat docker version -f '{{.Server.Version}}'", "The daemon's version alone"],
  ],
  async run({ options }) {
    const format = options.format === "json"
      ? "{{json .}}"
      : options.format === undefined
      ? DEFAULT_TEMPLATE
      : options.format;
    const template = parseFormat(format, {
      prefix: "",
      name: "version",
      functions: { getDetailsOrder: detailsOrder },
    });
    const docker = await client();
    // As the CLI: the client section is printed even when the daemon cannot be reached,
    // and the daemon's error follows it.
    let server: ReturnType<typeof serverStruct> | null = null;
    let api = CLIENT_MAX_API;
    let failure: unknown;
    try {
      const info = await docker.version();
      api = await docker.api.version();
      server = serverStruct(info);
    } catch (error) {
      failure = error;
    }
    const data = goStruct("system.versionInfo", { Client: clientStruct(api), Server: server });
    let out: string;
    try {
      out = executeFormat(template, data, { prefix: "" }) + "\n";
    } catch (error) {
      // Go's template writes as it goes: what came before the failure is printed.
      if (error instanceof IpcatError && error.cause instanceof TemplateExecError) {
        await writeOut(tabwrite(error.cause.partial + "\n", VERSION_TABLE));
      }
      throw failure ?? error;
    }
    await writeOut(tabwrite(out, VERSION_TABLE));
    if (failure) throw failure;
    return 0;
  },
});
