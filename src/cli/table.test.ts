import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DOCKER_TABLE, table, tabwrite } from "./table.ts";

describe("tabwrite (Go's text/tabwriter, left-aligned, space-padded)", () => {
  it("sizes each column to its widest cell plus the padding, at least the minimum", () => {
    assert.equal(
      table([["CONTAINER ID", "X"], ["abc", "y"]]),
      "CONTAINER ID   X\nabc            y\n",
    );
    assert.equal(
      table([["A", "B", "C"], ["", "", "z"]]),
      "A         B         C\n                    z\n",
    );
  });

  it("decides widths per column block, as the tabwriter documentation's example shows", () => {
    // The b and c cells are in different blocks: the line "a\t" has no second cell.
    const text = "aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n";
    assert.equal(
      tabwrite(text, { minWidth: 0, padding: 1 }),
      "aaaa bbb d\naa   b   dd\na    \naa   cccc eee\n",
    );
  });

  it("counts characters, not UTF-16 units or bytes, and leaves text after the last tab alone", () => {
    assert.equal(tabwrite("é…\tx\nab\ty\tlast", { minWidth: 0, padding: 2 }), "é…  x\nab  y  last");
  });

  it("keeps the mq table's layout with no minimum and two spaces", () => {
    assert.equal(
      table([["NAME", "MSGS"], ["/jobs", "3"]], { minWidth: 0, padding: 2 }),
      "NAME   MSGS\n/jobs  3\n",
    );
    assert.equal(DOCKER_TABLE.minWidth, 10);
  });
});
