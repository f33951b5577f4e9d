/**
 * The request protocol commands: `request`, the verbs on top of it (`status`, `cmds`,
 * `cfg`, `set-cfg`, `transports`, `details`, `snapshot`) and `serve`.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import * as v from "valibot";
import process from "node:process";
import { type Command, defineCommand } from "../cli/command.ts";
import { choice, duration, flag, option, text } from "../cli/options.ts";
import { note, writeOut } from "../cli/io.ts";
import { IpcatError } from "../errors.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS, request, type RequestResult } from "./client.ts";
import { type Flavor, queueNames, requestNames, REQUESTS } from "./protocol.ts";
import { namespacePid } from "./namespaces.ts";
import { PidSchema } from "./target_cli.ts";
import { type ServeEvent, serveRequests } from "./server.ts";
import { commandHandler } from "./command_handler.ts";
import { abortOnSignals, abortStatus } from "./signals.ts";

const COMMON_OPTIONS = {
  flavor: choice(
    ["scope", "appview"],
    "Speak to libscope (ScopeIPC* queues) or AppView (AppViewIPC*)",
    { default: "scope" },
  ),
  timeout: duration(
    "How long to wait for the process to take the request and answer",
    { short: "t", default: `${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s` },
  ),
  force: flag("Remove queues left behind by an earlier request that crashed"),
};

/** Runs one request with Ctrl-C, SIGTERM and SIGHUP wired to abort it (the queues are removed either way). */
async function ask(
  payload: string | object,
  target: { pid?: number; inQueue?: string; outQueue?: string },
  options: { flavor: Flavor; timeout: number; force: boolean },
): Promise<RequestResult> {
  const { signal, dispose } = abortOnSignals();
  try {
    return await request(payload, {
      ...target,
      flavor: options.flavor,
      timeoutMs: options.timeout,
      force: options.force,
      signal,
    });
  } finally {
    dispose();
  }
}

function readPayloadArgument(argument: string): string {
  const text = argument === "-" ? readFileSync(0, "utf8") : argument;
  try {
    JSON.parse(text);
  } catch {
    throw new IpcatError("usage", `the request is not JSON: ${text.slice(0, 60)}`, {
      hint: `write it like '{"req":1}'`,
    });
  }
  return text.trim();
}

const requestCommand = defineCommand({
  name: "request",
  summary: "Send one framed JSON request and print the response",
  usage: "JSON | -",
  description:
    "Sends JSON (or stdin with '-') to a process running libscope, the AppView library or\n'ipcat mq serve', and prints the reassembled response JSON as received. The process is\nnamed by --pid (queues /ScopeIPCIn.PID and /ScopeIPCOut.PID, entering its IPC namespace\nwhen it runs in a container), or the queue pair is given with --in and --out.",
  options: {
    pid: option("PID", "The process to ask", PidSchema, { short: "p" }),
    in: text("NAME", "The queue the server reads (with --out, instead of --pid)"),
    out: text("NAME", "The queue the server answers on"),
    ...COMMON_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  examples: [
    [`ipcat mq request --pid 4242 '{"req":1}'`, "Asks process 4242 for its scope status"],
    [
      `ipcat mq request --pid 4242 --flavor appview '{"req":0}'`,
      "Asks an AppView process for its commands",
    ],
    [`ipcat mq request --in /myIn --out /myOut '{"req":5}'`, "Uses any queue pair"],
  ],
  async run({ options, args }) {
    if (options.pid !== undefined && (options.in !== undefined || options.out !== undefined)) {
      throw new IpcatError("usage", "--pid and --in/--out do not go together", {
        hint: "name the process, or the queue pair",
      });
    }
    const result = await ask(readPayloadArgument(args[0]!), {
      pid: options.pid,
      inQueue: options.in,
      outQueue: options.out,
    }, options);
    await writeOut(result.text + "\n");
    return 0;
  },
});

/** What each verb asks, by request number. */
const VERBS = [
  {
    name: "cmds",
    req: REQUESTS.getSupportedCmd,
    summary: "List the requests a process supports (getSupportedCmd)",
  },
  {
    name: "status",
    req: REQUESTS.getStatus,
    summary: "Ask whether a process is scoped (getScopeStatus / getAppViewStatus)",
  },
  {
    name: "cfg",
    req: REQUESTS.getCfg,
    summary: "Print a process's current configuration (getScopeCfg / getAppViewCfg)",
  },
  {
    name: "set-cfg",
    req: REQUESTS.setCfg,
    summary: "Replace a process's configuration (setScopeCfg / setAppViewCfg)",
  },
  {
    name: "transports",
    req: REQUESTS.getTransportStatus,
    summary: "Show a process's transports and their state (getTransportStatus)",
  },
  {
    name: "details",
    req: REQUESTS.getProcessDetails,
    summary: "Show a process's pid, uuid, id and machine id (getProcessDetails)",
  },
  {
    name: "snapshot",
    req: REQUESTS.initiateSnapshot,
    summary: "Ask a process for a snapshot (initiateSnapshot; AppScope only)",
  },
] as const;

function verbCommand(verb: (typeof VERBS)[number]): Command {
  const takesConfig = verb.req === REQUESTS.setCfg;
  return defineCommand({
    name: verb.name,
    summary: verb.summary,
    usage: takesConfig ? "PID FILE|-" : "PID",
    description:
      `Sends request ${verb.req} to process PID and prints the response JSON, indented (--json: as received).\nFails (exit 1) when the process answers with a status other than 200, after printing the\nresponse all the same. The queues are\n/ScopeIPCIn.PID and /ScopeIPCOut.PID (AppView: /AppViewIPC*), removed afterwards; a process\nin a container is reached by its host PID (ipcat enters its IPC namespace: needs root).${
        takesConfig
          ? "\nThe configuration is read from FILE, or from stdin with '-': YAML as in scope.yml\n(what 'scope update' reads), or JSON."
          : ""
      }`,
    options: {
      ...COMMON_OPTIONS,
      json: flag("Print the response as received, on one line"),
    },
    positionals: takesConfig ? { min: 2, max: 2 } : { min: 1, max: 1 },
    examples: takesConfig
      ? [[`ipcat mq set-cfg 4242 scope.yml`, "Sends the configuration in scope.yml"], [
        `echo '{"metric":{"enable":false}}' | ipcat mq set-cfg 4242 -`,
        "From stdin",
      ]]
      : [[`ipcat mq ${verb.name} 4242`, verb.summary], [
        `ipcat mq ${verb.name} 4242 --flavor appview`,
        "The same for an AppView process",
      ]],
    async run({ options, args }) {
      const parsedPid = v.safeParse(PidSchema, args[0]);
      if (!parsedPid.success) {
        throw new IpcatError("usage", `'${args[0]}' is not a process id`, {
          hint: `give the PID of the process to ask, e.g. 'ipcat mq ${verb.name} 4242'`,
        });
      }
      const pid = parsedPid.output;
      const name = requestNames(options.flavor)[verb.req];
      if (name === undefined) {
        throw new IpcatError("usage", `AppView has no ${verb.name} request`, {
          hint: "use --flavor scope for AppScope processes",
        });
      }
      const payload: Record<string, unknown> = { req: verb.req };
      if (takesConfig) payload.cfg = readConfig(args[1]!);
      const result = await ask(payload, { pid }, options);
      // The body first, whatever the status: a script needs it most when something failed.
      await writeOut((options.json ? result.text : JSON.stringify(result.json, null, 2)) + "\n");
      if (result.status !== 200) {
        throw new IpcatError(
          "failed",
          `process ${pid} answered ${name} with status ${result.status}${
            STATUS_MEANING[result.status ?? 0] ?? ""
          }`,
          {
            hint: result.status === 501
              ? "its library does not support this request"
              : "see the process's own log",
          },
        );
      }
      return 0;
    },
  });
}

const STATUS_MEANING: Record<number, string> = {
  400: " (it could not read the request)",
  500: " (it could not carry it out)",
  501: " (not supported)",
};

/**
 * The configuration in FILE (or stdin with `-`): YAML, as `scope update` reads scope.yml
 * (JSON is YAML too), and it must be one mapping.
 */
function readConfig(source: string): object {
  const where = source === "-" ? "stdin" : source;
  let text: string;
  try {
    text = readFileSync(source === "-" ? 0 : source, "utf8");
  } catch {
    throw new IpcatError("not_found", `cannot read the configuration file ${source}`, {
      hint: "give a readable YAML or JSON file, or '-' for stdin",
    });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw new IpcatError(
      "usage",
      `the configuration in ${where} is neither YAML nor JSON${line ? ` (line ${line})` : ""}`,
      { hint: "write it as scope.yml is written, or as one JSON object" },
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new IpcatError("usage", `the configuration in ${where} is not a mapping`, {
      hint: "it must be one YAML mapping (or JSON object), as scope.yml is",
    });
  }
  return parsed;
}

const serve = defineCommand({
  name: "serve",
  summary: "Answer framed requests as libscope (or AppView) does",
  usage: "",
  description:
    "Plays the library's part: polls for /ScopeIPCIn.PID (PID: this process, as seen in its PID\nnamespace, or --as-pid) and answers on /ScopeIPCOut.PID. Built in: getSupportedCmd,\nstatus, details and transports; get/set cfg keep a configuration in memory; snapshot\nanswers 500. With --handler, every request goes to CMD (run by sh -c): the request JSON\non its stdin, the response JSON expected on its stdout. Malformed requests get 400, a\nrequest broken off midway 500 after --timeout; the server keeps serving.\nCtrl-C, SIGTERM and SIGHUP stop it (exit 130, 143, 129).",
  options: {
    flavor: choice(
      ["scope", "appview"],
      "Play libscope (ScopeIPC* queues) or the AppView library (AppViewIPC*)",
      { default: "scope" },
    ),
    handler: option(
      "CMD",
      "Answer every request with this command's output",
      v.pipe(v.string(), v.minLength(1, "expected a command")),
    ),
    "as-pid": option("PID", "Use PID in the queue names instead of this process's", PidSchema),
    timeout: duration("How long to wait for the rest of a request, and for the client to read", {
      short: "t",
      default: "1s",
    }),
    quiet: flag("Do not log refused requests and handler failures", { short: "q" }),
  },
  positionals: { min: 0, max: 0 },
  examples: [
    ["ipcat mq serve", "Answers 'ipcat mq status <its pid>' and the real scope CLI"],
    [
      `ipcat mq serve --handler 'jq -c "{status:200, echo:.}"'`,
      "Answers every request with a command",
    ],
    ["ipcat mq serve --flavor appview --as-pid 4242", "Serves /AppViewIPCIn.4242"],
  ],
  async run({ options }) {
    const { signal, dispose } = abortOnSignals();
    const log = (event: ServeEvent) => {
      if (options.quiet || event.kind === "answered") return;
      void note(
        `${event.kind.replace("_", " ")} request uniq ${event.uniq} (${event.status}): ${
          event.detail ?? ""
        }`,
      );
    };
    try {
      const pid = options["as-pid"];
      const shownPid = pid ?? namespacePid(process.pid);
      const names = queueNames(options.flavor, shownPid);
      await note(
        `serving ${names.in} and ${names.out} (${options.flavor}, pid ${shownPid}); Ctrl-C stops`,
      );
      await serveRequests({
        flavor: options.flavor,
        pid: shownPid,
        handler: options.handler ? commandHandler(options.handler) : undefined,
        frameTimeoutMs: options.timeout,
        signal,
        onEvent: log,
        ownsEventLoop: true,
      });
      return abortStatus(signal);
    } finally {
      dispose();
    }
  },
});

/** The protocol commands, in help order. */
export const protocolCommands: Command[] = [requestCommand, ...VERBS.map(verbCommand), serve];
