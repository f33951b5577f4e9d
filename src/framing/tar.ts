/**
 * The tar streams `docker cp` and `docker export` carry (POSIX ustar, with the PAX and GNU
 * long-name records the daemon writes), pure over Uint8Array: an incremental decoder that
 * hands out each entry's header and its data as they arrive, and an encoder of headers and
 * padding, so that a 256 MiB file streams through without being held whole.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";

/** The size of a tar block: headers, and the unit data is padded to. */
export const TAR_BLOCK = 512;

/** The kinds of entry `docker cp` moves. */
export type TarEntryType = "file" | "directory" | "symlink" | "hardlink" | "other";

/** One entry's header. */
export interface TarHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkName: string;
}

/** What the decoder found: a header, a piece of the current entry's data, or the end. */
export type TarEvent =
  | { kind: "header"; header: TarHeader }
  | { kind: "data"; data: Uint8Array }
  | { kind: "end" };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TYPE_FLAGS: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "5": "directory",
  "2": "symlink",
  "1": "hardlink",
};

function octal(block: Uint8Array, offset: number, length: number): number {
  const text = decoder.decode(block.subarray(offset, offset + length)).replace(/[\0 ]+$/g, "")
    .trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) {
    throw new IpcatError(
      "protocol",
      `bad tar header: ${JSON.stringify(text)} is not an octal number`,
    );
  }
  return parseInt(text, 8);
}

function field(block: Uint8Array, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return decoder.decode(end < 0 ? raw : raw.subarray(0, end));
}

/** The `key=value` records of a PAX extended header. */
function paxRecords(data: Uint8Array): Record<string, string> {
  const records: Record<string, string> = {};
  const text = decoder.decode(data);
  let at = 0;
  while (at < text.length) {
    const space = text.indexOf(" ", at);
    const length = Number(text.slice(at, space));
    if (!(length > 0)) throw new IpcatError("protocol", "bad PAX record in a tar stream");
    const record = text.slice(space + 1, at + length - 1);
    const equals = record.indexOf("=");
    records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

/**
 * Decodes a tar stream pushed in chunks of any size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeTarHeader, tarPadding, TarDecoder } from "./tar.ts";
 * const data = new TextEncoder().encode("hi\n");
 * const header = encodeTarHeader({ name: "a.txt", type: "file", mode: 0o644, uid: 0, gid: 0, size: 3, mtime: 0, linkName: "" });
 * const stream = new Uint8Array([...header, ...data, ...tarPadding(3), ...new Uint8Array(1024)]);
 * const events = new TarDecoder().push(stream);
 * assert.equal(events[0]?.kind === "header" && events[0].header.name, "a.txt");
 * assert.equal(events.at(-1)?.kind, "end");
 * ```
 */
export class TarDecoder {
  #block = new Uint8Array(TAR_BLOCK);
  #fill = 0;
  #remaining = 0;
  #padding = 0;
  #ended = false;
  #pax: Record<string, string> = {};
  #longName: string | null = null;
  /** The data of a PAX or GNU long-name record being read, not handed out. */
  #meta: { kind: "pax" | "gnu"; parts: Uint8Array[] } | null = null;

  /** The events in `chunk`; a header whose data follows is followed by data events. */
  push(chunk: Uint8Array): TarEvent[] {
    const events: TarEvent[] = [];
    let offset = 0;
    while (offset < chunk.byteLength && !this.#ended) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.byteLength - offset);
        const data = chunk.subarray(offset, offset + take);
        if (this.#meta) this.#meta.parts.push(data.slice());
        else events.push({ kind: "data", data });
        this.#remaining -= take;
        offset += take;
        if (this.#remaining === 0 && this.#meta) this.#finishMeta();
        continue;
      }
      if (this.#padding > 0) {
        const skip = Math.min(this.#padding, chunk.byteLength - offset);
        this.#padding -= skip;
        offset += skip;
        continue;
      }
      const take = Math.min(TAR_BLOCK - this.#fill, chunk.byteLength - offset);
      this.#block.set(chunk.subarray(offset, offset + take), this.#fill);
      this.#fill += take;
      offset += take;
      if (this.#fill < TAR_BLOCK) break;
      this.#fill = 0;
      const header = this.#header();
      if (header === "end") {
        this.#ended = true;
        events.push({ kind: "end" });
      } else if (header) events.push({ kind: "header", header });
    }
    return events;
  }

  /** Declares the end of input; a stream cut inside an entry is a protocol error. */
  end(): void {
    if (this.#ended) return;
    if (this.#remaining > 0 || this.#fill > 0) {
      throw new IpcatError("protocol", "the tar stream ended in the middle of an entry");
    }
  }

  #header(): TarHeader | "end" | null {
    const block = this.#block;
    if (block.every((b) => b === 0)) return "end";
    const sum = octal(block, 148, 8);
    let computed = 0;
    for (let i = 0; i < TAR_BLOCK; i++) computed += i >= 148 && i < 156 ? 32 : block[i]!;
    if (sum !== computed) throw new IpcatError("protocol", "bad tar header checksum");
    const flag = String.fromCharCode(block[156]!);
    const size = octal(block, 124, 12);
    this.#remaining = size;
    this.#padding = (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
    if (flag === "x" || flag === "L" || flag === "g") {
      this.#meta = { kind: flag === "L" ? "gnu" : "pax", parts: [] };
      if (flag === "g") this.#meta = { kind: "pax", parts: [] };
      if (size === 0) this.#finishMeta();
      return null;
    }
    const prefix = field(block, 345, 155);
    const base = field(block, 0, 100);
    const name = this.#pax.path ?? this.#longName ?? (prefix ? `${prefix}/${base}` : base);
    const header: TarHeader = {
      name,
      type: TYPE_FLAGS[flag] ?? "other",
      mode: octal(block, 100, 8),
      uid: Number(this.#pax.uid ?? octal(block, 108, 8)),
      gid: Number(this.#pax.gid ?? octal(block, 116, 8)),
      size: Number(this.#pax.size ?? size),
      mtime: Math.floor(Number(this.#pax.mtime ?? octal(block, 136, 12))),
      linkName: this.#pax.linkpath ?? field(block, 157, 100),
    };
    this.#pax = {};
    this.#longName = null;
    return header;
  }

  #finishMeta(): void {
    const meta = this.#meta!;
    this.#meta = null;
    const total = meta.parts.reduce((n, p) => n + p.byteLength, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const part of meta.parts) data.set(part, (at += part.byteLength) - part.byteLength);
    if (meta.kind === "gnu") this.#longName = field(data, 0, data.byteLength);
    else Object.assign(this.#pax, paxRecords(data));
  }
}

function putOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  block.set(encoder.encode(value.toString(8).padStart(length - 1, "0")), offset);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + encoder.encode(body).byteLength !== length) length++;
  return `${length}${body}`;
}

/**
 * The header block(s) of one entry: a PAX record first when its name or link does not
 * fit ustar's 100 bytes.
 */
export function encodeTarHeader(header: TarHeader): Uint8Array {
  const long = encoder.encode(header.name).byteLength > 100 ||
    encoder.encode(header.linkName).byteLength > 100;
  const ustar = ustarBlock(header, "");
  if (!long) return ustar;
  const records = encoder.encode(
    paxRecord("path", header.name) +
      (header.linkName ? paxRecord("linkpath", header.linkName) : ""),
  );
  const pax = ustarBlock(
    { ...header, name: "././@PaxHeader", linkName: "", size: records.byteLength, type: "other" },
    "x",
  );
  return new Uint8Array([...pax, ...records, ...tarPadding(records.byteLength), ...ustar]);
}

function ustarBlock(header: TarHeader, flagOverride: string): Uint8Array {
  const block = new Uint8Array(TAR_BLOCK);
  block.set(encoder.encode(header.name).subarray(0, 100), 0);
  putOctal(block, 100, 8, header.mode & 0o7777);
  putOctal(block, 108, 8, header.uid);
  putOctal(block, 116, 8, header.gid);
  putOctal(block, 124, 12, header.type === "file" || flagOverride ? header.size : 0);
  putOctal(block, 136, 12, header.mtime);
  block.fill(32, 148, 156);
  const flags: Record<TarEntryType, string> = {
    file: "0",
    directory: "5",
    symlink: "2",
    hardlink: "1",
    other: "0",
  };
  block[156] = (flagOverride || flags[header.type]).charCodeAt(0);
  block.set(encoder.encode(header.linkName).subarray(0, 100), 157);
  block.set(encoder.encode("ustar\x0000"), 257);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.set(encoder.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  return block;
}

/** The zero bytes that pad `size` bytes of data to a whole block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
}

/** The two zero blocks that end a tar stream. */
export const TAR_END = new Uint8Array(2 * TAR_BLOCK);
