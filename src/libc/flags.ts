/**
 * The flag and constant values of the libc calls ipcat makes (Linux, x86-64 and arm64,
 * where they are the same).
 *
 * @module
 */

/** `open(2)`/`mq_open(3)` flags. */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
/** `setns(2)`: join an IPC namespace. */
export const CLONE_NEWIPC = 0x08000000;
/** `unshare(2)`: a mount namespace of the calling thread's own. */
export const CLONE_NEWNS = 0x00020000;
/** `mount(2)` flags: make a mount (recursively) private, so that nothing propagates. */
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
/** `kill(2)`: the signal that asks a process (group) to end. */
export const SIGTERM = 15;
