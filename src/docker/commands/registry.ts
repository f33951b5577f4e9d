/**
 * Registries: `pull`, `push` (the daemon's progress shown as the CLI shows it), and
 * `login`/`logout` keeping credentials in config.json as the CLI does.
 *
 * @module
 */
import process from "node:process";
import { runtime } from "../../adapter/mod.ts";
import { readStdin, writeErr, writeOut } from "../../cli/io.ts";
import { flag, text } from "../../cli/options.ts";
import { IpcatError } from "../../errors.ts";
import type { Docker } from "../client.ts";
import { JsonMessageRenderer } from "../jsonmessage.ts";
import { jsonMessages, postStreaming } from "./message_stream.ts";
import {
  authKey,
  DOCKER_HUB_KEY,
  parseReference,
  registryAuthHeader,
  removeCredentials,
  storeCredentials,
} from "../registry_auth.ts";
import { client, dockerCommand } from "./shared.ts";

/** Shows a JSON message stream as it arrives; an error message fails the command. */
async function showMessages(docker: Docker, res: Response, quiet: boolean): Promise<void> {
  const renderer = new JsonMessageRenderer(
    runtime.isTerminal(1),
    runtime.terminalSize()?.cols ?? 80,
  );
  for await (const message of jsonMessages(docker, res)) {
    const shown = renderer.push(message);
    if (!quiet && shown) await writeOut(shown);
  }
}

/** A registry call whose answer is a message stream, with the stored credentials. */
function registryCall(
  docker: Docker,
  path: string,
  query: Record<string, string>,
  registry: string,
): Promise<Response> {
  return postStreaming(docker, path, new URLSearchParams(query), {
    headers: { "X-Registry-Auth": registryAuthHeader(registry, process.env) },
  });
}

export const pull = dockerCommand({
  name: "pull",
  summary: "Download an image from a registry",
  usage: "NAME[:TAG|@DIGEST]",
  description:
    `Per-layer progress redrawn in place on a terminal, one line per step otherwise, as the
docker CLI prints them; then the digest, the status and the image's full name.
Credentials come from 'ipcat docker login' (config.json).`,
  options: { quiet: flag("Print only the image's full name", { short: "q" }) },
  args: { min: 1, max: 1 },
  examples: [["ipcat docker pull 127.0.0.1:5000/app:v1", "From a local registry"]],
  async run({ options, args }) {
    const ref = parseReference(args[0]!);
    const tag = ref.tag ?? (ref.digest ? undefined : "latest");
    if (!ref.tag && !ref.digest && !options.quiet) await writeOut("Using default tag: latest\n");
    const docker = await client();
    const res = await registryCall(docker, "/images/create", {
      fromImage: ref.repository + (ref.digest ? `@${ref.digest}` : ""),
      ...(tag && !ref.digest ? { tag } : {}),
    }, ref.registry);
    await showMessages(docker, res, options.quiet);
    await writeOut(`${ref.full}${ref.tag || ref.digest ? "" : ":latest"}\n`);
    return 0;
  },
});

export const push = dockerCommand({
  name: "push",
  summary: "Upload an image to a registry",
  usage: "NAME[:TAG]",
  description: `Per-layer progress as the docker CLI prints it, then the tag's digest and size.
Credentials come from 'ipcat docker login' (config.json).`,
  options: { quiet: flag("Print nothing but errors", { short: "q" }) },
  args: { min: 1, max: 1 },
  examples: [["ipcat docker push 127.0.0.1:5000/app:v1", "To a local registry"]],
  async run({ options, args }) {
    const ref = parseReference(args[0]!);
    if (!ref.tag && !options.quiet) await writeOut("Using default tag: latest\n");
    const docker = await client();
    const res = await registryCall(
      docker,
      `/images/${encodeURIComponent(ref.repository)}/push`,
      { tag: ref.tag ?? "latest" },
      ref.registry,
    );
    await showMessages(docker, res, options.quiet);
    return 0;
  },
});

export const login = dockerCommand({
  name: "login",
  summary: "Log in to a registry (credentials kept in config.json, as the CLI keeps them)",
  usage: "[SERVER]",
  description:
    `The daemon checks the credentials with the registry (POST /auth); they are then stored
base64-encoded in config.json's auths, as the docker CLI does without a credential helper.
SERVER defaults to Docker Hub.`,
  options: {
    username: text("USER", "Username", { short: "u" }),
    password: text("PASSWORD", "Password (visible to other users: prefer --password-stdin)", {
      short: "p",
    }),
    "password-stdin": flag("Read the password from stdin"),
  },
  args: { min: 0, max: 1 },
  examples: [[
    'echo "$TOKEN" | ipcat docker login -u me --password-stdin 127.0.0.1:5000',
    "Log in to a local registry",
  ]],
  async run({ options, args }) {
    if (options.password !== undefined && options["password-stdin"]) {
      throw new IpcatError("failed", "--password and --password-stdin are mutually exclusive");
    }
    if (options.username === undefined) {
      const message = options["password-stdin"]
        ? "Must provide --username with --password-stdin"
        : "no username given";
      throw new IpcatError("failed", message, {
        hint: "ipcat asks for nothing interactively: give -u USER and --password-stdin",
      });
    }
    let password = options.password;
    if (options["password-stdin"]) {
      password = new TextDecoder().decode(await readStdin()).replace(/\r?\n$/, "");
    } else if (password !== undefined) {
      await writeErr("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    } else {
      throw new IpcatError("failed", "no password given", { hint: "use --password-stdin" });
    }
    const server = args[0] ?? DOCKER_HUB_KEY;
    const docker = await client();
    await docker.api.request("POST", "/auth", {
      json: { username: options.username, password, serveraddress: server },
      subject: `login to ${server}`,
    });
    const path = storeCredentials(authKey(server), options.username, password, process.env);
    await writeErr(
      `\nWARNING! Your credentials are stored unencrypted in '${path}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`,
    );
    await writeOut("Login Succeeded\n");
    return 0;
  },
});

export const logout = dockerCommand({
  name: "logout",
  summary: "Remove a registry's credentials from config.json",
  usage: "[SERVER]",
  options: {},
  args: { min: 0, max: 1 },
  examples: [["ipcat docker logout 127.0.0.1:5000", "Forget the local registry's credentials"]],
  async run({ args }) {
    const server = args[0] ?? DOCKER_HUB_KEY;
    await writeOut(`Removing login credentials for ${server}\n`);
    removeCredentials(authKey(server), process.env);
    return 0;
  },
});
