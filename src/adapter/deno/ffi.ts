/**
 * C libraries through `Deno.dlopen`, with the caller's `errno` read right after each call;
 * `nonblocking` symbols through Deno's own nonblocking FFI calls.
 *
 * @module
 */
import type { FfiLibrary, FfiSymbol } from "../types.ts";
import { Deno } from "./deno_api.ts";

export function dlopen<S extends Record<string, FfiSymbol>>(
  path: string,
  symbols: S,
): FfiLibrary<S> {
  const defs: Record<string, { parameters: string[]; result: string; nonblocking?: boolean }> = {
    __errno_location: { parameters: [], result: "pointer" },
  };
  for (const [name, sym] of Object.entries(symbols)) {
    defs[name] = { parameters: [...sym.args], result: sym.returns, nonblocking: sym.nonblocking };
  }
  const lib = Deno.dlopen(path, defs);
  const bound: Record<string, (...args: unknown[]) => number | Promise<number>> = {};
  for (const [name, sym] of Object.entries(symbols)) {
    const wide = sym.returns === "i64" || sym.returns === "u64";
    if (sym.nonblocking) {
      // Deno runs it on its blocking thread pool and resolves on this event loop.
      const fn = lib.symbols[name] as (...args: unknown[]) => Promise<number | bigint>;
      bound[name] = async (...args) => Number(await fn(...args));
      continue;
    }
    const fn = lib.symbols[name] as (...args: unknown[]) => number | bigint;
    bound[name] = wide ? (...args) => Number(fn(...args)) : (fn as (...args: unknown[]) => number);
  }
  const errnoLocation = lib.symbols.__errno_location as () => unknown;
  return {
    symbols: bound as FfiLibrary<S>["symbols"],
    errno: () => new Deno.UnsafePointerView(errnoLocation()).getInt32(0),
    close: () => lib.close(),
  };
}
