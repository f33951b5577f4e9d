/**
 * The slice of the `Deno` namespace that the Deno adapter uses, typed here so that the
 * whole tree type-checks with `tsc` and Bun's types. Keep it to what the adapter calls.
 *
 * @module
 */

/** A Deno stream connection (unix, TCP or TLS). */
export interface DenoConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
}

interface DenoStdFile {
  write(p: Uint8Array): Promise<number>;
  close(): void;
  isTerminal(): boolean;
}

interface DenoChildProcess {
  pid: number;
  stdin: WritableStream<Uint8Array>;
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  status: Promise<{ success: boolean; code: number; signal: string | null }>;
  kill(signal?: string): void;
}

/** The Deno APIs ipcat's adapter calls. */
export interface DenoApi {
  version: { deno: string };
  args: string[];
  execPath(): string;
  exit(code: number): never;
  stdin: DenoStdFile & { readable: ReadableStream<Uint8Array>; setRaw(raw: boolean): void };
  stdout: DenoStdFile;
  stderr: DenoStdFile;
  consoleSize(): { columns: number; rows: number };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  connect(
    options: { transport: "unix"; path: string } | {
      transport: "tcp";
      hostname: string;
      port: number;
    },
  ): Promise<DenoConn>;
  connectTls(
    options: {
      hostname: string;
      port: number;
      caCerts?: string[];
      cert?: string;
      key?: string;
    },
  ): Promise<DenoConn>;
  listen(
    options: { transport: "unix"; path: string } | {
      transport: "tcp";
      hostname: string;
      port: number;
    },
  ): { accept(): Promise<DenoConn>; close(): void };
  listenTls(
    options: { hostname: string; port: number; cert: string; key: string },
  ): { accept(): Promise<DenoConn & { handshake(): Promise<unknown> }>; close(): void };
  createHttpClient(options: {
    proxy?: { transport: "unix"; path: string };
    caCerts?: string[];
    cert?: string;
    key?: string;
  }): unknown;
  dlopen(path: string, symbols: Record<string, { parameters: string[]; result: string }>): {
    symbols: Record<string, unknown>;
    close(): void;
  };
  UnsafePointerView: new (pointer: unknown) => { getInt32(offset?: number): number };
  Command: new (command: string, options: {
    args?: string[];
    env?: Record<string, string>;
    clearEnv?: boolean;
    cwd?: string;
    stdin?: "piped" | "inherit" | "null";
    stdout?: "piped" | "inherit" | "null";
    stderr?: "piped" | "inherit" | "null";
    detached?: boolean;
  }) => { spawn(): DenoChildProcess };
  kill(pid: number, signal: string): void;
}

/** The `Deno` global, typed by {@link DenoApi}. */
export const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

/** Deno's error class names and the system codes the rest of ipcat reads. */
const SYSTEM_CODES: Record<string, string> = {
  NotFound: "ENOENT",
  ConnectionRefused: "ECONNREFUSED",
  PermissionDenied: "EACCES",
  AddrInUse: "EADDRINUSE",
  ConnectionReset: "ECONNRESET",
  BrokenPipe: "EPIPE",
  NotConnected: "ENOTCONN",
};

/**
 * Gives a Deno error the `code` (`ENOENT`, …) that Node and Bun errors carry, so that
 * nothing outside the adapter needs to know Deno's error names.
 */
export function withSystemCode(error: unknown): unknown {
  if (error instanceof Error && (error as { code?: unknown }).code === undefined) {
    const code = SYSTEM_CODES[error.name];
    if (code) Object.defineProperty(error, "code", { value: code, enumerable: true });
  }
  return error;
}
