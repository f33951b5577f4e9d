/**
 * How the Go `text/template` engine sees JavaScript values: Go's truth, Go's `%v`
 * printing, and the marks that stand in for Go's types (a missing map entry, a struct
 * whose unknown fields are errors).
 *
 * @module
 */

/** A missing map entry: prints `<no value>`, as Go prints an invalid value. */
export const NO_VALUE: unique symbol = Symbol("no value");

/** On an object, the Go type name it stands for: unknown fields are then errors, not `<no value>`. */
export const GO_TYPE: unique symbol = Symbol("go type");

/**
 * On an object standing for a typed Go map (`map[string]string`), what `index` gives for
 * a missing key: the element type's zero value, where an untyped map gives `<no value>`.
 */
export const ZERO_VALUE: unique symbol = Symbol("zero value");

/** An object standing for a Go `map[string]string`: `index` of a missing key is `""`. */
export function goStringMap(entries: Record<string, string>): Record<string, string> {
  return Object.assign(Object.create(null), entries, { [ZERO_VALUE]: "" });
}

/** An object standing for a Go struct (see {@link GO_TYPE}). */
export function goStruct<T extends object>(typeName: string, fields: T): T {
  return Object.assign(Object.create(null), fields, { [GO_TYPE]: typeName });
}

/** True for a plain object whose keys read as a Go struct's exported fields. */
function structLike(value: object): boolean {
  if (GO_TYPE in value) return true;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => /^[A-Z]/.test(k));
}

/**
 * Go's `truth`: false, 0, nil, and empty strings, lists and maps are false.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTrue } from "./values.ts";
 * assert.equal(isTrue({}), false);
 * assert.equal(isTrue({ Running: false }), true); // a struct is always true
 * assert.equal(isTrue([0]), true);
 * ```
 */
export function isTrue(value: unknown): boolean {
  if (value === NO_VALUE || value === null || value === undefined) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string" || Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return structLike(value) || Object.keys(value).length > 0;
  return true;
}

/** A number as Go's `%v` writes a float64 from JSON (integers in full, `1e+21` style beyond). */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  const text = String(value);
  return text.replace(/e([+-])(\d)$/, "e$10$2");
}

/**
 * A value as Go's `fmt.Sprint` (`%v`) writes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { printValue } from "./values.ts";
 * assert.equal(printValue(["a", 1, null]), "[a 1 <nil>]");
 * assert.equal(printValue({ b: 2, a: "x" }), "map[a:x b:2]");
 * assert.equal(printValue({ Status: "up", Pid: 7 }), "{up 7}");
 * ```
 */
export function printValue(value: unknown): string {
  if (value === NO_VALUE) return "<no value>";
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "function") return "<func>";
  if (Array.isArray(value)) return `[${value.map(printValue).join(" ")}]`;
  if (typeof value === "object") {
    if (structLike(value)) {
      return `{${
        Object.values(value).filter((v) => typeof v !== "function").map(printValue).join(" ")
      }}`;
    }
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, v]) => `${k}:${printValue(v)}`).join(" ")}]`;
  }
  return String(value);
}

/** The Go type name of a value, for error messages. */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined || value === NO_VALUE) return "interface {}";
  if (typeof value === "string") return "string";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float64";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return "[]interface {}";
  if (typeof value === "object" && GO_TYPE in value) return String(value[GO_TYPE]);
  return "map[string]interface {}";
}
