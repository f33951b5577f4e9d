// The version in the source is the version in package.json and deno.json.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { VERSION } from "./version.ts";

describe("version", () => {
  it("is package.json's and deno.json's (the npm and the JSR package)", () => {
    for (const manifest of ["../package.json", "../deno.json"]) {
      const json = JSON.parse(readFileSync(new URL(manifest, import.meta.url), "utf8"));
      assert.equal(json.version, VERSION, manifest);
    }
  });
});
