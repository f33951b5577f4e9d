/**
 * A Go `text/template` engine, as the docker CLI's `--format` and `inspect -f` use it:
 * parse once, execute on each value. Fields, variables, pipelines, `if`/`else if`/`else`,
 * `range` (with `break`/`continue`), `with`, `define`/`template`/`block`, comments and
 * `{{-`/`-}}` trimming; text/template's functions and the docker CLI's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GoTemplate } from "./mod.ts";
 * const t = GoTemplate.parse('{{range $i, $n := .Names}}{{if $i}}, {{end}}{{upper $n}}{{end}}');
 * assert.equal(t.execute({ Names: ["web", "db"] }), "WEB, DB");
 * ```
 *
 * @module
 */
import { execute, type TemplateFunction } from "./exec.ts";
import { BUILTIN_FUNCTIONS, DOCKER_FUNCTIONS } from "./funcs.ts";
import { parse, type Tree } from "./parse.ts";

export { FunctionError, TemplateExecError, type TemplateFunction } from "./exec.ts";
export { DOCKER_FUNCTIONS, HEADER_FUNCTIONS, sprintf } from "./funcs.ts";
export { goStringMap, goStruct, NO_VALUE, printValue } from "./values.ts";

/** Options of {@link GoTemplate.execute}. */
export interface ExecuteOptions {
  /** Functions that replace the defaults of the same name (e.g. for a table header). */
  functions?: Readonly<Record<string, TemplateFunction>>;
  /** `missingkey=error`, as `docker inspect -f` runs templates. */
  missingKeyError?: boolean;
}

/** A parsed template. */
export class GoTemplate {
  private constructor(
    private readonly text: string,
    private readonly tree: Tree,
    private readonly functions: Readonly<Record<string, TemplateFunction>>,
    private readonly name: string,
  ) {}

  /**
   * Parses `text` with text/template's functions, the docker CLI's and `extra`; fails
   * with an `IpcatError` worded as Go's (`template: :1: unclosed action`); `name`
   * is the name Go's messages show.
   */
  static parse(
    text: string,
    options: { name?: string; functions?: Readonly<Record<string, TemplateFunction>> } = {},
  ): GoTemplate {
    const functions = { ...BUILTIN_FUNCTIONS, ...DOCKER_FUNCTIONS, ...options.functions };
    const names = new Set([...Object.keys(functions), "and", "or"]);
    const name = options.name ?? "";
    return new GoTemplate(text, parse(text, names, name), functions, name);
  }

  /** Runs the template on `data` and returns what it writes. */
  execute(data: unknown, options: ExecuteOptions = {}): string {
    return execute(this.text, this.tree, data, {
      name: this.name,
      functions: { ...this.functions, ...options.functions },
      missingKeyError: options.missingKeyError,
    });
  }
}
