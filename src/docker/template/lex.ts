/**
 * The lexer of the Go `text/template` engine: splits a template into text and actions
 * (`{{ … }}`, with `{{-`/`-}}` trimming and `{{/* comments *\/}}`), and an action into
 * tokens, each with its byte offset so errors can say `template: :1:2: …` as Go does.
 *
 * @module
 */
import { IpcatError } from "../../errors.ts";

/** One token of an action. */
export type Token =
  | { kind: "field"; path: string[]; pos: number; end: number } // `.` has an empty path
  | { kind: "variable"; name: string; path: string[]; pos: number; end: number }
  | { kind: "ident"; name: string; pos: number; end: number }
  | { kind: "string"; value: string; pos: number; end: number }
  | { kind: "number"; value: number; text: string; pos: number; end: number }
  | { kind: "bool"; value: boolean; pos: number; end: number }
  | { kind: "nil"; pos: number; end: number }
  | { kind: "punct"; value: "(" | ")" | "|" | ":=" | "=" | ","; pos: number; end: number };

/** A piece of a template: literal text, or the tokens of one action. */
export type Piece =
  | { kind: "text"; text: string }
  | { kind: "action"; tokens: Token[]; pos: number; source: string };

/** A parse error, worded as Go's (`template: :LINE: …`); the caller adds the CLI's prefix. */
export function templateError(
  name: string,
  text: string,
  pos: number,
  message: string,
): IpcatError {
  const line = 1 + (text.slice(0, pos).match(/\n/g)?.length ?? 0);
  return new IpcatError("failed", `template: ${name}:${line}: ${message}`);
}

/** Splits `text` into text pieces and action pieces. */
export function splitActions(text: string, name = ""): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf("{{", at);
    if (open < 0) {
      pieces.push({ kind: "text", text: text.slice(at) });
      return pieces;
    }
    let before = text.slice(at, open);
    let inner = open + 2;
    if (/^-[ \t\r\n]/.test(text.slice(inner, inner + 2))) {
      before = before.replace(/[ \t\r\n]+$/, "");
      inner += 2;
    }
    pieces.push({ kind: "text", text: before });
    const close = findClose(name, text, inner);
    let end = close;
    let trimAfter = false;
    if (/[ \t\r\n]-$/.test(text.slice(close - 2, close)) && close - 2 >= inner) {
      end = close - 2;
      trimAfter = true;
    }
    const source = text.slice(inner, end);
    if (!/^\s*\/\*[\s\S]*\*\/\s*$/.test(source)) {
      pieces.push({ kind: "action", tokens: tokenize(name, text, inner, end), pos: inner, source });
    }
    at = close + 2;
    if (trimAfter) { while (at < text.length && /[ \t\r\n]/.test(text[at]!)) at++; }
  }
}

/** The offset of the `}}` that closes the action starting at `from`, skipping quoted text. */
function findClose(name: string, text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
    } else if (c === "`") {
      i = text.indexOf("`", i + 1);
      if (i < 0) break;
    } else if (c === "/" && text[i + 1] === "*") {
      const endComment = text.indexOf("*/", i + 2);
      if (endComment < 0) break;
      i = endComment + 1;
    } else if (c === "}" && text[i + 1] === "}") return i;
  }
  throw templateError(name, text, from, "unclosed action");
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const FIELD_CHAIN = /(?:\.[A-Za-z_][A-Za-z0-9_]*)+/y;
const NUMBER =
  /[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)/y;

function match(re: RegExp, text: string, at: number): string | null {
  re.lastIndex = at;
  const m = re.exec(text);
  return m ? m[0] : null;
}

/** Tokens of the action text between `from` and `to`. */
function tokenize(name: string, text: string, from: number, to: number): Token[] {
  const tokens: Token[] = [];
  let i = from;
  while (i < to) {
    const c = text[i]!;
    const start = i;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === "|" || c === ",") {
      tokens.push({ kind: "punct", value: c, pos: i, end: ++i });
    } else if (c === ":" && text[i + 1] === "=") {
      tokens.push({ kind: "punct", value: ":=", pos: i, end: i += 2 });
    } else if (c === "=") {
      tokens.push({ kind: "punct", value: "=", pos: i, end: ++i });
    } else if (c === "." && !/\d/.test(text[i + 1] ?? "")) {
      const chain = match(FIELD_CHAIN, text, i);
      const path = chain ? chain.slice(1).split(".") : [];
      i += chain ? chain.length : 1;
      tokens.push({ kind: "field", path, pos: start, end: i });
    } else if (c === "$") {
      const name = match(IDENT, text, i + 1) ?? "";
      i += 1 + name.length;
      const chain = match(FIELD_CHAIN, text, i);
      i += chain?.length ?? 0;
      const path = chain ? chain.slice(1).split(".") : [];
      tokens.push({ kind: "variable", name: `$${name}`, path, pos: start, end: i });
    } else if (c === '"') {
      let j = i + 1;
      for (; j < to && text[j] !== '"'; j++) if (text[j] === "\\") j++;
      if (j >= to) throw templateError(name, text, i, "unterminated quoted string");
      tokens.push({
        kind: "string",
        value: unquote(name, text, text.slice(i, j + 1), i),
        pos: i,
        end: j + 1,
      });
      i = j + 1;
    } else if (c === "`") {
      const j = text.indexOf("`", i + 1);
      if (j < 0 || j >= to) throw templateError(name, text, i, "unterminated raw quoted string");
      tokens.push({ kind: "string", value: text.slice(i + 1, j), pos: i, end: j + 1 });
      i = j + 1;
    } else if (c === "'") {
      let j = i + 1;
      for (; j < to && text[j] !== "'"; j++) if (text[j] === "\\") j++;
      const value = unquote(name, text, `"${text.slice(i + 1, j)}"`, i);
      tokens.push({
        kind: "number",
        value: value.codePointAt(0) ?? 0,
        text: text.slice(i, j + 1),
        pos: i,
        end: j + 1,
      });
      i = j + 1;
    } else if (/[0-9+\-.]/.test(c)) {
      const number = match(NUMBER, text, i);
      if (!number) throw templateError(name, text, i, `bad character ${JSON.stringify(c)}`);
      const value = Number(
        number.replaceAll("_", "").replace(
          /^([+-]?)0[oO]?([0-7]+)$/,
          (_, sign, digits) => `${sign}${parseInt(digits, 8)}`,
        ),
      );
      if (Number.isNaN(value)) throw templateError(name, text, i, `bad number syntax: "${number}"`);
      tokens.push({ kind: "number", value, text: number, pos: i, end: i += number.length });
    } else if (/[A-Za-z_]/.test(c)) {
      const name = match(IDENT, text, i)!;
      i += name.length;
      if (name === "true" || name === "false") {
        tokens.push({ kind: "bool", value: name === "true", pos: start, end: i });
      } else if (name === "nil") tokens.push({ kind: "nil", pos: start, end: i });
      else tokens.push({ kind: "ident", name, pos: start, end: i });
    } else {
      throw templateError(name, text, i, `unexpected ${JSON.stringify(c)} in command`);
    }
  }
  return tokens;
}

/** A Go double-quoted string literal's value. */
function unquote(name: string, text: string, literal: string, pos: number): string {
  try {
    return JSON.parse(
      literal.replace(
        /\\([abfv'])/g,
        (_, e: string) => ({ a: "\\u0007", b: "\\b", f: "\\f", v: "\\u000b", "'": "'" })[e]!,
      ).replace(/\\x([0-9a-fA-F]{2})/g, "\\u00$1")
        // Go takes control characters as they are (a raw newline aside); JSON wants escapes.
        .replace(
          // deno-lint-ignore no-control-regex -- control characters are what it looks for
          /[\u0000-\u0009\u000b-\u001f]/g,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
        ),
    );
  } catch {
    throw templateError(name, text, pos, `bad quoted string: ${literal}`);
  }
}
