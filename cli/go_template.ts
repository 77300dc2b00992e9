/**
 * The subset of Go's `text/template` that `docker … --format` users write: `{{.Field.Sub}}`,
 * `{{$var}}`, pipelines (`{{.Name | upper}}`), `{{if}}`/`{{else}}`, `{{range}}`, `{{with}}`,
 * trim markers (`{{-`, `-}}`), comments, Go's builtins (`index`, `len`, `eq`, `printf`, …) and
 * Docker's functions (`json`, `join`, `split`, `lower`, `upper`, `title`, `pad`, `truncate`).
 *
 * Values are Go-shaped: a JS `Map` is a Go map (`map[k:v]`, a missing key is `<no value>`), a
 * plain object a struct (`{v1 v2}`, a missing field is an error), {@linkcode GoNil} a typed nil.
 *
 * @module
 */

import { GoNil } from "../engine/go_nil.ts";

export { GoNil };

/** Thrown for a template that does not parse or fails while it runs; the message is Go's. */
export class TemplateError extends Error {
  override name = "TemplateError";
}

type Token =
  | { kind: "field"; names: string[] }
  | { kind: "variable"; name: string; names: string[] }
  | { kind: "identifier"; name: string }
  | { kind: "literal"; value: unknown }
  | { kind: "punct"; value: "|" | "(" | ")" | ":=" | "=" | "," };

type Operand =
  | { kind: "field"; names: string[] }
  | { kind: "variable"; name: string; names: string[] }
  | { kind: "literal"; value: unknown }
  | { kind: "function"; name: string }
  | { kind: "pipeline"; pipeline: Pipeline; names: string[] };

interface Pipeline {
  /** Variables declared (`$v :=`) or assigned (`$v =`). */
  variables: string[];
  declare: boolean;
  commands: Operand[][];
}

type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipeline: Pipeline }
  | { kind: "if" | "with" | "range"; pipeline: Pipeline; body: Node[]; otherwise: Node[] };

const FIELD_CHAIN = /^(?:\.[A-Za-z_][A-Za-z0-9_]*)+/;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest.startsWith(":=")) {
      tokens.push({ kind: "punct", value: ":=" });
      i += 2;
      continue;
    }
    const char = rest[0]!;
    if ("|(),=".includes(char)) {
      tokens.push({ kind: "punct", value: char as "|" });
      i++;
      continue;
    }
    if (char === '"') {
      const match = /^"(?:[^"\\]|\\.)*"/.exec(rest);
      if (!match) throw new TemplateError(`unterminated quoted string`);
      tokens.push({ kind: "literal", value: JSON.parse(match[0]) });
      i += match[0].length;
      continue;
    }
    if (char === "`") {
      const end = rest.indexOf("`", 1);
      if (end < 0) throw new TemplateError(`unterminated raw quoted string`);
      tokens.push({ kind: "literal", value: rest.slice(1, end) });
      i += end + 1;
      continue;
    }
    const chain = FIELD_CHAIN.exec(rest);
    if (chain) {
      tokens.push({ kind: "field", names: chain[0].slice(1).split(".") });
      i += chain[0].length;
      continue;
    }
    if (char === ".") {
      tokens.push({ kind: "field", names: [] });
      i++;
      continue;
    }
    const variable = /^\$[A-Za-z0-9_]*/.exec(rest);
    if (variable) {
      i += variable[0].length;
      const fields = FIELD_CHAIN.exec(source.slice(i));
      const names = fields ? fields[0].slice(1).split(".") : [];
      if (fields) i += fields[0].length;
      tokens.push({ kind: "variable", name: variable[0], names });
      continue;
    }
    const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: "literal", value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (word) {
      const name = word[0];
      if (name === "true" || name === "false") {
        tokens.push({ kind: "literal", value: name === "true" });
      } else if (name === "nil") tokens.push({ kind: "literal", value: null });
      else tokens.push({ kind: "identifier", name });
      i += name.length;
      continue;
    }
    throw new TemplateError(`unexpected "${char}" in command`);
  }
  return tokens;
}

/** Reads a pipeline from `tokens` starting at `at.i`; stops at `)` or the end. */
function parsePipeline(tokens: Token[], at: { i: number }): Pipeline {
  const pipeline: Pipeline = { variables: [], declare: false, commands: [] };
  const declaration = tokens.slice(at.i, at.i + 4);
  const assigns = (t: Token | undefined) =>
    t?.kind === "punct" && (t.value === ":=" || t.value === "=");
  if (declaration[0]?.kind === "variable" && assigns(declaration[1])) {
    pipeline.variables = [declaration[0].name];
    pipeline.declare = (declaration[1] as { value: string }).value === ":=";
    at.i += 2;
  } else if (
    declaration[0]?.kind === "variable" && declaration[1]?.kind === "punct" &&
    declaration[1].value === "," && declaration[2]?.kind === "variable" && assigns(declaration[3])
  ) {
    pipeline.variables = [declaration[0].name, declaration[2].name];
    pipeline.declare = (declaration[3] as { value: string }).value === ":=";
    at.i += 4;
  }
  let command: Operand[] = [];
  while (at.i < tokens.length) {
    const token = tokens[at.i]!;
    if (token.kind === "punct" && token.value === ")") break;
    at.i++;
    if (token.kind === "punct" && token.value === "|") {
      if (command.length === 0) throw new TemplateError(`missing command before "|"`);
      pipeline.commands.push(command);
      command = [];
    } else if (token.kind === "punct" && token.value === "(") {
      const inner = parsePipeline(tokens, at);
      const close = tokens[at.i];
      if (close?.kind !== "punct" || close.value !== ")") {
        throw new TemplateError(`unclosed left paren`);
      }
      at.i++;
      const next = tokens[at.i];
      const names = next?.kind === "field" ? (at.i++, next.names) : [];
      command.push({ kind: "pipeline", pipeline: inner, names });
    } else if (token.kind === "punct") {
      throw new TemplateError(`unexpected "${token.value}" in operand`);
    } else if (token.kind === "identifier") {
      if (!(token.name in FUNCTIONS)) {
        throw new TemplateError(`function "${token.name}" not defined`);
      }
      command.push({ kind: "function", name: token.name });
    } else command.push(token);
  }
  if (command.length === 0) throw new TemplateError(`missing value for command`);
  pipeline.commands.push(command);
  return pipeline;
}

function parseActionPipeline(source: string): Pipeline {
  const tokens = tokenize(source);
  const at = { i: 0 };
  const pipeline = parsePipeline(tokens, at);
  if (at.i < tokens.length) throw new TemplateError(`unexpected ")" in command`);
  return pipeline;
}

/** Splits a template into text and the insides of its actions, applying the trim markers. */
function scan(template: string): ({ text: string } | { action: string })[] {
  const parts: ({ text: string } | { action: string })[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= template.length) {
    const open = template.indexOf("{{", i);
    let text = template.slice(i, open < 0 ? undefined : open);
    if (trimNext) text = text.replace(/^\s+/, "");
    if (open < 0) {
      parts.push({ text });
      break;
    }
    let start = open + 2;
    if (/^- /.test(template.slice(start))) {
      text = text.replace(/\s+$/, "");
      start += 2;
    }
    parts.push({ text });
    const close = template.indexOf("}}", start);
    if (close < 0) throw new TemplateError(`unclosed action`);
    let inside = template.slice(start, close);
    trimNext = / -$/.test(inside);
    if (trimNext) inside = inside.slice(0, -2);
    parts.push({ action: inside.trim() });
    i = close + 2;
  }
  return parts;
}

/** Parses a whole template into its nodes. */
function parse(template: string): Node[] {
  const parts = scan(template);
  let at = 0;
  const block = (): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (at < parts.length) {
      const part = parts[at++]!;
      if ("text" in part) {
        if (part.text !== "") nodes.push({ kind: "text", text: part.text });
        continue;
      }
      const action = part.action;
      if (action.startsWith("/*")) continue;
      const keyword = /^(if|range|with|else|end)\b\s*/.exec(action);
      if (!keyword) {
        nodes.push({ kind: "action", pipeline: parseActionPipeline(action) });
        continue;
      }
      const name = keyword[1]!;
      const rest = action.slice(keyword[0].length);
      if (name === "end" || name === "else") return { nodes, end: action };
      nodes.push(control(name as "if", rest));
    }
    return { nodes, end: "" };
  };
  const control = (kind: "if" | "range" | "with", source: string): Node => {
    if (source === "") throw new TemplateError(`missing value for ${kind}`);
    const pipeline = parseActionPipeline(source);
    const body = block();
    let otherwise: Node[] = [];
    if (body.end === "else") otherwise = expectEnd(block(), kind);
    else if (body.end.startsWith("else ")) {
      const chained = /^else\s+(if|with)\s+(.*)$/s.exec(body.end);
      if (!chained) throw new TemplateError(`unexpected "${body.end}" in ${kind}`);
      otherwise = [control(chained[1] as "if", chained[2]!)];
    } else expectEnd(body, kind);
    return { kind, pipeline, body: body.nodes, otherwise };
  };
  const expectEnd = (found: { nodes: Node[]; end: string }, kind: string): Node[] => {
    if (found.end !== "end") throw new TemplateError(`unexpected EOF in ${kind}`);
    return found.nodes;
  };
  const top = block();
  if (top.end !== "") throw new TemplateError(`unexpected {{${top.end}}}`);
  return top.nodes;
}

/** A value's Go type name, for error messages. */
function typeName(value: unknown): string {
  if (value instanceof Map) return "map";
  if (Array.isArray(value)) return "slice";
  if (value instanceof GoNil || value === null) return "nil";
  return typeof value === "object" ? "struct" : typeof value;
}

function field(value: unknown, name: string): unknown {
  if (value instanceof Map) return value.get(name);
  if (value === undefined || value === null || value instanceof GoNil) {
    if (value instanceof GoNil && value.kind === "map") return undefined;
    throw new TemplateError(`nil pointer evaluating .${name}`);
  }
  if (typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, name)) {
    return (value as Record<string, unknown>)[name];
  }
  throw new TemplateError(`can't evaluate field ${name} in type ${typeName(value)}`);
}

/** Formats `value` as Go's `fmt.Sprint` (`%v`) does. */
export function goString(value: unknown): string {
  if (value === undefined) return "<no value>";
  if (value === null) return "<nil>";
  if (value instanceof GoNil) {
    return { slice: "[]", map: "map[]", pointer: "<nil>" }[value.kind];
  }
  if (typeof value === "number") {
    if (Number.isInteger(value) && Math.abs(value) < 1e21) return value.toFixed(0);
    return String(value).replace(/e([+-])(\d)$/, "e$10$2");
  }
  if (Array.isArray(value)) return `[${value.map(goString).join(" ")}]`;
  if (value instanceof Map) {
    const keys = [...value.keys()].sort();
    return `map[${keys.map((key) => `${key}:${goString(value.get(key))}`).join(" ")}]`;
  }
  if (typeof value === "object") return `{${Object.values(value).map(goString).join(" ")}}`;
  return String(value);
}

/** `value` as JSON, as Docker's `json` function writes it (no HTML escaping, no newline). */
export function toJson(value: unknown, indent?: string): string {
  return JSON.stringify(
    value === undefined ? null : value,
    (_, v) => v instanceof Map ? Object.fromEntries(v) : v,
    indent,
  );
}

function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value instanceof GoNil) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  if (typeof value === "object") return true;
  return value !== false && value !== 0 && value !== "";
}

function length(value: unknown): number {
  if (typeof value === "string" || Array.isArray(value)) return value.length;
  if (value instanceof Map) return value.size;
  if (value instanceof GoNil) return 0;
  throw new TemplateError(`len of type ${typeName(value)}`);
}

function index(value: unknown, ...keys: unknown[]): unknown {
  let current = value;
  for (const key of keys) {
    if (current instanceof Map) current = current.get(String(key));
    else if (Array.isArray(current) || typeof current === "string") {
      if (typeof key !== "number" || key < 0 || key >= current.length) {
        throw new TemplateError(`error calling index: index out of range: ${goString(key)}`);
      }
      current = Array.isArray(current) ? current[key] : current.charCodeAt(key);
    } else if (current instanceof GoNil) current = undefined;
    else throw new TemplateError(`can't index item of type ${typeName(current)}`);
  }
  return current;
}

/** Go's `fmt.Sprintf` for the verbs people use: `%s %v %d %q %%`. */
function sprintf(format: unknown, ...args: unknown[]): string {
  let next = 0;
  return String(format).replace(/%([-+ 0#]*\d*(?:\.\d+)?)([svdqf%])/g, (_, _flags, verb) => {
    if (verb === "%") return "%";
    const arg = args[next++];
    if (verb === "q") return JSON.stringify(goString(arg));
    if (verb === "f" && typeof arg === "number") return arg.toFixed(6);
    return goString(arg);
  });
}

function compare(a: unknown, b: unknown): number {
  if (typeof a !== typeof b) throw new TemplateError(`incompatible types for comparison`);
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/** The functions a template may call: Go's builtins and Docker's. */
const FUNCTIONS: Readonly<Record<string, (...args: unknown[]) => unknown>> = {
  and: (...args) => args.find((arg) => !truthy(arg)) ?? args.at(-1),
  or: (...args) => args.find(truthy) ?? args.at(-1),
  not: (arg) => !truthy(arg),
  eq: (a, ...others) => others.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  len: length,
  index,
  print: (...args) => args.map(goString).join(""),
  printf: sprintf,
  println: (...args) => `${args.map(goString).join(" ")}\n`,
  json: (value) => toJson(value),
  join: (list, separator) =>
    (Array.isArray(list) ? list : []).map(goString).join(String(separator)),
  split: (text, separator) => String(text).split(String(separator)),
  lower: (text) => goString(text).toLowerCase(),
  upper: (text) => goString(text).toUpperCase(),
  title: (text) => goString(text).replace(/\b[a-z]/g, (c) => c.toUpperCase()),
  pad: (text, left, right) =>
    `${" ".repeat(Number(left))}${goString(text)}${" ".repeat(Number(right))}`,
  truncate: (text, width) => goString(text).slice(0, Number(width)),
};

/** Names bound while a template runs: `$` and declared variables, innermost scope last. */
type Scope = Map<string, unknown>[];

function lookupVariable(scope: Scope, name: string): unknown {
  for (let i = scope.length - 1; i >= 0; i--) {
    if (scope[i]!.has(name)) return scope[i]!.get(name);
  }
  throw new TemplateError(`undefined variable "${name}"`);
}

function evalOperand(operand: Operand, dot: unknown, scope: Scope): unknown {
  switch (operand.kind) {
    case "literal":
      return operand.value;
    case "field":
      return operand.names.reduce(field, dot);
    case "variable":
      return operand.names.reduce(field, lookupVariable(scope, operand.name));
    case "pipeline":
      return operand.names.reduce(field, evalPipeline(operand.pipeline, dot, scope));
    case "function":
      return FUNCTIONS[operand.name]!();
  }
}

function evalPipeline(pipeline: Pipeline, dot: unknown, scope: Scope): unknown {
  let piped: unknown[] = [];
  for (const [first, ...rest] of pipeline.commands) {
    if (first!.kind === "function") {
      const args = [...rest.map((arg) => evalOperand(arg, dot, scope)), ...piped];
      piped = [FUNCTIONS[first!.name]!(...args)];
    } else {
      if (rest.length > 0 || piped.length > 0) {
        throw new TemplateError(`can't give argument to non-function ${goString(first)}`);
      }
      piped = [evalOperand(first!, dot, scope)];
    }
  }
  const value = piped[0];
  if (pipeline.variables.length === 1) bind(scope, pipeline, pipeline.variables[0]!, value);
  return value;
}

function bind(scope: Scope, pipeline: Pipeline, name: string, value: unknown): void {
  if (pipeline.declare) {
    scope.at(-1)!.set(name, value);
    return;
  }
  lookupVariable(scope, name);
  for (let i = scope.length - 1; i >= 0; i--) {
    if (scope[i]!.has(name)) return void scope[i]!.set(name, value);
  }
}

function run(nodes: readonly Node[], dot: unknown, scope: Scope, out: string[]): void {
  for (const node of nodes) {
    if (node.kind === "text") out.push(node.text);
    else if (node.kind === "action") {
      const value = evalPipeline(node.pipeline, dot, scope);
      if (node.pipeline.variables.length === 0) out.push(goString(value));
    } else {
      scope.push(new Map());
      try {
        runControl(node, dot, scope, out);
      } finally {
        scope.pop();
      }
    }
  }
}

function runControl(
  node: Extract<Node, { kind: "if" | "with" | "range" }>,
  dot: unknown,
  scope: Scope,
  out: string[],
): void {
  const { variables } = node.pipeline;
  const value = evalPipeline(
    node.kind === "range" ? { ...node.pipeline, variables: [] } : node.pipeline,
    dot,
    scope,
  );
  if (node.kind !== "range") {
    if (!truthy(value)) return run(node.otherwise, dot, scope, out);
    return run(node.body, node.kind === "with" ? value : dot, scope, out);
  }
  let entries: [unknown, unknown][];
  if (Array.isArray(value)) entries = value.map((item, i) => [i, item]);
  else if (value instanceof Map) {
    entries = [...value.keys()].sort().map((key) => [key, value.get(key)]);
  } else if (typeof value === "number") entries = [...Array(value).keys()].map((i) => [i, i]);
  else if (value === undefined || value === null || value instanceof GoNil) entries = [];
  else throw new TemplateError(`range can't iterate over ${goString(value)}`);
  if (entries.length === 0) return run(node.otherwise, dot, scope, out);
  for (const [key, item] of entries) {
    if (variables.length === 1) scope.at(-1)!.set(variables[0]!, item);
    if (variables.length === 2) {
      scope.at(-1)!.set(variables[0]!, key);
      scope.at(-1)!.set(variables[1]!, item);
    }
    run(node.body, item, scope, out);
  }
}

/** A parsed template, ready to run on any number of values. */
export interface Template {
  /** Runs the template on `data` (its `.` and `$`) and returns what it printed. */
  execute(data: unknown): string;
}

/**
 * Parses a Go template.
 *
 * @throws {TemplateError} when it does not parse: `template: unexpected "}" in operand`.
 */
export function parseTemplate(source: string): Template {
  let nodes: Node[];
  try {
    nodes = parse(source);
  } catch (error) {
    if (error instanceof TemplateError) {
      throw new TemplateError(`template parsing error: template: ${error.message}`);
    }
    throw error;
  }
  return {
    execute(data: unknown): string {
      const out: string[] = [];
      try {
        run(nodes, data, [new Map([["$", data]])], out);
      } catch (error) {
        if (error instanceof TemplateError) {
          throw new TemplateError(`template: executing "${source}": ${error.message}`);
        }
        throw error;
      }
      return out.join("");
    },
  };
}
