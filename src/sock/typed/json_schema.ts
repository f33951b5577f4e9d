/**
 * Checks a JSON value against a JSON Schema as `@valibot/to-json-schema` writes them, so
 * that `ipcat sock call` can refuse a wrong opening message before sending anything,
 * with the field path. It covers the keywords that converter emits (types, properties,
 * required, additionalProperties, propertyNames, items, const, enum, anyOf/oneOf/allOf,
 * lengths, bounds, pattern, `$ref` into `$defs`); others are not checked here, and the
 * server's own validation remains the authority.
 *
 * @module
 */

type JsonSchema = Record<string, unknown> | boolean;

/** Where and why a value failed, or `null` when it passed. */
export interface SchemaMismatch {
  /** Dot path of the field (`user.name`, `tags.2`), empty for the value itself. */
  path: string;
  message: string;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(wanted: string, value: unknown): boolean {
  const actual = typeOf(value);
  return wanted === actual || (wanted === "number" && actual === "integer");
}

function resolve(root: Record<string, unknown>, ref: string): JsonSchema {
  const name = ref.replace(/^#\/(\$defs|definitions)\//, "");
  const defs = (root.$defs ?? root.definitions ?? {}) as Record<string, JsonSchema>;
  return defs[name] ?? true;
}

/**
 * The first mismatch of `value` against `schema`, or `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { schemaMismatch } from "./json_schema.ts";
 * const schema = { type: "object", properties: { n: { type: "number" } }, required: ["n"] };
 * assert.deepStrictEqual(schemaMismatch(schema, { n: "x" })?.path, "n");
 * assert.ok(schemaMismatch(schema, { n: 1 }) === null);
 * ```
 */
export function schemaMismatch(schema: JsonSchema, value: unknown): SchemaMismatch | null {
  const root = typeof schema === "object" ? schema : {};
  return check(root, schema, value, []);
}

function check(
  root: Record<string, unknown>,
  schema: JsonSchema,
  value: unknown,
  path: (string | number)[],
): SchemaMismatch | null {
  const fail = (message: string, at = path) => ({ path: at.join("."), message });
  if (schema === true) return null;
  if (schema === false) return fail("no value is allowed here");
  if (typeof schema.$ref === "string") return check(root, resolve(root, schema.$ref), value, path);
  if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    return fail(`expected ${JSON.stringify(schema.const)}`);
  }
  if (Array.isArray(schema.enum)) {
    const encoded = JSON.stringify(value);
    if (!schema.enum.some((option) => JSON.stringify(option) === encoded)) {
      return fail(`expected one of ${schema.enum.map((o) => JSON.stringify(o)).join(", ")}`);
    }
  }
  const type = schema.type;
  if (type !== undefined) {
    const types = Array.isArray(type) ? type as string[] : [type as string];
    if (!types.some((t) => typeMatches(t, value))) {
      return fail(`expected ${types.join(" or ")}, got ${typeOf(value)}`);
    }
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options) && !options.some((o) => !check(root, o, value, path))) {
      // The closest option's reason helps most when there is only one non-null branch.
      const reasons = options.map((o) => check(root, o, value, path)!);
      return reasons.find((r) => r.path !== path.join(".")) ?? fail("matches none of the options");
    }
  }
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) {
      const mismatch = check(root, part, value, path);
      if (mismatch) return mismatch;
    }
  }
  if (typeof value === "string") return checkString(schema, value, fail);
  if (typeof value === "number") return checkNumber(schema, value, fail);
  if (Array.isArray(value)) return checkArray(root, schema, value, path, fail);
  if (value !== null && typeof value === "object") {
    return checkObject(root, schema, value as Record<string, unknown>, path, fail);
  }
  return null;
}

type Fail = (message: string, at?: (string | number)[]) => SchemaMismatch;

function checkString(schema: Record<string, unknown>, value: string, fail: Fail) {
  const length = [...value].length;
  if (typeof schema.minLength === "number" && length < schema.minLength) {
    return fail(`expected at least ${schema.minLength} characters, got ${length}`);
  }
  if (typeof schema.maxLength === "number" && length > schema.maxLength) {
    return fail(`expected at most ${schema.maxLength} characters, got ${length}`);
  }
  if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) {
    return fail(`expected to match /${schema.pattern}/`);
  }
  return null;
}

function checkNumber(schema: Record<string, unknown>, value: number, fail: Fail) {
  if (typeof schema.minimum === "number" && value < schema.minimum) {
    return fail(`expected at least ${schema.minimum}`);
  }
  if (typeof schema.maximum === "number" && value > schema.maximum) {
    return fail(`expected at most ${schema.maximum}`);
  }
  if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) {
    return fail(`expected more than ${schema.exclusiveMinimum}`);
  }
  if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) {
    return fail(`expected less than ${schema.exclusiveMaximum}`);
  }
  return null;
}

function checkArray(
  root: Record<string, unknown>,
  schema: Record<string, unknown>,
  value: unknown[],
  path: (string | number)[],
  fail: Fail,
) {
  if (typeof schema.minItems === "number" && value.length < schema.minItems) {
    return fail(`expected at least ${schema.minItems} items`);
  }
  if (typeof schema.maxItems === "number" && value.length > schema.maxItems) {
    return fail(`expected at most ${schema.maxItems} items`);
  }
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems as JsonSchema[] : [];
  for (let i = 0; i < value.length; i++) {
    const itemSchema = prefix[i] ?? (schema.items as JsonSchema | undefined) ?? true;
    const mismatch = check(root, itemSchema, value[i], [...path, i]);
    if (mismatch) return mismatch;
  }
  return null;
}

function checkObject(
  root: Record<string, unknown>,
  schema: Record<string, unknown>,
  value: Record<string, unknown>,
  path: (string | number)[],
  fail: Fail,
) {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const name of (schema.required ?? []) as string[]) {
    if (!(name in value)) return fail("required, missing", [...path, name]);
  }
  for (const [name, field] of Object.entries(value)) {
    const at = [...path, name];
    if (schema.propertyNames !== undefined) {
      const mismatch = check(root, schema.propertyNames as JsonSchema, name, at);
      if (mismatch) return fail(`not an allowed key: ${mismatch.message}`, at);
    }
    const fieldSchema = properties[name] ??
      (schema.additionalProperties as JsonSchema | undefined) ?? true;
    if (fieldSchema === false) return fail("not an allowed key", at);
    const mismatch = check(root, fieldSchema, field, at);
    if (mismatch) return mismatch;
  }
  return null;
}
