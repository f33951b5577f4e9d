/**
 * C libraries through `bun:ffi`, with the caller's `errno` read right after each call;
 * `nonblocking` symbols on worker threads (`./ffi_worker.ts`).
 *
 * @module
 */
import { dlopen as bunDlopen, FFIType, read as ffiRead } from "bun:ffi";
import type { FfiLibrary, FfiSymbol, FfiType, FfiValue } from "../types.ts";
import { FfiWorkerPool } from "./ffi_worker.ts";

const FFI_TYPES: Record<FfiType, FFIType> = {
  i32: FFIType.i32,
  u32: FFIType.u32,
  i64: FFIType.i64,
  u64: FFIType.u64,
  buffer: FFIType.ptr,
  void: FFIType.void,
};

export function dlopen<S extends Record<string, FfiSymbol>>(
  path: string,
  symbols: S,
): FfiLibrary<S> {
  const defs: Record<string, { args: FFIType[]; returns: FFIType }> = {
    __errno_location: { args: [], returns: FFIType.ptr },
  };
  for (const [name, sym] of Object.entries(symbols)) {
    defs[name] = { args: sym.args.map((t) => FFI_TYPES[t]), returns: FFI_TYPES[sym.returns] };
  }
  const lib = bunDlopen(path, defs);
  const bound: Record<string, (...args: unknown[]) => number | Promise<number>> = {};
  const waiting = Object.fromEntries(Object.entries(symbols).filter(([, sym]) => sym.nonblocking));
  const pool = Object.keys(waiting).length ? new FfiWorkerPool(path, waiting) : null;
  for (const [name, sym] of Object.entries(symbols)) {
    if (sym.nonblocking) {
      bound[name] = (...args) => pool!.call(name, args as FfiValue[]);
      continue;
    }
    const fn = lib.symbols[name] as unknown as (...args: unknown[]) => number | bigint;
    bound[name] = sym.returns === "i64" || sym.returns === "u64"
      ? (...args) => Number(fn(...args))
      : (fn as (...args: unknown[]) => number);
  }
  const errnoLocation = lib.symbols.__errno_location as unknown as () => number;
  return {
    symbols: bound as FfiLibrary<S>["symbols"],
    errno: () => ffiRead.i32(errnoLocation() as never, 0),
    close: () => {
      pool?.close();
      lib.close();
    },
  };
}
