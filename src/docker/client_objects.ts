/**
 * The client's listing and object calls: ping, version, containers, images, tags, inspect
 * of any object, the simple container actions, and the generic JSON request the other
 * commands use. {@link Docker} adds the container life cycle and its streams.
 *
 * @module
 */
import * as v from "valibot";
import { IpcatError } from "../errors.ts";
import type { DockerApi } from "./api.ts";
import {
  ContainerInspect,
  ContainerList,
  type ContainerSummary,
  ImageDeleteList,
  ImageList,
  type ImageSummary,
  ProgressLine,
  VersionInfo,
} from "./schemas.ts";

/** Options of {@link Docker.containers}. */
export interface ContainerListOptions {
  all?: boolean;
  limit?: number;
  size?: boolean;
  filters?: Record<string, string[]>;
}

/** `REPOSITORY[:TAG]` split at the tag's colon (a registry's port colon is not a tag). */
export function splitReference(reference: string): { repo: string; tag: string | undefined } {
  const slash = reference.lastIndexOf("/");
  const colon = reference.lastIndexOf(":");
  return colon > slash
    ? { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) }
    : { repo: reference, tag: undefined };
}

/** API filters as the `filters` query parameter, or nothing when there are none. */
export function filtersQuery(filters: Record<string, string[]> | undefined): string | undefined {
  return filters && Object.keys(filters).length ? JSON.stringify(filters) : undefined;
}

/** The kinds of object `inspect` looks up, in the order the docker CLI tries them. */
export type ObjectType = "container" | "image" | "volume" | "network";

/** The Engine API calls that list and look up objects. */
export class DockerObjects {
  constructor(readonly api: DockerApi) {}

  /** `/_ping`: the daemon's API version, OS and server string. */
  ping(): Promise<{ apiVersion: string; osType: string; server: string }> {
    return this.api.ping();
  }

  /** The daemon's version report. */
  version(): Promise<VersionInfo> {
    return this.api.requestJson(VersionInfo, "GET", "/version");
  }

  /**
   * Containers, running only unless `all`; `limit` the newest N (of every state), `size`
   * with their sizes, `filters` as the API takes them (`{ name: ["web"], status: ["exited"] }`).
   */
  containers(options: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    return this.api.requestJson(ContainerList, "GET", "/containers/json", {
      query: {
        all: options.all ?? false,
        limit: options.limit,
        size: options.size ? true : undefined,
        filters: filtersQuery(options.filters),
      },
    });
  }

  /** Images: top-level ones unless `all`; `digests` adds their digests; `filters` as the API's. */
  images(
    options: { all?: boolean; digests?: boolean; filters?: Record<string, string[]> } = {},
  ): Promise<ImageSummary[]> {
    return this.api.requestJson(ImageList, "GET", "/images/json", {
      query: {
        all: options.all ? true : undefined,
        digests: options.digests ? true : undefined,
        filters: filtersQuery(options.filters),
      },
    });
  }

  /** Removes an image or a tag; returns what the daemon untagged and deleted, in order. */
  async removeImage(
    name: string,
    options: { force?: boolean; noPrune?: boolean } = {},
  ): Promise<Array<{ Untagged?: string; Deleted?: string }>> {
    return await this.api.requestJson(
      ImageDeleteList,
      "DELETE",
      `/images/${encodeURIComponent(name)}`,
      {
        query: {
          force: options.force ? true : undefined,
          noprune: options.noPrune ? true : undefined,
        },
        subject: `image ${name}`,
      },
    );
  }

  /** Tags an image: `target` is `REPOSITORY[:TAG]` (the tag defaults to latest). */
  async tag(source: string, target: string): Promise<void> {
    const { repo, tag } = splitReference(target);
    const res = await this.api.request("POST", `/images/${encodeURIComponent(source)}/tag`, {
      query: { repo, tag: tag ?? "latest" },
      subject: `image ${source}`,
    });
    await this.api.drain(res);
  }

  /** POSTs to a container's `action` endpoint (`pause`, `unpause`, `restart`, …) with `query`. */
  async containerAction(
    id: string,
    action: string,
    query: Record<string, string | number | boolean | undefined> = {},
  ): Promise<void> {
    const res = await this.api.request("POST", `/containers/${encodeURIComponent(id)}/${action}`, {
      query,
      subject: `container ${id}`,
    });
    await this.api.drain(res);
  }

  /** A GET of `path` whose JSON answer is validated only as being JSON, returned as sent. */
  async getRaw(
    path: string,
    subject?: string,
    query?: Record<string, string | number | boolean | undefined>,
  ): Promise<string> {
    const text = await this.api.text(await this.api.request("GET", path, { subject, query }));
    this.api.parse(v.unknown(), text, `GET ${path}`);
    return text;
  }

  /** A request with a JSON body (or none) whose JSON answer is returned parsed, or null when empty. */
  async send(
    method: string,
    path: string,
    options: {
      json?: unknown;
      query?: Record<string, string | number | boolean | undefined>;
      subject?: string;
    } = {},
  ): Promise<unknown> {
    const text = await this.api.text(await this.api.request(method, path, options));
    return text.trim() ? this.api.parse(v.unknown(), text, `${method} ${path}`) : null;
  }

  /** The daemon's full JSON for a container, validated but as sent (what `docker inspect` prints). */
  async inspectRaw(id: string): Promise<string> {
    return (await this.inspectBoth(id)).raw;
  }

  /**
   * The daemon's JSON for a container, image, volume or network, as sent (what
   * `docker inspect --type` prints); a missing one is a {@link DockerError} of kind `not_found`.
   */
  async inspectObjectRaw(type: ObjectType, name: string): Promise<string> {
    const path = {
      container: `/containers/${encodeURIComponent(name)}/json`,
      image: `/images/${encodeURIComponent(name)}/json`,
      volume: `/volumes/${encodeURIComponent(name)}`,
      network: `/networks/${encodeURIComponent(name)}`,
    }[type];
    const raw = await this.api.text(
      await this.api.request("GET", path, { subject: `${type} ${name}` }),
    );
    this.api.parse(v.looseObject({}), raw, `inspect ${type} ${name}`);
    return raw;
  }

  /** The fields of a container ipcat decides on. */
  async inspect(id: string): Promise<ContainerInspect> {
    return (await this.inspectBoth(id)).info;
  }

  protected async inspectBoth(id: string): Promise<{ raw: string; info: ContainerInspect }> {
    const res = await this.api.request("GET", `/containers/${encodeURIComponent(id)}/json`, {
      subject: `container ${id}`,
    });
    const raw = await this.api.text(res);
    return { raw, info: this.api.parse(ContainerInspect, raw, `inspect ${id}`) };
  }

  /**
   * Imports a root file system tar as an image (`docker import`); returns the image id.
   * A stream is sent as it is read, so a large tar never sits in memory whole.
   *
   * @example
   * ```ts ignore
   * import { readFileSync } from "node:fs";
   * import { Docker } from "./mod.ts";
   * const docker = await Docker.fromEnv();
   * console.log(await docker.importImage(readFileSync("rootfs.tar"), "busybox:local"));
   * ```
   */
  async importImage(
    tar: Uint8Array | ReadableStream<Uint8Array>,
    reference?: string,
  ): Promise<string> {
    const { repo, tag } = reference
      ? splitReference(reference)
      : { repo: undefined, tag: undefined };
    const res = await this.api.request("POST", "/images/create", {
      query: { fromSrc: "-", repo, tag },
      body: tar,
      contentType: "application/x-tar",
    });
    let imageId = "";
    for (const line of (await this.api.text(res)).split("\n")) {
      if (!line.trim()) continue;
      const progress = this.api.parse(ProgressLine, line, "image import");
      const failure = progress.errorDetail?.message ?? progress.error;
      if (failure) {
        throw new IpcatError("docker", `import failed: ${failure}`, {
          hint: "give a tar of a root file system (e.g. tar -C rootfs -c .)",
        });
      }
      if (progress.status?.startsWith("sha256:")) imageId = progress.status;
    }
    if (!imageId) throw new IpcatError("protocol", "the daemon's import answer named no image id");
    return imageId;
  }
}
