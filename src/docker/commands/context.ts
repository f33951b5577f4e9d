/**
 * `ipcat docker context ls|inspect|show|use|create|rm`: the docker CLI's contexts, in its
 * own store (`./contexts.ts`), with its output and messages.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { flag, text } from "../../cli/options.ts";
import { writeErr, writeOut } from "../../cli/io.ts";
import { formatError, IpcatError } from "../../errors.ts";
import {
  checkContextName,
  configDir,
  type ContextMeta,
  DEFAULT_CONTEXT,
  DockerConfig,
} from "../contexts.ts";
import {
  contextEndpoint,
  currentContextName,
  defaultHost,
  HOST_OVERRIDES_CONTEXT,
} from "../daemon.ts";
import { indentJson, truncateWithEllipsis } from "../format.ts";
import { executeFormat, formatItems, type Listing, parseFormat } from "../output.ts";
import { dockerCommand } from "./shared.ts";

const DEFAULT_DESCRIPTION = "Current DOCKER_HOST based configuration";
const IN_MEMORY = "<IN MEMORY>";

const env = () => process.env;
const store = () => new DockerConfig(configDir(env()));

const CONTEXT_LISTING: Listing = {
  defaultTable:
    "{{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}",
  headers: {
    Name: "NAME",
    Description: "DESCRIPTION",
    DockerEndpoint: "DOCKER ENDPOINT",
    Error: "ERROR",
    Current: "",
  },
};

export const contextLs = dockerCommand({
  name: "ls",
  summary: "List contexts",
  usage: "[OPTIONS]",
  options: {
    format: text("FORMAT", "table, table TEMPLATE, json, or a Go template (e.g. '{{.Name}}')", {
      default: "",
    }),
    quiet: flag("Only show context names", { short: "q" }),
  },
  args: { min: 0, max: 0 },
  examples: [["ipcat docker context ls", "The contexts, the current one marked with *"]],
  async run({ options }) {
    const config = store();
    const current = currentContextName(env(), config);
    const rows = [{
      Current: current === DEFAULT_CONTEXT,
      Description: DEFAULT_DESCRIPTION,
      DockerEndpoint: defaultHost(env()),
      Error: "",
      Name: DEFAULT_CONTEXT,
    }];
    for (const meta of config.list()) {
      rows.push({
        Current: meta.Name === current,
        Description: meta.Metadata.Description ?? "",
        DockerEndpoint: meta.Endpoints.docker?.Host ?? "",
        Error: "",
        Name: meta.Name,
      });
    }
    // As the CLI: a current context that is gone is listed, with why it cannot be used.
    if (!rows.some((row) => row.Current)) {
      let error = "";
      try {
        config.get(current);
      } catch (caught) {
        error = (caught as Error).message;
      }
      rows.push({
        Current: true,
        Description: "",
        DockerEndpoint: "",
        Error: truncateWithEllipsis(error, 45),
        Name: current,
      });
    }
    // As the CLI: sorted by name, default among the others.
    rows.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    await writeOut(
      formatItems(options.quiet ? "{{.Name}}" : options.format, rows, CONTEXT_LISTING),
    );
    return 0;
  },
});

/** What `context inspect` prints of a context: the CLI's fields, in its order. */
function inspectView(config: DockerConfig, name: string): Record<string, unknown> {
  if (name === DEFAULT_CONTEXT) {
    return {
      Name: DEFAULT_CONTEXT,
      Metadata: {},
      Endpoints: { docker: { Host: defaultHost(env()), SkipTLSVerify: false } },
      TLSMaterial: {},
      Storage: { MetadataPath: IN_MEMORY, TLSPath: IN_MEMORY },
    };
  }
  const meta = config.get(name);
  const tls = config.tls(name);
  return {
    Name: meta.Name,
    Metadata: meta.Metadata,
    Endpoints: meta.Endpoints,
    TLSMaterial: tls ? { docker: tls.files } : {},
    Storage: { MetadataPath: config.metaDir(name), TLSPath: config.tlsDir(name) },
  };
}

/** JSON as Go's encoder writes it: `<`, `>` and `&` escaped. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&]/g,
    (c) => `\\u00${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

export const contextInspect = dockerCommand({
  name: "inspect",
  summary: "Show contexts as JSON (default: the current one)",
  usage: "[CONTEXT...]",
  options: {
    format: text("FORMAT", "A Go template run on each context (e.g. '{{.Name}}'), or json", {
      short: "f",
    }),
  },
  args: { min: 0 },
  examples: [["ipcat docker context inspect -f '{{.Endpoints.docker.Host}}' work", "An endpoint"]],
  async run({ options, args }) {
    const config = store();
    const names = args.length ? args : [currentContextName(env(), config)];
    const found: Record<string, unknown>[] = [];
    const missing: string[] = [];
    for (const name of names) {
      try {
        found.push(inspectView(config, name));
      } catch (error) {
        if (!(error instanceof IpcatError)) throw error;
        missing.push(formatError(error));
      }
    }
    if (options.format === undefined || options.format === "json") {
      await writeOut(indentJson(goJson(found), "    ") + "\n");
    } else {
      const template = parseFormat(options.format, { prefix: "template parsing error" });
      let out = "";
      for (const view of found) out += executeFormat(template, view) + "\n";
      await writeOut(out);
    }
    for (const line of missing) await writeErr(`${line}\n`);
    return missing.length ? 1 : 0;
  },
});

export const contextShow = dockerCommand({
  name: "show",
  summary: "Print the name of the current context",
  usage: "",
  options: {},
  args: { min: 0, max: 0 },
  examples: [["ipcat docker context show", "e.g. default"]],
  async run() {
    await writeOut(`${currentContextName(env(), store())}\n`);
    return 0;
  },
});

export const contextUse = dockerCommand({
  name: "use",
  summary: "Make a context the current one (in config.json's currentContext)",
  usage: "CONTEXT",
  options: {},
  args: { min: 1, max: 1 },
  examples: [["ipcat docker context use work", "Later commands talk to work's daemon"]],
  async run({ args }) {
    const name = args[0]!;
    const config = store();
    if (name !== DEFAULT_CONTEXT) config.get(name);
    config.updateConfig((file) => {
      if (name === DEFAULT_CONTEXT) delete file.currentContext;
      else file.currentContext = name;
    });
    await writeOut(`${name}\n`);
    await writeErr(`Current context is now "${name}"\n`);
    if (env().DOCKER_HOST && name !== DEFAULT_CONTEXT) {
      await writeErr(`${HOST_OVERRIDES_CONTEXT}\n`);
    }
    return 0;
  },
});

const TLS_KEYS: Record<string, string> = { ca: "ca.pem", cert: "cert.pem", key: "key.pem" };

/** `--docker host=…,skip-tls-verify=…,ca=…,cert=…,key=…`: the endpoint and its TLS files. */
function parseDockerEndpoint(
  csv: string,
): { endpoint: { Host: string; SkipTLSVerify: boolean }; tls: Record<string, string> } {
  const endpoint = { Host: "", SkipTLSVerify: false };
  const tls: Record<string, string> = {};
  for (const field of csv.split(",").filter(Boolean)) {
    const equals = field.indexOf("=");
    const key = equals < 0 ? field : field.slice(0, equals);
    const value = equals < 0 ? "" : field.slice(equals + 1);
    if (key === "host") endpoint.Host = value;
    else if (key === "skip-tls-verify") endpoint.SkipTLSVerify = value === "true" || value === "1";
    else if (TLS_KEYS[key]) tls[TLS_KEYS[key]] = readTlsFile(value);
    else {
      throw new IpcatError(
        "usage",
        `unable to create docker endpoint config: unrecognized config key: ${key}`,
        {
          hint: "the keys are host, skip-tls-verify, ca, cert and key",
        },
      );
    }
  }
  if (endpoint.Host && !/^(unix|tcp|ssh):\/\//.test(endpoint.Host)) {
    throw new IpcatError("usage", `unable to parse docker host \`${endpoint.Host}\``, {
      hint: "e.g. host=unix:///var/run/docker.sock or host=tcp://10.0.0.5:2376",
    });
  }
  return { endpoint, tls };
}

function readTlsFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new IpcatError("failed", `cannot read ${path}: ${(error as Error).message}`, {
      hint: "give the path of a PEM file",
      cause: error,
    });
  }
}

export const contextCreate = dockerCommand({
  name: "create",
  summary: "Create a context (default: a copy of the current one)",
  usage: "[OPTIONS] CONTEXT",
  options: {
    description: text("TEXT", "Description of the context"),
    docker: text(
      "ENDPOINT",
      "The docker endpoint: host=URL[,skip-tls-verify=BOOL][,ca=,cert=,key=FILE]",
    ),
    from: text("CONTEXT", "Copy the endpoint of this context"),
  },
  args: { min: 1, max: 1 },
  examples: [
    [
      "ipcat docker context create work --docker host=unix:///run/work.sock",
      "A context for another daemon",
    ],
    ["ipcat docker context use work", "Make it the current one"],
  ],
  async run({ options, args }) {
    const name = args[0]!;
    const config = store();
    checkContextName(name);
    let endpoint: Record<string, unknown>;
    let tls: Record<string, string> = {};
    if (options.docker !== undefined) {
      ({ endpoint, tls } = parseDockerEndpoint(options.docker));
    } else {
      const from = options.from ?? currentContextName(env(), config);
      if (from === DEFAULT_CONTEXT) {
        endpoint = { Host: defaultHost(env()), SkipTLSVerify: false };
      } else {
        contextEndpoint(config, from);
        endpoint = config.get(from).Endpoints.docker ?? {};
        const files = config.tls(from);
        for (const file of files?.files ?? []) {
          tls[file] = readFileSync(`${files!.dir}/${file}`, "utf8");
        }
      }
    }
    const meta: ContextMeta = {
      Name: name,
      Metadata: options.description === undefined ? {} : { Description: options.description },
      Endpoints: { docker: endpoint },
    };
    config.create(meta, tls);
    await writeOut(`${name}\n`);
    await writeErr(`Successfully created context "${name}"\n`);
    return 0;
  },
});

export const contextRm = dockerCommand({
  name: "rm",
  summary: "Remove contexts",
  usage: "[OPTIONS] CONTEXT...",
  options: {
    force: flag("Remove even the current context (which then becomes default)", { short: "f" }),
  },
  args: { min: 1 },
  examples: [["ipcat docker context rm work", "Removes the context 'work'"]],
  async run({ options, args }) {
    const config = store();
    const current = currentContextName(env(), config);
    let failed = false;
    for (const name of args) {
      try {
        removeContext(config, name, name === current, options.force);
        await writeOut(`${name}\n`);
      } catch (error) {
        if (!(error instanceof IpcatError)) throw error;
        failed = true;
        await writeErr(`${formatError(error)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
});

function removeContext(config: DockerConfig, name: string, inUse: boolean, force: boolean): void {
  if (name === DEFAULT_CONTEXT) {
    throw new IpcatError("failed", `context "${DEFAULT_CONTEXT}" cannot be removed`);
  }
  if (!config.exists(name)) {
    if (force) return;
    throw new IpcatError("not_found", `context "${name}" does not exist`, {
      hint: "'ipcat docker context ls' lists the contexts",
    });
  }
  if (inUse && !force) {
    throw new IpcatError("failed", `context "${name}" is in use, set -f flag to force remove`);
  }
  if (inUse) {
    config.updateConfig((file) => {
      if (file.currentContext === name) delete file.currentContext;
    });
  }
  config.remove(name);
}

/** The `context` group's commands, `list`/`remove` being `ls`/`rm`. */
export const contextCommands = {
  create: contextCreate,
  inspect: contextInspect,
  list: contextLs,
  ls: contextLs,
  remove: contextRm,
  rm: contextRm,
  show: contextShow,
  use: contextUse,
};
