/**
 * The functions of the Go `text/template` engine: text/template's own (`len`, `index`,
 * `slice`, `not`, `eq`…`ge`, `print`, `printf`, `println`, `call`; `and`/`or` live in the
 * evaluator, which must stop early) and the docker CLI's (`json`, `join`, `split`, `lower`,
 * `upper`, `title`, `truncate`, `pad`).
 *
 * @module
 */
import { FunctionError, type TemplateFunction } from "./exec.ts";
import {
  formatNumber,
  GO_TYPE,
  goTypeName,
  isTrue,
  NO_VALUE,
  printValue,
  ZERO_VALUE,
} from "./values.ts";
import { htmlEscape, jsEscape, queryEscape } from "./escape.ts";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v === NO_VALUE || v === undefined ? null : v);
  return norm(a) === norm(b);
}

function ordered(a: unknown, b: unknown): [number | string, number | string] {
  if (typeof a === typeof b && (typeof a === "number" || typeof a === "string")) {
    return [a as number | string, b as number | string];
  }
  throw new FunctionError("incompatible types for comparison");
}

/** `fmt.Sprint`: spaces between operands when neither side is a string. */
function sprint(args: unknown[]): string {
  let out = "";
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += printValue(arg);
  });
  return out;
}

/**
 * Go's `fmt.Sprintf` for the verbs templates use: `%v %s %q %d %f %e %g %t %x %X %c %o %b %%`,
 * with flags `-`, `+`, `0`, space, width and precision.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sprintf } from "./funcs.ts";
 * assert.equal(sprintf("%-5s|%05d|%.2f|%q|%x", "ab", 42, 3.14159, "hi", 255), 'ab   |00042|3.14|"hi"|ff');
 * assert.equal(sprintf("%d %d", 1), "1 %!d(MISSING)");
 * ```
 */
export function sprintf(format: string, ...args: unknown[]): string {
  let argIndex = 0;
  return format.replace(
    /%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g,
    (_match, flags: string, width?: string, precision?: string, verb?: string) => {
      if (verb === "%") return "%";
      if (argIndex >= args.length) return `%!${verb}(MISSING)`;
      const arg = args[argIndex++];
      const prec = precision === undefined ? undefined : Number(precision);
      let text: string;
      switch (verb) {
        case "v":
        case "s":
          text = printValue(arg);
          if (prec !== undefined) text = [...text].slice(0, prec).join("");
          break;
        case "q":
          text = JSON.stringify(typeof arg === "string" ? arg : printValue(arg));
          break;
        case "d":
          text = typeof arg === "number"
            ? String(Math.trunc(arg))
            : `%!d(${goTypeName(arg)}=${printValue(arg)})`;
          break;
        case "f":
        case "F":
          text = typeof arg === "number"
            ? arg.toFixed(prec ?? 6)
            : `%!f(${goTypeName(arg)}=${printValue(arg)})`;
          break;
        case "e":
          text = typeof arg === "number"
            ? arg.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, "e$10$2")
            : `%!e(${goTypeName(arg)}=${printValue(arg)})`;
          break;
        case "g":
          text = typeof arg === "number"
            ? (prec === undefined ? formatNumber(arg) : String(Number(arg.toPrecision(prec))))
            : `%!g(${goTypeName(arg)}=${printValue(arg)})`;
          break;
        case "t":
          text = typeof arg === "boolean"
            ? String(arg)
            : `%!t(${goTypeName(arg)}=${printValue(arg)})`;
          break;
        case "x":
        case "X": {
          const hex = typeof arg === "number"
            ? Math.trunc(arg).toString(16)
            : [...utf8.encode(printValue(arg))].map((b) => b.toString(16).padStart(2, "0")).join(
              "",
            );
          text = verb === "X" ? hex.toUpperCase() : hex;
          break;
        }
        case "o":
          text = typeof arg === "number" ? Math.trunc(arg).toString(8) : printValue(arg);
          break;
        case "b":
          text = typeof arg === "number" ? Math.trunc(arg).toString(2) : printValue(arg);
          break;
        case "c":
          text = typeof arg === "number" ? String.fromCodePoint(arg) : printValue(arg);
          break;
        default:
          text = `%!${verb}(${goTypeName(arg)}=${printValue(arg)})`;
      }
      if (flags.includes("+") && typeof arg === "number" && arg >= 0 && /[dfeg]/.test(verb!)) {
        text = `+${text}`;
      } else if (
        flags.includes(" ") && typeof arg === "number" && arg >= 0 && /[dfeg]/.test(verb!)
      ) {
        text = ` ${text}`;
      }
      const pad = Number(width ?? 0) - [...text].length;
      if (pad > 0) {
        if (flags.includes("-")) text += " ".repeat(pad);
        else if (flags.includes("0") && typeof arg === "number") {
          const sign = /^[+-]/.test(text) ? text[0]! : "";
          text = sign + "0".repeat(pad) + text.slice(sign.length);
        } else text = " ".repeat(pad) + text;
      }
      return text;
    },
  ) + (argIndex < args.length
    ? `%!(EXTRA ${
      args.slice(argIndex).map((a) => `${goTypeName(a)}=${printValue(a)}`).join(", ")
    })`
    : "");
}

function length(value: unknown): number {
  if (typeof value === "string") return utf8.encode(value).byteLength;
  if (Array.isArray(value)) return value.length;
  if (value && typeof value === "object") return Object.keys(value).length;
  throw new FunctionError(`len of type ${goTypeName(value)}`);
}

function index(value: unknown, ...keys: unknown[]): unknown {
  let current = value;
  for (const key of keys) {
    if (Array.isArray(current) || typeof current === "string") {
      const items = typeof current === "string" ? [...utf8.encode(current)] : current;
      if (typeof key !== "number" || !Number.isInteger(key)) {
        throw new FunctionError(`cannot index slice/array with type ${goTypeName(key)}`);
      }
      if (key < 0 || key >= items.length) throw new FunctionError(`index out of range: ${key}`);
      current = items[key];
    } else if (current && typeof current === "object") {
      const record = current as Record<string, unknown>;
      current = Object.hasOwn(record, String(key))
        ? record[String(key)]
        : ZERO_VALUE in record
        ? record[ZERO_VALUE]
        : NO_VALUE;
    } else if (current === null || current === undefined || current === NO_VALUE) {
      throw new FunctionError("index of untyped nil");
    } else {
      throw new FunctionError(`can't index item of type ${goTypeName(current)}`);
    }
  }
  return current;
}

function slice(value: unknown, ...bounds: unknown[]): unknown {
  const [from = 0, to] = bounds as number[];
  if (typeof value === "string") {
    return fromUtf8.decode(utf8.encode(value).subarray(from, to));
  }
  if (Array.isArray(value)) return value.slice(from, to);
  throw new FunctionError(`can't slice item of type ${goTypeName(value)}`);
}

function text(value: unknown): string {
  return typeof value === "string" ? value : printValue(value);
}

/** The text of an escaping function's arguments: a lone string as it is, else as `print`. */
function escapedText(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === "string" ? args[0] : sprint(args);
}

/** text/template's built-in functions (without `and`/`or`). */
export const BUILTIN_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  html: (...args) => htmlEscape(escapedText(args)),
  js: (...args) => jsEscape(escapedText(args)),
  urlquery: (...args) => queryEscape(escapedText(args)),
  not: (value) => !isTrue(value),
  len: length,
  index,
  slice,
  print: (...args) => sprint(args),
  println: (...args) => args.map(printValue).join(" ") + "\n",
  printf: (format, ...args) => sprintf(text(format), ...args),
  eq: (first, ...others) => {
    if (others.length === 0) throw new FunctionError("missing argument for comparison");
    return others.some((other) => sameValue(first, other));
  },
  ne: (a, b) => !sameValue(a, b),
  lt: (a, b) => {
    const [x, y] = ordered(a, b);
    return x < y;
  },
  le: (a, b) => {
    const [x, y] = ordered(a, b);
    return x <= y;
  },
  gt: (a, b) => {
    const [x, y] = ordered(a, b);
    return x > y;
  },
  ge: (a, b) => {
    const [x, y] = ordered(a, b);
    return x >= y;
  },
  call: (fn, ...args) => {
    if (typeof fn !== "function") throw new FunctionError(`non-function of type ${goTypeName(fn)}`);
    return fn(...args);
  },
};

/**
 * JSON as the CLI's `json` function writes it: Go's encoder with HTML escaping off, except
 * for the CLI's own row contexts (ps, images, …: Go types named `…Context`), whose
 * MarshalJSON escapes `<`, `>`, `&`; plain structs (`types.Version`) are not escaped.
 */
function toJson(value: unknown): string {
  const text = JSON.stringify(value === NO_VALUE || value === undefined ? null : value) ?? "null";
  const rowContext = value && typeof value === "object" && GO_TYPE in value &&
    String(value[GO_TYPE]).endsWith("Context");
  if (!rowContext) return text;
  return text.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

/** The docker CLI's template functions (`cli/templates`). */
export const DOCKER_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  json: toJson,
  join: (list, separator) => {
    if (!Array.isArray(list)) {
      throw new FunctionError(`wrong type for value; expected []string; got ${goTypeName(list)}`);
    }
    return list.map(text).join(text(separator));
  },
  split: (value, separator) => text(value).split(text(separator)),
  lower: (value) => text(value).toLowerCase(),
  upper: (value) => text(value).toUpperCase(),
  // strings.Title: the first letter of each word upper-cased, the rest left alone.
  title: (value) =>
    text(value).replace(
      /(^|[^\p{L}\p{N}_'])(\p{L})/gu,
      (_, sep, c: string) => sep + c.toUpperCase(),
    ),
  truncate: (value, size) => {
    const bytes = utf8.encode(text(value));
    const max = Number(size);
    return bytes.byteLength < max ? text(value) : fromUtf8.decode(bytes.subarray(0, max));
  },
  pad: (value, prefix, suffix) => {
    const source = text(value);
    return source === ""
      ? source
      : " ".repeat(Number(prefix)) + source + " ".repeat(Number(suffix));
  },
};

/** The docker CLI's functions when a table header is rendered: each gives back its text. */
export const HEADER_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = Object.fromEntries(
  Object.keys(DOCKER_FUNCTIONS).map((name) => [name, (value: unknown) => text(value)]),
);
