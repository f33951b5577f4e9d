/**
 * ipcat's version, taken from package.json at build time.
 *
 * @module
 */
import pkg from "../package.json" with { type: "json" };

/** The ipcat release, e.g. `0.1.0`. */
export const VERSION: string = pkg.version;
