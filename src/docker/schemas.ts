/**
 * valibot schemas for the Docker Engine API messages ipcat reads and writes, limited to
 * the fields it uses. Unknown fields pass through (`looseObject`), so newer daemons that
 * add fields keep working, while a missing or mistyped field we rely on is an error.
 *
 * @module
 */
import * as v from "valibot";

/** `{"message": "…"}`: the body of every error from an ordinary endpoint. */
export const ErrorBody = v.looseObject({ message: v.string() });

/** The headers of `GET /_ping` that ipcat reads (lower-cased names). */
export const PingHeaders = v.object({
  "api-version": v.pipe(v.string(), v.regex(/^\d+\.\d+$/, "a version such as 1.41")),
  ostype: v.optional(v.string(), ""),
  server: v.optional(v.string(), ""),
});

/** The daemon's version report (`GET /version`), as ipcat reads it. */
export interface VersionInfo {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string | undefined;
  GitCommit?: string | undefined;
  GoVersion?: string | undefined;
  Os: string;
  Arch: string;
  BuildTime?: string | undefined;
  Experimental?: boolean | undefined;
  KernelVersion?: string | undefined;
  Platform?: { Name: string } | undefined;
  /** The engine and what it runs on (containerd, runc, docker-init), each with details. */
  Components?: {
    Name: string;
    Version: string;
    Details?: Record<string, string> | null | undefined;
  }[];
  [key: string]: unknown;
}

/** The schema of {@link VersionInfo}. */
export const VersionInfo: v.GenericSchema<unknown, VersionInfo> = v.looseObject({
  Version: v.string(),
  ApiVersion: v.string(),
  MinAPIVersion: v.optional(v.string()),
  GitCommit: v.optional(v.string()),
  GoVersion: v.optional(v.string()),
  Os: v.string(),
  Arch: v.string(),
  BuildTime: v.optional(v.string()),
  Experimental: v.optional(v.boolean()),
  KernelVersion: v.optional(v.string()),
  Platform: v.optional(v.object({ Name: v.string() })),
  Components: v.optional(
    v.array(v.object({
      Name: v.string(),
      Version: v.string(),
      Details: v.nullish(v.record(v.string(), v.string())),
    })),
  ),
});

/** One container of `GET /containers/json`. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  State: string;
  Status: string;
  Labels: Record<string, string>;
  Ports: Array<{
    IP?: string | undefined;
    PrivatePort: number;
    PublicPort?: number | undefined;
    Type: string;
    [key: string]: unknown;
  }>;
  Mounts: Array<{ Name: string; Source: string; Driver: string; [key: string]: unknown }>;
  NetworkSettings?:
    | { Networks: Record<string, unknown>; [key: string]: unknown }
    | null
    | undefined;
  SizeRw?: number | undefined;
  SizeRootFs?: number | undefined;
  [key: string]: unknown;
}

/** The schema of {@link ContainerSummary}. */
export const ContainerSummary: v.GenericSchema<unknown, ContainerSummary> = v.looseObject({
  Id: v.string(),
  Names: v.nullish(v.array(v.string()), []),
  Image: v.string(),
  ImageID: v.optional(v.string(), ""),
  Command: v.string(),
  Created: v.number(),
  State: v.string(),
  Status: v.string(),
  Labels: v.nullish(v.record(v.string(), v.string()), {}),
  Ports: v.nullish(
    v.array(v.looseObject({
      IP: v.optional(v.string()),
      PrivatePort: v.number(),
      PublicPort: v.optional(v.number()),
      Type: v.string(),
    })),
    [],
  ),
  Mounts: v.nullish(
    v.array(v.looseObject({
      Name: v.optional(v.string(), ""),
      Source: v.optional(v.string(), ""),
      Driver: v.optional(v.string(), ""),
    })),
    [],
  ),
  NetworkSettings: v.nullish(
    v.looseObject({ Networks: v.nullish(v.record(v.string(), v.unknown()), {}) }),
  ),
  SizeRw: v.optional(v.number()),
  SizeRootFs: v.optional(v.number()),
});
/** `GET /containers/json`. */
export const ContainerList = v.array(ContainerSummary);

/** Where a container port is published on the host. */
export interface PortBinding {
  HostIp: string;
  HostPort: string;
  [key: string]: unknown;
}

/** The schema of {@link PortBinding}. */
export const PortBinding: v.GenericSchema<unknown, PortBinding> = v.looseObject({
  HostIp: v.optional(v.string(), ""),
  HostPort: v.optional(v.string(), ""),
});

/** `GET /containers/{id}/json`: the fields ipcat reads (the rest kept as received). */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Config: {
    Tty: boolean;
    OpenStdin: boolean;
    StdinOnce: boolean;
    Image: string;
    [key: string]: unknown;
  };
  State: {
    Status: string;
    Running: boolean;
    Paused: boolean;
    Restarting: boolean;
    ExitCode: number;
    [key: string]: unknown;
  };
  HostConfig: { AutoRemove: boolean; [key: string]: unknown };
  NetworkSettings: {
    Ports: Record<string, PortBinding[] | null | undefined>;
    Networks: Record<string, {
      NetworkID: string;
      IPAddress: string;
      Gateway: string;
      MacAddress: string;
      [key: string]: unknown;
    }>;
    [key: string]: unknown;
  };
  Mounts: Array<{
    Type: string;
    Name?: string | undefined;
    Source: string;
    Destination: string;
    Driver?: string | undefined;
    Mode: string;
    RW: boolean;
    [key: string]: unknown;
  }>;
  [key: string]: unknown;
}

/** The schema of {@link ContainerInspect}. */
export const ContainerInspect: v.GenericSchema<unknown, ContainerInspect> = v.looseObject({
  Id: v.string(),
  Name: v.string(),
  Config: v.looseObject({
    Tty: v.boolean(),
    OpenStdin: v.boolean(),
    StdinOnce: v.boolean(),
    Image: v.string(),
  }),
  State: v.looseObject({
    Status: v.string(),
    Running: v.boolean(),
    Paused: v.boolean(),
    Restarting: v.boolean(),
    ExitCode: v.number(),
  }),
  HostConfig: v.looseObject({ AutoRemove: v.optional(v.boolean(), false) }),
  NetworkSettings: v.optional(
    v.looseObject({
      Ports: v.nullish(v.record(v.string(), v.nullish(v.array(PortBinding))), {}),
      Networks: v.nullish(
        v.record(
          v.string(),
          v.looseObject({
            NetworkID: v.optional(v.string(), ""),
            IPAddress: v.optional(v.string(), ""),
            Gateway: v.optional(v.string(), ""),
            MacAddress: v.optional(v.string(), ""),
          }),
        ),
        {},
      ),
    }),
    { Ports: {}, Networks: {} },
  ),
  Mounts: v.nullish(
    v.array(v.looseObject({
      Type: v.string(),
      Name: v.optional(v.string()),
      Source: v.optional(v.string(), ""),
      Destination: v.string(),
      Driver: v.optional(v.string()),
      Mode: v.optional(v.string(), ""),
      RW: v.boolean(),
    })),
    [],
  ),
});

/** `POST /containers/create` and `POST /containers/{id}/exec`. */
export const CreatedId = v.looseObject({
  Id: v.string(),
  Warnings: v.nullish(v.array(v.string()), []),
});

/** `POST /containers/{id}/wait`. */
export interface WaitResponse {
  StatusCode: number;
  Error?: { Message: string; [key: string]: unknown } | null | undefined;
  [key: string]: unknown;
}

/** The schema of {@link WaitResponse}. */
export const WaitResponse: v.GenericSchema<unknown, WaitResponse> = v.looseObject({
  StatusCode: v.number(),
  Error: v.nullish(v.looseObject({ Message: v.optional(v.string(), "") })),
});

/** `GET /exec/{id}/json`. */
export const ExecInspect = v.looseObject({
  Running: v.boolean(),
  ExitCode: v.nullable(v.number()),
});

/** One line of the JSON progress stream of `POST /images/create`. */
export const ProgressLine = v.looseObject({
  status: v.optional(v.string()),
  error: v.optional(v.string()),
  errorDetail: v.optional(v.looseObject({ message: v.optional(v.string()) })),
});

/** The body of `POST /containers/create`: the container configuration ipcat sends. */
export interface CreateBody {
  Image: string;
  Cmd?: string[] | undefined;
  Entrypoint?: string[] | undefined;
  Env?: string[] | undefined;
  WorkingDir?: string | undefined;
  User?: string | undefined;
  Hostname?: string | undefined;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Labels?: Record<string, string> | undefined;
  ExposedPorts?: Record<string, Record<string, never>> | undefined;
  StopSignal?: string | undefined;
  StopTimeout?: number | undefined;
  Healthcheck?: {
    Test: string[];
    Interval?: number | undefined;
    Timeout?: number | undefined;
    StartPeriod?: number | undefined;
    Retries?: number | undefined;
  } | undefined;
  HostConfig: {
    AutoRemove: boolean;
    Binds?: string[] | undefined;
    NetworkMode?: string | undefined;
    IpcMode?: string | undefined;
    LogConfig?: { Type: string; Config: Record<string, string> } | undefined;
    RestartPolicy?: {
      Name: "no" | "always" | "unless-stopped" | "on-failure";
      MaximumRetryCount: number;
    } | undefined;
    [key: string]: unknown;
  };
}

/** The schema of {@link CreateBody}. */
export const CreateBody: v.GenericSchema<unknown, CreateBody> = v.object({
  Image: v.pipe(v.string(), v.minLength(1)),
  Cmd: v.optional(v.array(v.string())),
  Entrypoint: v.optional(v.array(v.string())),
  Env: v.optional(v.array(v.string())),
  WorkingDir: v.optional(v.string()),
  User: v.optional(v.string()),
  Hostname: v.optional(v.string()),
  Tty: v.boolean(),
  OpenStdin: v.boolean(),
  StdinOnce: v.boolean(),
  AttachStdin: v.boolean(),
  AttachStdout: v.boolean(),
  AttachStderr: v.boolean(),
  Labels: v.optional(v.record(v.string(), v.string())),
  ExposedPorts: v.optional(v.record(v.string(), v.object({}))),
  StopSignal: v.optional(v.string()),
  StopTimeout: v.optional(v.number()),
  Healthcheck: v.optional(v.object({
    Test: v.array(v.string()),
    Interval: v.optional(v.number()),
    Timeout: v.optional(v.number()),
    StartPeriod: v.optional(v.number()),
    Retries: v.optional(v.number()),
  })),
  HostConfig: v.looseObject({
    AutoRemove: v.boolean(),
    Binds: v.optional(v.array(v.string())),
    NetworkMode: v.optional(v.string()),
    IpcMode: v.optional(v.string()),
    LogConfig: v.optional(v.object({ Type: v.string(), Config: v.record(v.string(), v.string()) })),
    RestartPolicy: v.optional(
      v.object({
        Name: v.picklist(["no", "always", "unless-stopped", "on-failure"]),
        MaximumRetryCount: v.number(),
      }),
    ),
  }),
});

/** The body of `POST /containers/{id}/exec`. */
export const ExecBody = v.object({
  Cmd: v.pipe(v.array(v.string()), v.minLength(1)),
  AttachStdin: v.boolean(),
  AttachStdout: v.boolean(),
  AttachStderr: v.boolean(),
  Tty: v.boolean(),
  Env: v.optional(v.array(v.string())),
  WorkingDir: v.optional(v.string()),
  User: v.optional(v.string()),
  DetachKeys: v.optional(v.string()),
  Privileged: v.optional(v.boolean()),
});
/** The body of `POST /containers/{id}/exec`. */
export type ExecBody = v.InferOutput<typeof ExecBody>;

/** One image of `GET /images/json`. */
export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number | undefined;
  Labels: Record<string, string>;
  Containers: number;
  [key: string]: unknown;
}

/** The schema of {@link ImageSummary}. */
export const ImageSummary: v.GenericSchema<unknown, ImageSummary> = v.looseObject({
  Id: v.string(),
  ParentId: v.optional(v.string(), ""),
  RepoTags: v.nullish(v.array(v.string()), []),
  RepoDigests: v.nullish(v.array(v.string()), []),
  Created: v.number(),
  Size: v.number(),
  SharedSize: v.optional(v.number(), -1),
  VirtualSize: v.optional(v.number()),
  Labels: v.nullish(v.record(v.string(), v.string()), {}),
  Containers: v.optional(v.number(), -1),
});
/** `GET /images/json`. */
export const ImageList = v.array(ImageSummary);

/** One line of `DELETE /images/{name}`. */
export const ImageDeleteList = v.array(
  v.looseObject({ Untagged: v.optional(v.string()), Deleted: v.optional(v.string()) }),
);
