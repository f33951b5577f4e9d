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

/** `socket(2)`: unix, IPv4 and IPv6 sockets, stream or seqpacket, close-on-exec and non-blocking. */
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_SEQPACKET = 5;
export const SOCK_CLOEXEC = 0o2000000;
export const SOCK_NONBLOCK = 0o4000;
/** `poll(2)` events. POLLNVAL: a closed descriptor, reported so that it is polled no more. */
export const POLLIN = 0x1;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
/** `recv(2)`/`send(2)` flags. */
export const MSG_PEEK = 0x2;
/** With it, recv(2) returns a packet's real length even when the buffer is shorter. */
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
/** `getsockopt(2)`: the socket level, the peer's credentials, a pending connect's error. */
export const SOL_SOCKET = 1;
export const SO_ERROR = 4;
export const SO_PEERCRED = 17;
/** `eventfd(2)` flags. */
export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;
/** `shutdown(2)`: no more writes. */
export const SHUT_WR = 1;
/** `splice(2)` flags. */
export const SPLICE_F_MOVE = 1;
export const SPLICE_F_NONBLOCK = 2;
/** `flock(2)` operations. */
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;
