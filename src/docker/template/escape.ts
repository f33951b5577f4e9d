/**
 * text/template's escaping functions, `html`, `js` and `urlquery`, as Go writes them:
 * each takes its arguments as `print` would join them (a lone string as it is).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { htmlEscape, jsEscape, queryEscape } from "./escape.ts";
 * assert.equal(htmlEscape(`<a href="x">Tom & Jerry's</a>`), "&lt;a href=&#34;x&#34;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
 * assert.equal(jsEscape(`it's <b>=\n`), "it\\'s \\u003Cb\\u003E\\u003D\\u000A");
 * assert.equal(queryEscape("a b&c/d~*"), "a+b%26c%2Fd~%2A");
 * ```
 *
 * @module
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "\0": "\uFFFD",
  '"': "&#34;",
  "'": "&#39;",
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
};

/** Go's `template.HTMLEscapeString`. */
export function htmlEscape(text: string): string {
  return text.replace(/[\0"'&<>]/g, (c) => HTML_ESCAPES[c]!);
}

const JS_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "'": "\\'",
  '"': '\\"',
  "<": "\\u003C",
  ">": "\\u003E",
  "&": "\\u0026",
  "=": "\\u003D",
};

const hex4 = (code: number) => code.toString(16).toUpperCase().padStart(4, "0");

/**
 * Go's `template.JSEscapeString`: quotes, backslashes, `<>&=` and control characters as
 * escapes; other characters as they are unless Go's `unicode.IsPrint` says no.
 */
export function jsEscape(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (JS_ESCAPES[char]) out += JS_ESCAPES[char];
    else if (code < 0x20) out += `\\u${hex4(code)}`;
    else if (code >= 0x80 && /[\p{C}\p{Z}]/u.test(char)) out += `\\u${hex4(code)}`;
    else out += char;
  }
  return out;
}

/** Go's `url.QueryEscape`: unreserved characters kept, spaces as `+`, the rest as `%XX`. */
export function queryEscape(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(char)) out += char;
    else if (byte === 0x20) out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
