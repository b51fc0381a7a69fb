/**
 * The part of Go's `text/template` that `line_format` and `label_format` templates use: text,
 * `{{ }}` actions with `{{-`/`-}}` trimming, pipelines, function calls, fields of the label map
 * (a missing label reads as ""), literals, parentheses, `if`/`else if`/`else`/`end`, `with`, and
 * `$` for the whole map. `range`, variables and `define`/`template` are refused with a clear error.
 *
 * @see https://pkg.go.dev/text/template
 */
import { callFunction, isKnownFunction, truth } from './template-functions';
import type { TemplateContext } from './template-functions';
import { GoFloat, GoInt, formatGoValue } from './go-values';
import type { GoValue } from './go-values';

type Arg =
  | { t: 'field'; path: string[] }
  | { t: 'dot' }
  | { t: 'root' }
  | { t: 'fn'; name: string }
  | { t: 'lit'; value: GoValue }
  | { t: 'pipe'; pipe: Pipeline };

interface Command {
  args: Arg[];
}
type Pipeline = Command[];

type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipeline }
  | { t: 'if' | 'with'; pipe: Pipeline; then: Node[]; otherwise: Node[] };

/** A template that does not parse, with Go's `template: <name>:<line>: <msg>` shape. */
export class TemplateError extends Error {}

/** A parsed template. */
export interface Template {
  nodes: Node[];
  /** The single label this template prints (`{{.x}}`), for Loki's fast path. */
  simpleKey?: string;
}

const ACTION = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;

function tokenizeAction(src: string, line: string): string[] {
  const tokens: string[] = [];
  const re =
    /\s+|"(?:\\.|[^"\\])*"|`[^`]*`|'(?:\\.|[^'\\])*'|\.?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|\$[A-Za-z0-9_]*|[-+]?(?:0x[0-9a-fA-F]+|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|:=|[|(),=.]/y;
  let i = 0;
  // Bounded: every pass consumes a token or throws.
  while (i < src.length) {
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw new TemplateError(`template: ${line}:1: unexpected ${JSON.stringify(src[i])} in command`);
    if (!/^\s+$/.test(m[0])) tokens.push(m[0]);
    i += m[0].length;
  }
  return tokens;
}

function unquoteTemplateString(token: string): string {
  if (token.startsWith('`')) return token.slice(1, -1);
  return JSON.parse(token.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\'/g, "'")) as string;
}

class Parser {
  private _at = 0;

  constructor(
    private readonly _tokens: string[],
    private readonly _name: string
  ) {}

  get done(): boolean {
    return this._at >= this._tokens.length;
  }

  pipeline(): Pipeline {
    const cmds: Pipeline = [];
    // Bounded: every pass consumes a command.
    for (;;) {
      cmds.push(this._command());
      if (this._tokens[this._at] !== '|') return cmds;
      this._at++;
    }
  }

  private _command(): Command {
    const args: Arg[] = [];
    while (!this.done && this._tokens[this._at] !== '|' && this._tokens[this._at] !== ')') {
      args.push(this._operand());
    }
    if (args.length === 0) throw new TemplateError(`template: ${this._name}:1: missing value for command`);
    return { args };
  }

  private _operand(): Arg {
    const token = this._tokens[this._at++];
    if (token === '(') {
      const pipe = this.pipeline();
      if (this._tokens[this._at] !== ')') throw new TemplateError(`template: ${this._name}:1: unclosed left paren`);
      this._at++;
      return { t: 'pipe', pipe };
    }
    if (token === '.') return { t: 'dot' };
    if (token.startsWith('.')) return { t: 'field', path: token.slice(1).split('.') };
    if (token === '$') return { t: 'root' };
    if (token.startsWith('$') || token === ':=' || token === '=') {
      throw new TemplateError(`template: ${this._name}:1: template variables are not supported by @otel-loki/testing`);
    }
    if (token.startsWith('"') || token.startsWith('`')) return { t: 'lit', value: unquoteTemplateString(token) };
    if (token.startsWith("'")) {
      return { t: 'lit', value: new GoInt(unquoteTemplateString(`"${token.slice(1, -1)}"`).codePointAt(0) ?? 0) };
    }
    if (/^[-+]?[\d.]/.test(token)) {
      const isInt = /^[-+]?(0x[0-9a-fA-F]+|\d+)$/.test(token);
      return { t: 'lit', value: isInt ? new GoInt(Number(token)) : new GoFloat(Number(token)) };
    }
    if (token === 'true' || token === 'false') return { t: 'lit', value: token === 'true' };
    if (token === 'nil') return { t: 'lit', value: null };
    if (!isKnownFunction(token)) throw new TemplateError(`template: ${this._name}:1: function "${token}" not defined`);
    return { t: 'fn', name: token };
  }
}

/** Parses a template; throws {@link TemplateError} with Go's text. */
export function parseTemplate(text: string, name = 'line'): Template {
  const root: Node[] = [];
  const stack: Array<{ node: Node & { t: 'if' | 'with' }; inElse: boolean; closeCount: number }> = [];
  const current = (): Node[] => {
    const top = stack[stack.length - 1];
    if (!top) return root;
    return top.inElse ? top.node.otherwise : top.node.then;
  };
  let last = 0;
  let trimNext = false;
  for (const m of text.matchAll(ACTION)) {
    let chunk = text.slice(last, m.index);
    if (trimNext) chunk = chunk.replace(/^\s+/, '');
    if (m[1]) chunk = chunk.replace(/\s+$/, '');
    if (chunk) current().push({ t: 'text', text: chunk });
    last = (m.index as number) + m[0].length;
    trimNext = m[3] !== undefined;
    const body = m[2].trim();
    if (body.startsWith('/*')) continue;
    const tokens = tokenizeAction(body, name);
    const keyword = tokens[0];
    if (keyword === 'if' || keyword === 'with') {
      const parser = new Parser(tokens.slice(1), name);
      const node = { t: keyword, pipe: parser.pipeline(), then: [], otherwise: [] } as Node & { t: 'if' | 'with' };
      current().push(node);
      stack.push({ node, inElse: false, closeCount: 1 });
    } else if (keyword === 'else') {
      const top = stack[stack.length - 1];
      if (!top || top.inElse) throw new TemplateError(`template: ${name}:1: unexpected {{else}}`);
      top.inElse = true;
      if (tokens[1] === 'if' || tokens[1] === 'with') {
        const parser = new Parser(tokens.slice(2), name);
        const node = { t: tokens[1], pipe: parser.pipeline(), then: [], otherwise: [] } as Node & { t: 'if' | 'with' };
        top.node.otherwise.push(node);
        stack.push({ node, inElse: false, closeCount: 0 });
      }
    } else if (keyword === 'end') {
      if (stack.length === 0) throw new TemplateError(`template: ${name}:1: unexpected {{end}}`);
      // An `else if` shares the `end` of its `if`.
      while (stack.length > 0 && stack[stack.length - 1].closeCount === 0) stack.pop();
      stack.pop();
    } else if (['range', 'define', 'template', 'block', 'break', 'continue'].includes(keyword)) {
      throw new TemplateError(`template: ${name}:1: {{${keyword}}} is not supported by @otel-loki/testing`);
    } else {
      const parser = new Parser(tokens, name);
      const pipe = parser.pipeline();
      if (!parser.done) throw new TemplateError(`template: ${name}:1: unexpected ")" in operand`);
      current().push({ t: 'action', pipe });
    }
  }
  if (stack.length > 0) throw new TemplateError(`template: ${name}:1: unexpected EOF`);
  let tail = text.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  if (tail) root.push({ t: 'text', text: tail });
  const only = root.length === 1 ? root[0] : undefined;
  let simpleKey: string | undefined;
  if (only?.t === 'action' && only.pipe.length === 1 && only.pipe[0].args.length === 1) {
    const arg = only.pipe[0].args[0];
    if (arg.t === 'field' && arg.path.length === 1) simpleKey = arg.path[0];
  }
  return { nodes: root, simpleKey };
}

function evalArg(arg: Arg, dot: GoValue, ctx: TemplateContext): GoValue {
  switch (arg.t) {
    case 'dot':
      return dot;
    case 'root':
      return ctx.data;
    case 'field': {
      let value: GoValue = dot;
      for (const key of arg.path) {
        if (!(value instanceof Map)) throw new Error(`can't evaluate field ${key} in type ${typeof value}`);
        value = value.get(key) ?? '';
      }
      return value;
    }
    case 'lit':
      return arg.value;
    case 'pipe':
      return evalPipeline(arg.pipe, dot, ctx);
    default:
      return callFunction(arg.name, [], ctx);
  }
}

function evalPipeline(pipe: Pipeline, dot: GoValue, ctx: TemplateContext): GoValue {
  let piped: GoValue | undefined;
  for (const cmd of pipe) {
    const [first, ...rest] = cmd.args;
    if (first.t === 'fn') {
      const args = rest.map((a) => evalArg(a, dot, ctx));
      if (piped !== undefined) args.push(piped);
      piped = callFunction(first.name, args, ctx);
    } else {
      if (rest.length > 0 || piped !== undefined) throw new Error(`can't give argument to non-function`);
      piped = evalArg(first, dot, ctx);
    }
  }
  return piped ?? null;
}

function run(nodes: Node[], dot: GoValue, ctx: TemplateContext): string {
  let out = '';
  for (const node of nodes) {
    if (node.t === 'text') out += node.text;
    else if (node.t === 'action') out += formatGoValue(evalPipeline(node.pipe, dot, ctx));
    else {
      const value = evalPipeline(node.pipe, dot, ctx);
      if (truth(value)) out += run(node.then, node.t === 'with' ? value : dot, ctx);
      else out += run(node.otherwise, dot, ctx);
    }
  }
  return out;
}

/** Executes a template over the label map; throws an Error with Go's execution message. */
export function executeTemplate(
  template: Template,
  labels: Map<string, GoValue>,
  line: string,
  tsNanos: bigint
): string {
  const ctx: TemplateContext = { data: labels, line, tsNanos };
  return run(template.nodes, labels, ctx);
}

/** Label names a template reads (`.x` fields), as Loki's `RequiredLabelNames` lists them. */
export function templateFields(template: Template): string[] {
  const fields: string[] = [];
  const fromPipe = (pipe: Pipeline): void => {
    for (const cmd of pipe) {
      for (const arg of cmd.args) {
        if (arg.t === 'field') fields.push(arg.path[0]);
        else if (arg.t === 'pipe') fromPipe(arg.pipe);
      }
    }
  };
  const walk = (nodes: Node[]): void => {
    for (const node of nodes) {
      if (node.t === 'action') fromPipe(node.pipe);
      else if (node.t !== 'text') {
        fromPipe(node.pipe);
        walk(node.then);
        walk(node.otherwise);
      }
    }
  };
  walk(template.nodes);
  return [...new Set(fields)];
}
