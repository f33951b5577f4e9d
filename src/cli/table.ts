/**
 * Tables as Go's `text/tabwriter` lays them out (left-aligned, space-padded), the one
 * table formatter of every family: the docker CLI's tables are tabwriter output, so
 * matching them byte for byte means doing what tabwriter does, column blocks included.
 *
 * @module
 */

/** Layout settings, as `tabwriter.NewWriter(out, minWidth, _, padding, ' ', 0)` takes them. */
export interface TableLayout {
  /** The least width of a column, padding included. */
  minWidth: number;
  /** Spaces added to the widest cell of a column. */
  padding: number;
}

/** ipcat mq's tables: each column as wide as its widest cell, then two spaces. */
export const MQ_TABLE: TableLayout = { minWidth: 0, padding: 2 };

/** The docker CLI's table layout: `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)`. */
export const DOCKER_TABLE: TableLayout = { minWidth: 10, padding: 3 };

/**
 * Aligns tab-separated text as Go's tabwriter does. A cell is text ended by a tab; the
 * text after a line's last tab is not part of any column. A column's width is decided
 * per block of consecutive lines that have a cell in it, as in tabwriter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tabwrite } from "./table.ts";
 * assert.equal(tabwrite("a\tb\nlonger\tc\n", { minWidth: 0, padding: 1 }), "a      b\nlonger c\n");
 * ```
 */
export function tabwrite(text: string, layout: TableLayout): string {
  const lines = text.split("\n").map((line) => line.split("\t"));
  const widths: number[] = [];
  let out = "";
  const width = (cell: string) => [...cell].length;
  const emit = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      out += cells.map((cell, j) =>
        j < widths.length && j < cells.length - 1
          ? cell + " ".repeat(Math.max(0, widths[j]! - width(cell)))
          : cell
      ).join("");
      if (i < lines.length - 1) out += "\n";
    }
  };
  // Go's tabwriter.format: each column block fixes one more column's width, recursively.
  const format = (pos: number, first: number, last: number): number => {
    const column = widths.length;
    for (let line = first; line < last; line++) {
      if (column >= lines[line]!.length - 1) continue;
      emit(pos, line);
      pos = line;
      let blockWidth = layout.minWidth;
      for (; line < last; line++) {
        const cells = lines[line]!;
        if (column >= cells.length - 1) break;
        blockWidth = Math.max(blockWidth, width(cells[column]!) + layout.padding);
      }
      widths.push(blockWidth);
      pos = format(pos, first, line);
      widths.pop();
      first = line;
    }
    emit(pos, last);
    return last;
  };
  format(0, 0, lines.length);
  return out;
}

/**
 * Lays out rows of cells (the last cell of each row unpadded), by default as the docker
 * CLI's tables are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { table } from "./table.ts";
 * assert.equal(table([["NAMES", "ID"], ["a", "b"]]), "NAMES     ID\na         b\n");
 * ```
 */
export function table(rows: readonly (readonly string[])[], layout = DOCKER_TABLE): string {
  return tabwrite(rows.map((row) => row.join("\t") + "\n").join(""), layout);
}
