/**
 * The evaluator of the Go `text/template` engine: walks the tree with a dot, a variable
 * stack and the function table, and fails as Go does
 * (`template: :1:2: executing "" at <.Bogus>: …`).
 *
 * @module
 */
import { IpcatError } from "../../errors.ts";
import type { Arg, Cmd, Node, Pipe, Tree } from "./parse.ts";
import { GO_TYPE, goTypeName, isTrue, NO_VALUE, printValue } from "./values.ts";

/** A template function: receives evaluated arguments, the piped value last. */
export type TemplateFunction = (...args: unknown[]) => unknown;

/** How a template is executed. */
export interface ExecOptions {
  /** The template's name, as Go's messages show it (`template: version:1:29: …`). */
  name?: string;
  functions: Readonly<Record<string, TemplateFunction>>;
  /** `missingkey=error`: a map without the key is an error instead of `<no value>`. */
  missingKeyError?: boolean;
}

class LoopSignal {
  constructor(readonly kind: "break" | "continue") {}
}

/** Raised by a function to fail as Go's `error calling NAME: …`. */
export class FunctionError extends Error {}

/** A failed execution, with the text written before it failed (Go writes as it goes). */
export class TemplateExecError extends IpcatError {
  constructor(message: string, readonly partial: string) {
    super("failed", message);
  }
}

/** Runs `tree` on `data` and returns the text it writes. */
export function execute(text: string, tree: Tree, data: unknown, options: ExecOptions): string {
  let out = "";
  const vars: Array<{ name: string; value: unknown }> = [{ name: "$", value: data }];

  const fail = (pos: number, source: string, message: string): never => {
    const lineStart = text.lastIndexOf("\n", pos - 1) + 1;
    const line = 1 + (text.slice(0, pos).match(/\n/g)?.length ?? 0);
    const name = options.name ?? "";
    throw new TemplateExecError(
      `template: ${name}:${line}:${
        pos - lineStart
      }: executing "${name}" at <${source}>: ${message}`,
      out,
    );
  };

  const walk = (nodes: Node[], dot: unknown): void => {
    for (const node of nodes) {
      switch (node.kind) {
        case "text":
          out += node.text;
          break;
        case "action": {
          const value = evalPipe(node.pipe, dot);
          if (node.pipe.decl.length === 0) out += printValue(value);
          break;
        }
        case "if":
        case "with": {
          const depth = vars.length;
          const value = evalPipe(node.pipe, dot);
          if (isTrue(value)) walk(node.list, node.kind === "with" ? value : dot);
          else if (node.elseList) walk(node.elseList, dot);
          vars.length = depth;
          break;
        }
        case "range":
          walkRange(node, dot);
          break;
        case "template": {
          const body = tree.defined.get(node.name);
          if (!body) fail(node.pos, `template "${node.name}"`, `no such template "${node.name}"`);
          const value = node.pipe ? evalPipe(node.pipe, dot) : null;
          const saved = vars.splice(0);
          vars.push({ name: "$", value });
          walk(body!, value);
          vars.splice(0, vars.length, ...saved);
          break;
        }
        case "break":
        case "continue":
          throw new LoopSignal(node.kind);
      }
    }
  };

  const walkRange = (node: Extract<Node, { kind: "range" }>, dot: unknown): void => {
    const depth = vars.length;
    const { decl, ...pipe } = node.pipe;
    const value = evalPipe({ ...pipe, decl: [] }, dot);
    let items: Array<[unknown, unknown]>;
    if (Array.isArray(value)) items = value.map((v, i) => [i, v]);
    else if (typeof value === "number" && Number.isInteger(value)) {
      items = Array.from({ length: Math.max(0, value) }, (_, i) => [i, i]);
    } else if (value && typeof value === "object" && !(GO_TYPE in value)) {
      items = Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]]);
    } else if (value === null || value === undefined || value === NO_VALUE) items = [];
    else {
      const cmd = node.pipe.cmds[0]!;
      return fail(cmd.pos, cmd.source, `range can't iterate over ${printValue(value)}`);
    }
    if (items.length === 0) {
      if (node.elseList) walk(node.elseList, dot);
      return;
    }
    for (const [key, item] of items) {
      vars.length = depth;
      if (decl.length === 1) vars.push({ name: decl[0]!, value: item });
      if (decl.length === 2) {
        vars.push({ name: decl[0]!, value: key }, { name: decl[1]!, value: item });
      }
      try {
        walk(node.list, item);
      } catch (signal) {
        if (!(signal instanceof LoopSignal)) throw signal;
        if (signal.kind === "break") break;
      }
    }
    vars.length = depth;
  };

  const evalPipe = (pipe: Pipe, dot: unknown): unknown => {
    let value: unknown = undefined;
    let piped = false;
    for (const cmd of pipe.cmds) {
      value = evalCmd(cmd, dot, piped ? [value] : []);
      piped = true;
    }
    for (const name of pipe.decl) {
      if (!pipe.assign) vars.push({ name, value });
      else {
        const slot = vars.findLast((v) => v.name === name);
        if (!slot) fail(pipe.pos, name, `undefined variable: ${name}`);
        slot!.value = value;
      }
    }
    return value;
  };

  const evalCmd = (cmd: Cmd, dot: unknown, final: unknown[]): unknown => {
    const [head, ...rest] = cmd.args;
    switch (head!.kind) {
      case "field":
        return chain(dot, head!.path, head!, rest, final, dot);
      case "variable": {
        const value = variable(head!);
        if (head!.path.length) return chain(value, head!.path, head!, rest, final, dot);
        if (rest.length || final.length) {
          fail(cmd.pos, cmd.source, `can't give argument to non-function ${head!.source}`);
        }
        return value;
      }
      case "pipe": {
        const value = evalPipe(head!.pipe, dot);
        if (head!.path.length) return chain(value, head!.path, head!, rest, final, dot);
        if (rest.length || final.length) {
          fail(cmd.pos, cmd.source, `can't give argument to non-function ${head!.source}`);
        }
        return value;
      }
      case "ident":
        return call(head!.name, rest, final, dot, cmd);
      case "literal":
        if (rest.length || final.length) {
          fail(cmd.pos, cmd.source, `can't give argument to non-function ${head!.source}`);
        }
        return head!.value;
    }
  };

  const variable = (arg: Extract<Arg, { kind: "variable" }>): unknown => {
    const slot = vars.findLast((v) => v.name === arg.name);
    if (!slot) return fail(arg.pos, arg.source, `undefined variable: ${arg.name}`);
    return slot.value;
  };

  const evalArg = (arg: Arg, dot: unknown): unknown => {
    switch (arg.kind) {
      case "field":
        return chain(dot, arg.path, arg, [], [], dot);
      case "variable":
        return arg.path.length ? chain(variable(arg), arg.path, arg, [], [], dot) : variable(arg);
      case "pipe": {
        const value = evalPipe(arg.pipe, dot);
        return arg.path.length ? chain(value, arg.path, arg, [], [], dot) : value;
      }
      case "ident":
        return call(arg.name, [], [], dot, { args: [arg], pos: arg.pos, source: arg.source });
      case "literal":
        return arg.value;
    }
  };

  /** `.A.B.C` from `receiver`; the last element gets the arguments (a method call). */
  const chain = (
    receiver: unknown,
    path: string[],
    at: Arg,
    args: Arg[],
    final: unknown[],
    dot: unknown,
  ): unknown => {
    let value = receiver;
    let offset = at.kind === "variable"
      ? at.name.length
      : at.kind === "pipe"
      ? at.source.lastIndexOf(")") + 1
      : 0;
    path.forEach((name, i) => {
      const last = i === path.length - 1;
      const pos = at.pos + offset;
      offset += name.length + 1;
      value = field(
        value,
        name,
        last ? [...args.map((a) => evalArg(a, dot)), ...final] : [],
        pos,
        at.source,
      );
    });
    if (path.length === 0 && (args.length || final.length)) {
      fail(at.pos, at.source, `can't give argument to non-function ${at.source}`);
    }
    return value;
  };

  const field = (
    receiver: unknown,
    name: string,
    args: unknown[],
    pos: number,
    source: string,
  ): unknown => {
    if (receiver === null || receiver === undefined || receiver === NO_VALUE) {
      return fail(pos, source, `nil pointer evaluating interface {}.${name}`);
    }
    if (typeof receiver !== "object" || Array.isArray(receiver)) {
      return fail(pos, source, `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
    }
    const record = receiver as Record<string, unknown>;
    const value = Object.hasOwn(record, name) ? record[name] : undefined;
    if (typeof value === "function") {
      try {
        return value(...args);
      } catch (error) {
        if (error instanceof FunctionError) {
          return fail(pos, source, `error calling ${name}: ${error.message}`);
        }
        throw error;
      }
    }
    if (args.length) {
      return fail(pos, source, `${name} has arguments but cannot be invoked as function`);
    }
    if (Object.hasOwn(record, name)) return value;
    if (GO_TYPE in record) {
      return fail(pos, source, `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
    }
    if (options.missingKeyError) return fail(pos, source, `map has no entry for key "${name}"`);
    return NO_VALUE;
  };

  const call = (name: string, args: Arg[], final: unknown[], dot: unknown, cmd: Cmd): unknown => {
    // `and` and `or` stop at the first operand that decides, as Go's do.
    if (name === "and" || name === "or") {
      const operands = [...args.map((a) => () => evalArg(a, dot)), ...final.map((v) => () => v)];
      if (operands.length === 0) {
        fail(cmd.pos, cmd.source, `wrong number of args for ${name}: want at least 1 got 0`);
      }
      let value: unknown;
      for (const operand of operands) {
        value = operand();
        if (isTrue(value) === (name === "or")) return value;
      }
      return value;
    }
    const fn = options.functions[name];
    if (!fn) return fail(cmd.pos, cmd.source, `function "${name}" not defined`);
    try {
      return fn(...args.map((a) => evalArg(a, dot)), ...final);
    } catch (error) {
      if (error instanceof FunctionError) {
        return fail(cmd.pos, cmd.source, `error calling ${name}: ${error.message}`);
      }
      throw error;
    }
  };

  try {
    walk(tree.root, data);
  } catch (signal) {
    if (signal instanceof LoopSignal) {
      throw new IpcatError("failed", `template: {{${signal.kind}}} outside {{range}}`);
    }
    throw signal;
  }
  return out;
}
