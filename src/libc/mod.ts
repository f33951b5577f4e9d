/**
 * The one libc layer: errno names, C strings and flags, shared by every family that
 * binds libc through the runtime adapter's FFI (`ipcat mq`'s queues and namespaces,
 * `ipcat sock`'s descriptor relay and socket lock). Each binds the symbols it needs.
 *
 * @module
 */
export { Errno, errnoName } from "./errno.ts";
export { cString } from "./cstring.ts";
export * from "./flags.ts";
export { inetAddress, unixAddress } from "./sockaddr.ts";
