/**
 * The pipeline stages of LogQL's grammar after a `|`: parsers, label filters (`and`, `or`, `,`
 * and juxtaposition, with goyacc's resolution of their precedence), formats, `drop`, `keep`.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/syntax/expr.y
 */
import type { CompareOp, Extraction, LabelFilterNode, LabelFormatItem, LabelSelectorItem, Stage } from './ast';
import { LogqlParseError } from './errors';
import { ipMatcher } from './ip';
import { parseMatcher } from './log-expr-parser';
import type { TokenStream } from './token-stream';
import { compilePattern } from './pattern';
import { captureNames } from './re2';
import { regexOrThrow } from './filters';
import { parseTemplate } from './template';
import { goParseFloat } from './units';

const COMPARE: Readonly<Record<string, CompareOp>> = {
  EQ: '==',
  CMP_EQ: '==',
  NEQ: '!=',
  GT: '>',
  GTE: '>=',
  LT: '<',
  LTE: '<=',
};

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseExtractions(ts: TokenStream): Extraction[] | undefined {
  if (ts.peek.type !== 'IDENTIFIER') return undefined;
  const list: Extraction[] = [];
  // Bounded: every pass consumes an extraction.
  for (;;) {
    const name = ts.expect('IDENTIFIER').str;
    let expression = name;
    if (ts.accept('EQ')) expression = ts.expect('STRING').str;
    list.push({ name, expression });
    if (!ts.accept('COMMA')) return list;
  }
}

function parseSelectorItems(ts: TokenStream): LabelSelectorItem[] {
  const items: LabelSelectorItem[] = [];
  // Bounded: every pass consumes an item.
  for (;;) {
    const next = ts.peekAt(1).type;
    if (next === 'EQ' || next === 'NEQ' || next === 'RE' || next === 'NRE') {
      const matcher = parseMatcher(ts);
      items.push({ name: matcher.name, matcher });
    } else {
      items.push({ name: ts.expect('IDENTIFIER').str });
    }
    if (!ts.accept('COMMA')) return items;
  }
}

function parseLabelFormat(ts: TokenStream): LabelFormatItem[] {
  const items: LabelFormatItem[] = [];
  const seen = new Set<string>();
  // Bounded: every pass consumes an item.
  for (;;) {
    const name = ts.expect('IDENTIFIER').str;
    ts.expect('EQ');
    const value = ts.peek;
    if (value.type !== 'IDENTIFIER' && value.type !== 'STRING') ts.fail();
    ts.next();
    if (value.type === 'IDENTIFIER') items.push({ name, rename: value.str });
    else items.push({ name, template: value.str });
    if (!ts.accept('COMMA')) break;
  }
  // Checked when Loki builds the stage (log.NewLabelsFormatter), after parsing.
  for (const item of items) {
    if (item.name === '__error__') ts.deferToExecution('__error__ cannot be formatted');
    if (seen.has(item.name)) {
      ts.deferToExecution(`multiple label name '${item.name}' not allowed in a single format operation`);
    }
    seen.add(item.name);
  }
  for (const item of items) {
    if (item.template === undefined) continue;
    try {
      parseTemplate(item.template, 'label');
    } catch (err) {
      ts.deferToExecution(`invalid template for label '${item.name}': ${(err as Error).message}`);
    }
  }
  return items;
}

function validateLineTemplate(ts: TokenStream, text: string): void {
  try {
    parseTemplate(text, 'line');
  } catch (err) {
    ts.deferToExecution(`invalid line template: ${(err as Error).message}`);
  }
}

/** One stage after its `|`. */
export function parsePipelineStage(ts: TokenStream): Stage {
  const token = ts.peek;
  switch (token.type) {
    case 'JSON':
      ts.next();
      return { kind: 'json', extractions: parseExtractions(ts) };
    case 'LOGFMT': {
      ts.next();
      const flags = new Set<string>();
      while (ts.peek.type === 'PARSER_FLAG') flags.add(ts.next().str);
      return {
        kind: 'logfmt',
        strict: flags.has('--strict'),
        keepEmpty: flags.has('--keep-empty'),
        extractions: parseExtractions(ts),
      };
    }
    case 'REGEXP': {
      ts.next();
      const source = ts.expect('STRING').str;
      validateRegexpParser(source);
      return { kind: 'regexp', source };
    }
    case 'PATTERN': {
      ts.next();
      const source = ts.expect('STRING').str;
      try {
        compilePattern(source);
      } catch (err) {
        throw new LogqlParseError(`invalid pattern parser: ${(err as Error).message}`);
      }
      return { kind: 'pattern', source };
    }
    case 'UNPACK':
      ts.next();
      return { kind: 'unpack' };
    case 'LINE_FMT': {
      ts.next();
      const template = ts.expect('STRING').str;
      validateLineTemplate(ts, template);
      return { kind: 'lineFormat', template };
    }
    case 'LABEL_FMT':
      ts.next();
      return { kind: 'labelFormat', items: parseLabelFormat(ts) };
    case 'DECOLORIZE':
      ts.next();
      return { kind: 'decolorize' };
    case 'DROP':
      ts.next();
      return { kind: 'drop', items: parseSelectorItems(ts) };
    case 'KEEP':
      ts.next();
      return { kind: 'keep', items: parseSelectorItems(ts) };
    default:
      return { kind: 'labelFilter', filter: parseLabelFilterExpr(ts) };
  }
}

function validateRegexpParser(source: string): void {
  try {
    regexOrThrow(source, false);
  } catch (err) {
    throw new LogqlParseError(
      `invalid regexp parser: ${(err as Error).message.replace(/^parse error : error parsing regexp: /, 'error parsing regexp: ')}`
    );
  }
  const names = captureNames(source);
  if (names.length === 0 || names.every((n) => n === '')) {
    throw new LogqlParseError('invalid regexp parser: at least one named capture must be supplied');
  }
  const seen = new Set<string>();
  for (const name of names.filter((n) => n !== '')) {
    if (!LABEL_NAME.test(name))
      throw new LogqlParseError(`invalid regexp parser: invalid extracted label name '${name}'`);
    if (seen.has(name)) throw new LogqlParseError(`invalid regexp parser: duplicate extracted label name '${name}'`);
    seen.add(name);
  }
}

/**
 * A label filter expression. goyacc resolves `and` above `or`, while `,` and juxtaposition have
 * no precedence and always shift: `a, b or c` is `a, (b or c)`, `a and b or c` is `(a and b) or c`.
 */
export function parseLabelFilterExpr(ts: TokenStream): LabelFilterNode {
  let left = parseAndChain(ts);
  while (ts.peek.type === 'OR') {
    ts.next();
    left = { type: 'or', left, right: parseAndChain(ts) };
  }
  return left;
}

function parseAndChain(ts: TokenStream): LabelFilterNode {
  let left = parseFilterPrimary(ts);
  // Bounded: every pass consumes a filter.
  for (;;) {
    if (ts.peek.type === 'AND') {
      ts.next();
      left = { type: 'and', left, right: parseFilterPrimary(ts) };
      continue;
    }
    if (ts.peek.type === 'COMMA') {
      ts.next();
      return { type: 'and', left, right: parseLabelFilterExpr(ts) };
    }
    if (ts.peek.type === 'IDENTIFIER' || ts.peek.type === 'OPEN_PARENTHESIS') {
      return { type: 'and', left, right: parseLabelFilterExpr(ts) };
    }
    return left;
  }
}

function parseFilterPrimary(ts: TokenStream): LabelFilterNode {
  if (ts.accept('OPEN_PARENTHESIS')) {
    const inner = parseLabelFilterExpr(ts);
    ts.expect('CLOSE_PARENTHESIS');
    return inner;
  }
  if (ts.peek.type !== 'IDENTIFIER') ts.fail();
  const opType = ts.peekAt(1).type;
  const valueType = ts.peekAt(2).type;
  if ((opType === 'EQ' || opType === 'NEQ' || opType === 'RE' || opType === 'NRE') && valueType === 'STRING') {
    return { type: 'matcher', matcher: parseMatcher(ts, true) };
  }
  const name = ts.next().str;
  const op = COMPARE[ts.peek.type];
  if (op === undefined) ts.fail();
  ts.next();
  const value = ts.peek;
  if ((op === '==' || op === '!=') && opType !== 'CMP_EQ' && value.type === 'IP') {
    ts.next();
    ts.expect('OPEN_PARENTHESIS');
    const cidr = ts.expect('STRING').str;
    ts.expect('CLOSE_PARENTHESIS');
    ipMatcher(cidr);
    return { type: 'ip', name, negate: op === '!=', cidr };
  }
  if (value.type === 'DURATION' || value.type === 'BYTES') {
    ts.next();
    return { type: value.type === 'DURATION' ? 'duration' : 'bytes', name, op, value: value.num };
  }
  let sign = 1;
  if (value.type === 'ADD' || value.type === 'SUB') {
    sign = ts.next().type === 'SUB' ? -1 : 1;
  }
  const number = ts.expect('NUMBER');
  const parsed = goParseFloat(number.str);
  if ('error' in parsed) throw new LogqlParseError(`unable to parse literal as a float: ${parsed.error}`);
  return { type: 'number', name, op, value: sign * parsed.value };
}
