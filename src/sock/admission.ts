/**
 * Who gets in, decided at accept, before a byte is read: the peer's uid (SO_PEERCRED),
 * `--max-clients` (counting every connection from accept, handshake or not) and
 * `--max-per-uid`. Shared by the routed and the raw server.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import type { Conn } from "../adapter/mod.ts";

/** Connections one uid may hold at once by default (`--max-per-uid`). */
export const DEFAULT_MAX_PER_UID = 256;

/** Limits of {@link Admission}. */
export interface AdmissionLimits {
  /** Connections at once, from accept (default unlimited). */
  maxClients?: number;
  /**
   * Connections one uid may hold at once (default {@link DEFAULT_MAX_PER_UID}). Needs
   * SO_PEERCRED: not enforced where the runtime has no peer check (Deno).
   */
  maxPerUid?: number;
  /** Peer uids allowed besides the server's own and root. */
  allowUids?: readonly number[];
  /** Peer gids allowed (the peer's effective gid, as SO_PEERCRED reports it). */
  allowGids?: readonly number[];
  /**
   * TLS identities allowed in: a verified client certificate whose subject CN is one of
   * `cn`, or one of whose subject alternative names (the value after `DNS:`, `IP Address:`,
   * …) is in `san`. Given, a connection without such a certificate is refused.
   */
  allowIdentities?: { cn: readonly string[]; san: readonly string[] };
}

/**
 * Descriptors kept free below the open-file limit: for children's pipes, log files and
 * the accept itself. A connection that would eat into them is closed at once, so that
 * accept(2) never fails with EMFILE (in Bun it would then spin inside the runtime).
 */
export const FD_HEADROOM = 64;

/** The soft RLIMIT_NOFILE of this process (Infinity when /proc does not tell). */
function openFileLimit(): number {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(
      readFileSync("/proc/self/limits", "utf8"),
    );
    return line && line[1] !== "unlimited" ? Number(line[1]) : Infinity;
  } catch {
    return Infinity;
  }
}

/** Descriptors open now (Infinity limits make this unnecessary; 0 when /proc is absent). */
function openDescriptors(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return 0;
  }
}

/** Why a connection was refused: the CONNECT code a routed client gets, and the log text. */
export interface Refusal {
  code: "permission_denied" | "busy";
  reason: string;
  /** Close at once, without waiting for the client to read the answer (descriptors are short). */
  urgent?: boolean;
}

/** An admitted connection's place; `release` when the connection is over. */
export interface Ticket {
  /** The peer's uid, where the runtime tells it. */
  readonly uid: number | undefined;
  release(): void;
}

/**
 * Why a peer may not connect, or `null` when it may: its uid (SO_PEERCRED) must be the
 * server's own, root's, or in `allowUids`.
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../adapter/mod.ts";
 * import { peerRefusal } from "./admission.ts";
 * const listener = await runtime.listenUnix("@peer-example");
 * const conn = (await listener.accept())!;
 * console.log(peerRefusal(conn, [1000]) ?? "allowed");
 * ```
 */
export function peerRefusal(
  conn: Conn,
  allowUids: readonly number[] | undefined,
  allowGids?: readonly number[],
): string | null {
  const credentials = conn.peerCredentials?.();
  if (credentials === undefined) {
    return allowUids || allowGids ? "this runtime cannot read the peer's uid (SO_PEERCRED)" : null;
  }
  if (credentials === null) return "SO_PEERCRED failed";
  const { uid, gid, pid } = credentials;
  if (uid === 0 || uid === process.getuid?.() || allowUids?.includes(uid)) return null;
  if (allowGids?.includes(gid)) return null;
  return `uid ${uid} (pid ${pid}) is not allowed`;
}

/**
 * Why a TLS peer may not connect, or `null` when it may: with `allowed` given, its
 * verified certificate must carry an allowed CN or subject alternative name.
 */
export function identityRefusal(
  conn: Conn,
  allowed: AdmissionLimits["allowIdentities"],
): string | null {
  if (!allowed) return null;
  const certificate = conn.peerCertificate?.() ?? null;
  if (!certificate) return "no verified client certificate";
  if (certificate.cn !== null && allowed.cn.includes(certificate.cn)) return null;
  const names = certificate.san.map((name) => name.slice(name.indexOf(":") + 1));
  if (names.some((name) => allowed.san.includes(name))) return null;
  return `certificate CN=${certificate.cn ?? "(none)"} is not allowed`;
}

/**
 * The admission state of one server.
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../adapter/mod.ts";
 * import { Admission } from "./admission.ts";
 * const admission = new Admission({ maxClients: 2 });
 * const listener = await runtime.listenUnix("@admission-example");
 * const verdict = admission.admit((await listener.accept())!);
 * if ("release" in verdict) verdict.release();
 * ```
 */
export class Admission {
  readonly #limits: AdmissionLimits;
  #count = 0;
  readonly #perUid = new Map<number, number>();
  readonly #fileLimit = openFileLimit();
  /** Connections admitted without counting descriptors: far below the limit. */
  readonly #uncheckedBelow: number;

  constructor(limits: AdmissionLimits) {
    this.#limits = limits;
    this.#uncheckedBelow = Math.max(0, (this.#fileLimit - openDescriptors()) / 2 - FD_HEADROOM);
  }

  /** Connections admitted and not yet released. */
  get count(): number {
    return this.#count;
  }

  /** Admits `conn` (a {@link Ticket}) or says why not ({@link Refusal}). */
  admit(conn: Conn): Ticket | Refusal {
    const refusal = peerRefusal(conn, this.#limits.allowUids, this.#limits.allowGids) ??
      identityRefusal(conn, this.#limits.allowIdentities);
    if (refusal) return { code: "permission_denied", reason: refusal };
    const { maxClients } = this.#limits;
    if (maxClients !== undefined && this.#count >= maxClients) {
      return { code: "busy", reason: `already serving --max-clients ${maxClients}` };
    }
    // Near the open-file limit, count what is really open (pipes of runs count too).
    if (this.#count >= this.#uncheckedBelow && openDescriptors() > this.#fileLimit - FD_HEADROOM) {
      return {
        code: "busy",
        reason: `near the open-file limit (${this.#fileLimit} descriptors)`,
        urgent: true,
      };
    }
    const uid = conn.peerCredentials?.()?.uid;
    const maxPerUid = this.#limits.maxPerUid ?? DEFAULT_MAX_PER_UID;
    const held = uid === undefined ? 0 : this.#perUid.get(uid) ?? 0;
    if (uid !== undefined && maxPerUid > 0 && held >= maxPerUid) {
      return { code: "busy", reason: `uid ${uid} already holds --max-per-uid ${maxPerUid}` };
    }
    this.#count++;
    if (uid !== undefined) this.#perUid.set(uid, held + 1);
    let released = false;
    return {
      uid,
      release: () => {
        if (released) return;
        released = true;
        this.#count--;
        if (uid === undefined) return;
        const left = this.#perUid.get(uid)! - 1;
        if (left === 0) this.#perUid.delete(uid);
        else this.#perUid.set(uid, left);
      },
    };
  }
}
