// Property tests of the tar codec (fast-check): entries encoded and split at arbitrary
// points decode to the same headers and bytes (long names through PAX records included),
// and arbitrary bytes give events or the protocol IpcatError, never another exception.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IpcatError } from "../errors.ts";
import { encodeTarHeader, TAR_END, TarDecoder, type TarHeader, tarPadding } from "./tar.ts";

const name = fc.array(fc.stringMatching(/^[a-zA-Z0-9._-]{1,40}$/), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join("/"));
const entry = fc.record({
  name,
  data: fc.uint8Array({ maxLength: 2000 }),
  mode: fc.integer({ min: 0, max: 0o777 }),
  mtime: fc.integer({ min: 0, max: 2 ** 32 }),
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function archive(entries: Array<{ name: string; data: Uint8Array; mode: number; mtime: number }>) {
  return concat(
    entries.flatMap((e) => {
      const header: TarHeader = {
        ...e,
        type: "file",
        uid: 0,
        gid: 0,
        size: e.data.byteLength,
        linkName: "",
      };
      return [encodeTarHeader(header), e.data, tarPadding(e.data.byteLength)];
    }).concat([TAR_END]),
  );
}

/** Decodes `bytes` pushed in pieces cut at `cuts`, collecting each entry's name and data. */
function decode(bytes: Uint8Array, cuts: number[]) {
  const decoder = new TarDecoder();
  const files: Array<{ header: TarHeader; data: Uint8Array[] }> = [];
  let ended = false;
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.byteLength)))].sort((a, b) =>
    a - b
  );
  let from = 0;
  for (const point of [...points, bytes.byteLength]) {
    for (const event of decoder.push(bytes.subarray(from, point))) {
      if (event.kind === "header") files.push({ header: event.header, data: [] });
      else if (event.kind === "data") files.at(-1)!.data.push(event.data.slice());
      else ended = true;
    }
    from = point;
  }
  decoder.end();
  return { files: files.map((f) => ({ header: f.header, data: concat(f.data) })), ended };
}

describe("tar codec", () => {
  it("decodes what it encodes, split anywhere, long names included", () => {
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 6 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true })),
        (entries, cuts) => {
          const { files, ended } = decode(archive(entries), cuts);
          assert.ok(ended);
          assert.deepEqual(files.map((f) => f.header.name), entries.map((e) => e.name));
          entries.forEach((e, i) => {
            assert.deepEqual(files[i]!.data, e.data);
            assert.equal(files[i]!.header.mode, e.mode);
            assert.equal(files[i]!.header.mtime, e.mtime);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reads what GNU tar writes, PAX long names and symlinks", () => {
    const long = "d/" + "x".repeat(150);
    const tar = execFileSync("sh", [
      "-c",
      `cd "$(mktemp -d)" && mkdir d && printf hi > '${long}' && ln -s target d/link && tar --format=pax -c d`,
    ]);
    const { files } = decode(new Uint8Array(tar), []);
    const byName = new Map(files.map((f) => [f.header.name.replace(/\/$/, ""), f]));
    assert.equal(new TextDecoder().decode(byName.get(long)!.data), "hi");
    assert.equal(byName.get("d/link")!.header.type, "symlink");
    assert.equal(byName.get("d/link")!.header.linkName, "target");
    assert.equal(byName.get("d")!.header.type, "directory");
  });

  it("turns arbitrary bytes into events or the protocol error, nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        try {
          const decoder = new TarDecoder();
          decoder.push(bytes);
          decoder.end();
        } catch (error) {
          assert.ok(error instanceof IpcatError && error.code === "protocol", String(error));
        }
      }),
      { numRuns: 300 },
    );
  });
});
