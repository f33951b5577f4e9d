/**
 * C libraries through `bun:ffi`, with the caller's `errno` read right after each call.
 *
 * @module
 */
import { dlopen as bunDlopen, FFIType, read as ffiRead } from "bun:ffi";
import type { FfiLibrary, FfiSymbol, FfiType } from "../types.ts";

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
  const bound: Record<string, (...args: unknown[]) => number> = {};
  for (const [name, sym] of Object.entries(symbols)) {
    const fn = lib.symbols[name] as unknown as (...args: unknown[]) => number | bigint;
    bound[name] = sym.returns === "i64" || sym.returns === "u64"
      ? (...args) => Number(fn(...args))
      : (fn as (...args: unknown[]) => number);
  }
  const errnoLocation = lib.symbols.__errno_location as unknown as () => number;
  return {
    symbols: bound as FfiLibrary<S>["symbols"],
    errno: () => ffiRead.i32(errnoLocation() as never, 0),
    close: () => lib.close(),
  };
}
