/**
 * Queue names: the canonical form the kernel wants, and removing a name (`mq_unlink`).
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import { cString } from "../libc/mod.ts";
import { libc } from "./libc.ts";
import { queueError } from "./queue_errors.ts";

/** The kernel's limit on a queue name after the leading slash (NAME_MAX). */
const NAME_MAX = 255;

/**
 * A queue name as the kernel wants it: with one leading `/`. `jobs` and `/jobs` are the
 * same queue; a name with another `/`, an empty one or a too-long one is refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { queueName } from "./queue_names.ts";
 * assert.ok(queueName("jobs") === "/jobs" && queueName("/jobs") === "/jobs");
 * ```
 */
export function queueName(name: string): string {
  const bare = name.startsWith("/") ? name.slice(1) : name;
  if (bare === "" || bare === "." || bare === "..") {
    throw new IpcatError("usage", `'${name}' is not a queue name`, {
      hint: "name a queue like /jobs or jobs",
    });
  }
  if (bare.includes("/")) {
    throw new IpcatError("usage", `queue name '${name}' has a '/' after the first character`, {
      hint: "queue names are flat: use /jobs.high, not /jobs/high",
    });
  }
  if (new TextEncoder().encode(bare).byteLength > NAME_MAX) {
    throw new IpcatError("usage", `queue name '${name}' is longer than ${NAME_MAX} bytes`, {
      hint: "use a shorter name",
    });
  }
  return `/${bare}`;
}

/**
 * Removes a queue name; processes that have it open keep using it until they close it.
 *
 * @example
 * ```ts
 * import { openQueue } from "./queue.ts";
 * import { unlinkQueue } from "./queue_names.ts";
 * openQueue("/ipcat-doc-unlink", { create: true }).close();
 * unlinkQueue("/ipcat-doc-unlink");
 * ```
 */
export function unlinkQueue(name: string): void {
  const canonical = queueName(name);
  if (libc().symbols.mq_unlink(cString(canonical)) < 0) {
    throw queueError(libc().errno(), "unlink", canonical);
  }
}
