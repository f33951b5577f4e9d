/**
 * Readiness of descriptors that ipcat opened through libc (seqpacket sockets, which
 * neither runtime has), awaited without blocking the event loop: one poll(2) over every
 * descriptor someone waits on runs on another thread (a worker under Bun, Deno's blocking
 * pool), and an eventfd in the set wakes it whenever the set changes.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { type FfiLibrary, runtime } from "../adapter/mod.ts";
import { EFD_CLOEXEC, EFD_NONBLOCK, POLLIN, POLLNVAL } from "../libc/mod.ts";

const LIBC_SYMBOLS = {
  eventfd: { args: ["u32", "i32"], returns: "i32" },
  read: { args: ["i32", "buffer", "u64"], returns: "i64" },
  write: { args: ["i32", "buffer", "u64"], returns: "i64" },
  close: { args: ["i32"], returns: "i32" },
} as const;
const WAITING_SYMBOLS = {
  poll: { args: ["buffer", "u64", "i32"], returns: "i32", nonblocking: true },
} as const;

/**
 * How long one poll on the other thread lasts at most. The wake-up makes changes take
 * effect at once; the limit only bounds how long a lost wake-up could delay them.
 */
const POLL_SLICE_MS = 1000;

interface Waiter {
  fd: number;
  events: number;
  resolve(revents: number): void;
}

/** Waits for descriptors to become ready, many at once, on one other thread. */
class Poller {
  readonly #libc: FfiLibrary<typeof LIBC_SYMBOLS>;
  readonly #waiting: FfiLibrary<typeof WAITING_SYMBOLS>;
  readonly #wakeFd: number;
  readonly #waiters = new Set<Waiter>();
  /** Descriptors to close once the poll in flight, which may hold them, returns. */
  readonly #toClose: number[] = [];
  #polling = false;
  #looping = false;

  constructor() {
    this.#libc = runtime.dlopen("libc.so.6", LIBC_SYMBOLS);
    this.#waiting = runtime.dlopen("libc.so.6", WAITING_SYMBOLS);
    this.#wakeFd = this.#libc.symbols.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (this.#wakeFd < 0) throw new Error(`eventfd failed: errno ${this.#libc.errno()}`);
  }

  /**
   * Resolves with poll(2)'s `revents` once `fd` is ready for `events` (or has an error or
   * hang-up), or with POLLNVAL when {@link close} closes it first.
   */
  wait(fd: number, events: number): Promise<number> {
    return new Promise((resolve) => {
      this.#waiters.add({ fd, events, resolve });
      this.#changed();
    });
  }

  /** Closes `fd`, ending the waits on it; deferred while a poll may hold it. */
  close(fd: number): void {
    for (const waiter of this.#waiters) {
      if (waiter.fd !== fd) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(POLLNVAL);
    }
    if (!this.#polling) {
      this.#libc.symbols.close(fd);
      return;
    }
    this.#toClose.push(fd);
    this.#wake();
  }

  #changed(): void {
    if (this.#polling) this.#wake();
    else if (!this.#looping) void this.#loop();
  }

  #wake(): void {
    const one = new Uint8Array(8);
    one[0] = 1;
    this.#libc.symbols.write(this.#wakeFd, one, 8);
  }

  async #loop(): Promise<void> {
    this.#looping = true;
    // Started from wait(): let the caller's other waits of this turn join the first poll.
    await Promise.resolve();
    const counter = new Uint8Array(8);
    while (this.#waiters.size > 0) {
      const polled = [...this.#waiters];
      const fds = new Uint8Array(8 * (polled.length + 1));
      const view = new DataView(fds.buffer);
      view.setInt32(0, this.#wakeFd, true);
      view.setInt16(4, POLLIN, true);
      polled.forEach((waiter, i) => {
        view.setInt32(8 * (i + 1), waiter.fd, true);
        view.setInt16(8 * (i + 1) + 4, waiter.events, true);
      });
      this.#polling = true;
      await this.#waiting.symbols.poll(fds, polled.length + 1, POLL_SLICE_MS);
      this.#polling = false;
      this.#libc.symbols.read(this.#wakeFd, counter, 8);
      for (const fd of this.#toClose.splice(0)) this.#libc.symbols.close(fd);
      polled.forEach((waiter, i) => {
        const revents = view.getInt16(8 * (i + 1) + 6, true);
        if (revents === 0 || !this.#waiters.has(waiter)) return;
        this.#waiters.delete(waiter);
        waiter.resolve(revents);
      });
      // Let the woken readers and writers act, and wait again, before the next poll.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.#looping = false;
  }
}

let poller: Poller | undefined;

/** The process's one poller, made at first use. */
export function descriptorPoller(): Poller {
  return (poller ??= new Poller());
}
