/**
 * The parser of the Go `text/template` engine: pieces from the lexer into a tree of
 * text, actions, `if`/`range`/`with` (with `else` and `else if`), `define`/`template`/
 * `block`, `break`/`continue`, pipelines with variable declarations, and commands.
 *
 * @module
 */
import { type Piece, splitActions, templateError, type Token } from "./lex.ts";

/** An operand of a command. */
export type Arg =
  | { kind: "field"; path: string[]; pos: number; source: string }
  | { kind: "variable"; name: string; path: string[]; pos: number; source: string }
  | { kind: "ident"; name: string; pos: number; source: string }
  | { kind: "literal"; value: unknown; pos: number; source: string }
  | { kind: "pipe"; pipe: Pipe; path: string[]; pos: number; source: string };

/** One command of a pipeline: its operands, the first being what is called or shown. */
export interface Cmd {
  args: Arg[];
  pos: number;
  source: string;
}

/** A pipeline, with the variables it declares (`$x :=`) or assigns (`$x =`). */
export interface Pipe {
  decl: string[];
  assign: boolean;
  cmds: Cmd[];
  pos: number;
}

/** An `if`, `range` or `with`, with its `else` branch (an `else if` is an `if` in it). */
export interface Control<K extends "if" | "range" | "with"> {
  kind: K;
  pipe: Pipe;
  list: Node[];
  elseList: Node[] | null;
}

/** A node of the template tree. */
export type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipe: Pipe }
  | Control<"if">
  | Control<"range">
  | Control<"with">
  | { kind: "template"; name: string; pipe: Pipe | null; pos: number }
  | { kind: "break" | "continue"; pos: number };

/** A parsed template: its main tree and the templates it defines. */
export interface Tree {
  root: Node[];
  defined: Map<string, Node[]>;
}

/**
 * Parses `text`; `functions` are the names a command may call (anything else is the
 * error Go gives: `function "x" not defined`).
 */
export function parse(text: string, functions: ReadonlySet<string>, templateName = ""): Tree {
  const pieces = splitActions(text, templateName);
  const defined = new Map<string, Node[]>();
  let at = 0;

  type Ending = { word: "end" | "else"; tokens: Token[]; pos: number } | null;

  /** Parses nodes until an `end` or `else` action (returned) or the end of input (null). */
  const parseList = (inside: string | null, loop: boolean): [Node[], Ending] => {
    const nodes: Node[] = [];
    while (at < pieces.length) {
      const piece = pieces[at++]!;
      if (piece.kind === "text") {
        if (piece.text) nodes.push({ kind: "text", text: piece.text });
        continue;
      }
      const [first, ...rest] = piece.tokens;
      if (!first) throw templateError(templateName, text, piece.pos, "missing value for command");
      const word = first.kind === "ident" ? first.name : "";
      if (word === "end" || word === "else") {
        if (!inside) throw templateError(templateName, text, piece.pos, `unexpected {{${word}}}`);
        return [nodes, { word, tokens: rest, pos: piece.pos }];
      }
      if (word === "if" || word === "range" || word === "with") {
        nodes.push(parseControl(word, rest, piece, loop));
      } else if (word === "define" || word === "block") {
        const name = rest[0];
        if (name?.kind !== "string") {
          throw templateError(templateName, text, piece.pos, `unexpected ${word} name`);
        }
        const [body, ending] = parseList(word, false);
        if (ending?.word !== "end") {
          throw templateError(templateName, text, piece.pos, `unexpected EOF`);
        }
        defined.set(name.value, body);
        if (word === "block") {
          nodes.push({
            kind: "template",
            name: name.value,
            pipe: pipeOf(rest.slice(1), piece),
            pos: piece.pos,
          });
        }
      } else if (word === "template") {
        const name = rest[0];
        if (name?.kind !== "string") {
          throw templateError(templateName, text, piece.pos, "unexpected template name");
        }
        const pipe = rest.length > 1 ? pipeOf(rest.slice(1), piece) : null;
        nodes.push({ kind: "template", name: name.value, pipe, pos: piece.pos });
      } else if (word === "break" || word === "continue") {
        if (!loop) {
          throw templateError(templateName, text, piece.pos, `{{${word}}} outside {{range}}`);
        }
        nodes.push({ kind: word, pos: piece.pos });
      } else {
        nodes.push({ kind: "action", pipe: pipeOf(piece.tokens, piece) });
      }
    }
    if (inside) throw templateError(templateName, text, text.length, "unexpected EOF");
    return [nodes, null];
  };

  const parseControl = (
    word: "if" | "range" | "with",
    tokens: Token[],
    piece: Extract<Piece, { kind: "action" }>,
    loop: boolean,
  ): Node => {
    const pipe = pipeOf(tokens, piece);
    const [list, ending] = parseList(word, loop || word === "range");
    let elseList: Node[] | null = null;
    if (ending?.word === "else") {
      const [next, ...more] = ending.tokens;
      if (next?.kind === "ident" && (next.name === "if" || next.name === "with")) {
        // `{{else if x}}` is an `if` inside the else branch, closed by the same `end`.
        elseList = [parseControl(next.name, more, { ...piece, pos: ending.pos }, loop)];
      } else {
        const [rest, end] = parseList(word, loop);
        if (end?.word !== "end") {
          throw templateError(templateName, text, ending.pos, "expected end; found else");
        }
        elseList = rest;
      }
    }
    return { kind: word, pipe, list, elseList } as Node;
  };

  const pipeOf = (tokens: Token[], piece: Extract<Piece, { kind: "action" }>): Pipe => {
    let i = 0;
    const decl: string[] = [];
    let assign = false;
    // `$x :=`, `$i, $e :=` or `$x =` before the commands.
    const declEnd = tokens.findIndex((t) =>
      t.kind === "punct" && (t.value === ":=" || t.value === "=")
    );
    if (
      declEnd > 0 &&
      tokens.slice(0, declEnd).every((t) =>
        t.kind === "variable" && t.path.length === 0 || t.kind === "punct" && t.value === ","
      )
    ) {
      for (const t of tokens.slice(0, declEnd)) if (t.kind === "variable") decl.push(t.name);
      assign = (tokens[declEnd] as { value: string }).value === "=";
      i = declEnd + 1;
    }
    const [pipe, next] = parsePipe(tokens, i, piece, ")" as const, false);
    if (next < tokens.length) {
      throw templateError(
        templateName,
        text,
        tokens[next]!.pos,
        `unexpected ${describe(tokens[next]!)} in command`,
      );
    }
    return { ...pipe, decl, assign };
  };

  const parsePipe = (
    tokens: Token[],
    from: number,
    piece: Extract<Piece, { kind: "action" }>,
    _close: ")",
    nested: boolean,
  ): [Pipe, number] => {
    const cmds: Cmd[] = [];
    let i = from;
    let args: Arg[] = [];
    const finish = () => {
      if (args.length === 0) {
        throw templateError(
          templateName,
          text,
          tokens[i]?.pos ?? piece.pos,
          "missing value for command",
        );
      }
      const start = args[0]!.pos;
      const last = args.at(-1)!;
      cmds.push({ args, pos: start, source: text.slice(start, last.pos + last.source.length) });
      args = [];
    };
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (t.kind === "punct" && t.value === ")") {
        if (!nested) throw templateError(templateName, text, t.pos, "unexpected right paren");
        break;
      }
      if (t.kind === "punct" && t.value === "|") {
        finish();
        i++;
        continue;
      }
      if (t.kind === "punct" && t.value === "(") {
        const [inner, close] = parsePipe(tokens, i + 1, piece, ")", true);
        if (tokens[close]?.kind !== "punct") {
          throw templateError(templateName, text, t.pos, "unclosed left paren");
        }
        let end = tokens[close]!.end;
        let path: string[] = [];
        const after = tokens[close + 1];
        if (after?.kind === "field" && after.pos === end && after.path.length) {
          path = after.path;
          end = after.end;
          i = close + 2;
        } else i = close + 1;
        args.push({
          kind: "pipe",
          pipe: { ...inner, decl: [], assign: false },
          path,
          pos: t.pos,
          source: text.slice(t.pos, end),
        });
        continue;
      }
      args.push(argOf(t));
      i++;
    }
    if (args.length || cmds.length === 0) finish();
    return [{ decl: [], assign: false, cmds, pos: tokens[from]?.pos ?? piece.pos }, i];
  };

  const argOf = (t: Token): Arg => {
    const source = text.slice(t.pos, t.end);
    switch (t.kind) {
      case "field":
        return { kind: "field", path: t.path, pos: t.pos, source };
      case "variable":
        return { kind: "variable", name: t.name, path: t.path, pos: t.pos, source };
      case "ident":
        if (!functions.has(t.name)) {
          throw templateError(templateName, text, t.pos, `function "${t.name}" not defined`);
        }
        return { kind: "ident", name: t.name, pos: t.pos, source };
      case "string":
      case "number":
      case "bool":
        return { kind: "literal", value: t.value, pos: t.pos, source };
      case "nil":
        return { kind: "literal", value: null, pos: t.pos, source };
      default:
        throw templateError(templateName, text, t.pos, `unexpected ${describe(t)} in command`);
    }
  };

  const [root] = parseList(null, false);
  return { root, defined };
}

function describe(t: Token): string {
  return t.kind === "punct" ? `"${t.value}"` : t.kind;
}
