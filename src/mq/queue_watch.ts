/**
 * Noticing a queue's creation without polling: the mqueue filesystem reports creations
 * through inotify (`fs.watch` on `/dev/mqueue`), so an idle server sleeps until a client
 * creates its request queue instead of trying `mq_open` every millisecond.
 *
 * @module
 */
import { type FSWatcher, watch } from "node:fs";
import { MQUEUE_MOUNT, mqueueShowsOwnNamespace } from "./mqueue_fs.ts";

/** Waits for changes to some queue names. */
export interface QueueWatch {
  /**
   * Resolves `true` once one of the queues was created or removed since the last call (at
   * once if that already happened), or `false` after `timeoutMs` without.
   */
  next(timeoutMs: number): Promise<boolean>;
  close(): void;
}

/**
 * A watch on the queues `names`, or `null` when `/dev/mqueue` does not show this process's
 * own IPC namespace (absent, or another namespace's): then only polling can tell.
 *
 * @example
 * ```ts
 * import { watchQueue } from "./queue_watch.ts";
 * const watch = watchQueue(["/ScopeIPCIn.4242", "/ScopeIPCOut.4242"]);
 * console.log(watch ? await watch.next(10) : "no watch here");
 * watch?.close();
 * ```
 */
export function watchQueue(names: readonly string[]): QueueWatch | null {
  if (!mqueueShowsOwnNamespace()) return null;
  const files = new Set(names.map((name) => name.slice(1)));
  let changed = false;
  let wake: (() => void) | null = null;
  let watcher: FSWatcher;
  try {
    watcher = watch(MQUEUE_MOUNT, { persistent: false }, (_event, file) => {
      if (typeof file !== "string" || !files.has(file)) return;
      changed = true;
      wake?.();
    });
  } catch {
    return null;
  }
  // A watcher that fails later (the mount went away) turns into a plain timer.
  watcher.on("error", () => {});
  return {
    next(timeoutMs) {
      if (changed) {
        changed = false;
        return Promise.resolve(true);
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          wake = null;
          resolve(false);
        }, timeoutMs);
        wake = () => {
          clearTimeout(timer);
          wake = null;
          changed = false;
          resolve(true);
        };
      });
    },
    close: () => watcher.close(),
  };
}
