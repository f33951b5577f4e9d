/**
 * Bun has no nonblocking FFI calls, so a `nonblocking` symbol is called on a worker thread
 * of its own: the event loop stays free while the C function blocks. Each worker makes one
 * call at a time; concurrent calls get more workers, kept for reuse, and idle workers do
 * not keep the process alive.
 *
 * @module
 */
import type { FfiSymbol, FfiValue } from "../types.ts";

/** The worker's code: bind the symbols once, then answer `{ name, args }` with the result. */
const WORKER_SOURCE = `
import { dlopen, FFIType } from "bun:ffi";
let lib = null;
self.onmessage = ({ data }) => {
  if (data.open) {
    const defs = {};
    for (const [name, sym] of Object.entries(data.open.symbols)) {
      defs[name] = { args: sym.args.map((t) => FFIType[t === "buffer" ? "ptr" : t]), returns: FFIType[sym.returns] };
    }
    lib = dlopen(data.open.path, defs);
    return;
  }
  const result = lib.symbols[data.name](...data.args);
  postMessage({ result: Number(result), args: data.args });
};
`;

let workerUrl: string | null = null;

/** A pool of workers bound to one library's `nonblocking` symbols. */
export class FfiWorkerPool {
  readonly #idle: Worker[] = [];

  constructor(
    readonly path: string,
    readonly symbols: Record<string, FfiSymbol>,
  ) {}

  #take(): Worker {
    const idle = this.#idle.pop();
    if (idle) return idle;
    workerUrl ??= URL.createObjectURL(
      new Blob([WORKER_SOURCE], { type: "application/javascript" }),
    );
    const worker = new Worker(workerUrl);
    worker.postMessage({ open: { path: this.path, symbols: this.symbols } });
    return worker;
  }

  /** Calls `name` on a worker; buffer arguments get the bytes the call left in them. */
  call(name: string, args: FfiValue[]): Promise<number> {
    const worker = this.#take();
    (worker as unknown as { ref(): void }).ref();
    return new Promise((resolve) => {
      worker.onmessage = ({ data }: MessageEvent<{ result: number; args: FfiValue[] }>) => {
        data.args.forEach((value, i) => {
          const original = args[i];
          if (original instanceof Uint8Array) original.set(value as Uint8Array);
        });
        (worker as unknown as { unref(): void }).unref();
        this.#idle.push(worker);
        resolve(data.result);
      };
      worker.postMessage({ name, args });
    });
  }

  /** Ends every worker. */
  close(): void {
    for (const worker of this.#idle.splice(0)) worker.terminate();
  }
}
