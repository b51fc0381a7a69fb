/**
 * LogQL's grammar (Loki's `syntax/expr.y`) as a recursive-descent parser, with goyacc's error
 * texts (`parse error at line 1, col 25: syntax error: unexpected $end, expecting } or ,`) and
 * Loki's checks after parsing (`parse error : grouping not allowed for sum_over_time aggregation`).
 * Binary operator precedence: `or` < `and`/`unless` < comparisons < `+ -` < `* / %` < `^`.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/syntax/expr.y
 */
import type {
  BinaryOp,
  Expr,
  Grouping,
  LogExpr,
  LogRange,
  Matcher,
  MatchType,
  RangeOp,
  SampleExpr,
  Stage,
  Unwrap,
  VectorMatching,
  VectorOp,
} from './ast';
import { LOGICAL_OPS } from './ast';
import { LogqlParseError, LogqlQueryError } from './errors';
import { makeLineFilter, makeMatcher, regexOrThrow } from './filters';
import type { LineFilterOp, LineFilterTerm } from './filters';
import { describeToken, tokenize } from './lexer';
import type { Token } from './lexer';
import { parsePipelineStage, parseLabelFilterExpr } from './stage-parser';
import { patternLineTest } from './pattern';
import { goParseFloat } from './units';

/** Loki's `maxInputSize`. */
const MAX_INPUT_SIZE = 131072;
const EMPTY_COMPATIBLE =
  'queries require at least one regexp or equality matcher that does not have an empty-compatible value. ' +
  'For instance, app=~".*" does not meet this requirement, but app=~".+" will';

const RANGE_OPS: Readonly<Record<string, RangeOp>> = {
  COUNT_OVER_TIME: 'count_over_time',
  RATE: 'rate',
  RATE_COUNTER: 'rate_counter',
  BYTES_OVER_TIME: 'bytes_over_time',
  BYTES_RATE: 'bytes_rate',
  AVG_OVER_TIME: 'avg_over_time',
  SUM_OVER_TIME: 'sum_over_time',
  MIN_OVER_TIME: 'min_over_time',
  MAX_OVER_TIME: 'max_over_time',
  STDVAR_OVER_TIME: 'stdvar_over_time',
  STDDEV_OVER_TIME: 'stddev_over_time',
  QUANTILE_OVER_TIME: 'quantile_over_time',
  FIRST_OVER_TIME: 'first_over_time',
  LAST_OVER_TIME: 'last_over_time',
  ABSENT_OVER_TIME: 'absent_over_time',
};

const VECTOR_OPS: Readonly<Record<string, VectorOp>> = {
  SUM: 'sum',
  AVG: 'avg',
  MIN: 'min',
  MAX: 'max',
  COUNT: 'count',
  STDDEV: 'stddev',
  STDVAR: 'stdvar',
  TOPK: 'topk',
  BOTTOMK: 'bottomk',
  SORT: 'sort',
  SORT_DESC: 'sort_desc',
};

const BINARY: Readonly<Record<string, { op: BinaryOp; precedence: number }>> = {
  OR: { op: 'or', precedence: 1 },
  AND: { op: 'and', precedence: 2 },
  UNLESS: { op: 'unless', precedence: 2 },
  CMP_EQ: { op: '==', precedence: 3 },
  NEQ: { op: '!=', precedence: 3 },
  GT: { op: '>', precedence: 3 },
  GTE: { op: '>=', precedence: 3 },
  LT: { op: '<', precedence: 3 },
  LTE: { op: '<=', precedence: 3 },
  ADD: { op: '+', precedence: 4 },
  SUB: { op: '-', precedence: 4 },
  MUL: { op: '*', precedence: 5 },
  DIV: { op: '/', precedence: 5 },
  MOD: { op: '%', precedence: 5 },
  POW: { op: '^', precedence: 6 },
};

const LINE_FILTER_OPS: Readonly<Record<string, LineFilterOp>> = {
  PIPE_EXACT: '|=',
  NEQ: '!=',
  PIPE_MATCH: '|~',
  NRE: '!~',
  PIPE_PATTERN: '|>',
  NPA: '!>',
};

const MATCH_TYPES: Readonly<Record<string, MatchType>> = { EQ: '=', NEQ: '!=', RE: '=~', NRE: '!~' };

/** Token cursor shared by the expression and stage parsers. */
export class TokenStream {
  private _at = 0;
  /** The first error of a construct that parsed (Loki reports it only once the whole query parses). */
  deferred?: LogqlParseError;
  execution?: LogqlQueryError;

  constructor(
    readonly input: string,
    private readonly _tokens: Token[]
  ) {}

  get peek(): Token {
    return this._tokens[this._at];
  }

  peekAt(offset: number): Token {
    return this._tokens[Math.min(this._at + offset, this._tokens.length - 1)];
  }

  next(): Token {
    const token = this._tokens[this._at];
    if (this._at < this._tokens.length - 1) this._at++;
    return token;
  }

  accept(type: string): Token | undefined {
    return this.peek.type === type ? this.next() : undefined;
  }

  expect(type: string, expecting?: string): Token {
    if (this.peek.type !== type) this.fail(expecting);
    return this.next();
  }

  /** goyacc's `syntax error: unexpected X[, expecting A or B]` at the current token. */
  fail(expecting?: string): never {
    const found = describeToken(this.peek);
    const message = `syntax error: unexpected ${found}${expecting ? `, expecting ${expecting}` : ''}`;
    throw LogqlParseError.at(this.input, this.peek.index, message);
  }

  defer(message: string): void {
    this.deferred ??= new LogqlParseError(message);
  }

  /** An error Loki meets only when it builds the pipeline, after parsing and validation (500, plain text). */
  deferToExecution(message: string): void {
    this.execution ??= new LogqlQueryError(message, 500);
  }
}

/** Parses a LogQL query into its syntax tree, or throws Loki's error. */
export function parseExpr(input: string): Expr {
  if (input.length >= MAX_INPUT_SIZE) {
    throw new LogqlParseError(`input size too long (${input.length} > ${MAX_INPUT_SIZE})`);
  }
  const ts = new TokenStream(input, tokenize(input));
  const expr = parseBinary(ts, 1);
  if (ts.peek.type !== 'EOF') ts.fail();
  if (ts.deferred) throw ts.deferred;
  validate(expr);
  if (ts.execution) throw ts.execution;
  return expr;
}

function validate(expr: Expr): void {
  switch (expr.kind) {
    case 'log':
      if (!expr.matchers.some((m) => !m.matches(''))) throw new LogqlParseError(EMPTY_COMPATIBLE);
      return;
    case 'range':
      validate(expr.range.selector);
      return;
    case 'vectorAgg':
      if ((expr.op === 'sort' || expr.op === 'sort_desc') && expr.grouping && expr.grouping.labels.length > 0) {
        throw new LogqlParseError("sort and sort_desc doesn't allow grouping by ");
      }
      validate(expr.inner);
      return;
    case 'labelReplace':
      validate(expr.inner);
      return;
    case 'binary':
      validate(expr.left);
      validate(expr.right);
      return;
    default:
      return;
  }
}

/** The current token type, read without TypeScript's narrowing from earlier comparisons. */
function peekType(ts: TokenStream): string {
  return ts.peek.type;
}

function isSample(expr: Expr): expr is SampleExpr {
  return expr.kind !== 'log';
}

function parseBinary(ts: TokenStream, minPrecedence: number): Expr {
  let left = parseUnary(ts);
  // Bounded: every pass consumes an operator and its right operand.
  for (;;) {
    const info = BINARY[ts.peek.type];
    if (!info || info.precedence < minPrecedence) break;
    ts.next();
    const modifier = parseBinOpModifier(ts);
    const right = parseBinary(ts, info.op === '^' ? info.precedence : info.precedence + 1);
    left = makeBinary(ts, info.op, modifier, left, right);
  }
  return left;
}

interface Modifier {
  returnBool: boolean;
  matching: VectorMatching;
}

function parseLabelList(ts: TokenStream): string[] {
  ts.expect('OPEN_PARENTHESIS');
  const labels: string[] = [];
  if (ts.accept('CLOSE_PARENTHESIS')) return labels;
  // Bounded: every pass consumes a label.
  for (;;) {
    labels.push(ts.expect('IDENTIFIER').str);
    if (ts.accept('CLOSE_PARENTHESIS')) return labels;
    ts.expect('COMMA', ', or )');
  }
}

function parseBinOpModifier(ts: TokenStream): Modifier {
  const modifier: Modifier = {
    returnBool: ts.accept('BOOL') !== undefined,
    matching: { on: false, labels: [], card: 'one-to-one', include: [] },
  };
  if (ts.peek.type === 'ON' || ts.peek.type === 'IGNORING') {
    modifier.matching.on = ts.next().type === 'ON';
    modifier.matching.labels = parseLabelList(ts);
    const group = peekType(ts);
    if (group === 'GROUP_LEFT' || group === 'GROUP_RIGHT') {
      modifier.matching.card = ts.next().type === 'GROUP_LEFT' ? 'many-to-one' : 'one-to-many';
      if (peekType(ts) === 'OPEN_PARENTHESIS') modifier.matching.include = parseLabelList(ts);
    }
  }
  return modifier;
}

/** The Go type Loki names for a log query in a binary operation. */
function goTypeOf(expr: LogExpr): string {
  return expr.stages.length > 0 ? '*syntax.PipelineExpr' : '*syntax.MatchersExpr';
}

function goFloatString(value: number): string {
  return value.toFixed(6);
}

function makeBinary(ts: TokenStream, op: BinaryOp, modifier: Modifier, left: Expr, right: Expr): Expr {
  if (!isSample(left)) {
    ts.defer(`unexpected type for left leg of binary operation (${op}): ${goTypeOf(left)}`);
    return { kind: 'literal', value: 0 };
  }
  if (!isSample(right)) {
    ts.defer(`unexpected type for right leg of binary operation (${op}): ${goTypeOf(right)}`);
    return { kind: 'literal', value: 0 };
  }
  if (LOGICAL_OPS.has(op)) {
    if (left.kind === 'literal') {
      ts.defer(`unexpected literal for left leg of logical/set binary operation (${op}): ${goFloatString(left.value)}`);
    } else if (right.kind === 'literal') {
      ts.defer(
        `unexpected literal for right leg of logical/set binary operation (${op}): ${goFloatString(right.value)}`
      );
    }
  }
  if (left.kind === 'literal' && right.kind === 'literal') {
    return { kind: 'literal', value: foldLiterals(op, left.value, right.value, modifier.returnBool) };
  }
  return { kind: 'binary', op, left, right, returnBool: modifier.returnBool, matching: modifier.matching };
}

/** `reduceBinOp`: literal-literal operations fold at parse time. */
function foldLiterals(op: BinaryOp, a: number, b: number, returnBool: boolean): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? (a === 0 || Number.isNaN(a) ? NaN : a > 0 ? Infinity : -Infinity) : a / b;
    case '%':
      return a % b;
    case '^':
      return Math.pow(a, b);
    default: {
      const holds =
        op === '=='
          ? a === b
          : op === '!='
            ? a !== b
            : op === '>'
              ? a > b
              : op === '>='
                ? a >= b
                : op === '<'
                  ? a < b
                  : a <= b;
      if (returnBool) return holds ? 1 : 0;
      return holds ? a : NaN;
    }
  }
}

function parseNumberText(ts: TokenStream, text: string, negative: boolean, what: string): number {
  const parsed = goParseFloat(text);
  if ('error' in parsed) {
    ts.defer(`${what}: ${parsed.error}`);
    return 0;
  }
  return negative ? -parsed.value : parsed.value;
}

function parseUnary(ts: TokenStream): Expr {
  const token = ts.peek;
  switch (token.type) {
    case 'NUMBER':
      ts.next();
      return { kind: 'literal', value: parseNumberText(ts, token.str, false, 'unable to parse literal as a float') };
    case 'ADD':
    case 'SUB': {
      ts.next();
      const number = ts.expect('NUMBER');
      return {
        kind: 'literal',
        value: parseNumberText(ts, number.str, token.type === 'SUB', 'unable to parse literal as a float'),
      };
    }
    case 'OPEN_BRACE':
      return parseLogExpr(ts);
    case 'OPEN_PARENTHESIS': {
      ts.next();
      const inner = parseBinary(ts, 1);
      ts.expect('CLOSE_PARENTHESIS');
      return inner;
    }
    case 'VECTOR': {
      ts.next();
      ts.expect('OPEN_PARENTHESIS');
      const number = ts.expect('NUMBER');
      ts.expect('CLOSE_PARENTHESIS');
      return { kind: 'vector', value: parseNumberText(ts, number.str, false, 'unable to parse vectorExpr as a float') };
    }
    case 'LABEL_REPLACE':
      return parseLabelReplace(ts);
    default:
      if (RANGE_OPS[token.type] !== undefined) return parseRangeAggregation(ts);
      if (VECTOR_OPS[token.type] !== undefined) return parseVectorAggregation(ts);
      return ts.fail();
  }
}

function parseLabelReplace(ts: TokenStream): SampleExpr {
  ts.next();
  ts.expect('OPEN_PARENTHESIS');
  const inner = parseMetric(ts);
  const strings: string[] = [];
  for (let n = 0; n < 4; n++) {
    ts.expect('COMMA');
    strings.push(ts.expect('STRING').str);
  }
  ts.expect('CLOSE_PARENTHESIS');
  const [dst, replacement, src, source] = strings;
  let regex: RegExp = /$^/;
  try {
    regex = regexOrThrow(source, true, true);
  } catch (err) {
    ts.defer(
      `invalid regex in label_replace: ${(err as Error).message.replace(/^parse error : (error parsing regexp: )?/, 'error parsing regexp: ')}`
    );
  }
  return { kind: 'labelReplace', inner, dst, replacement, src, regex };
}

/** A metric expression inside a function: a log query there is a syntax error at the next token. */
function parseMetric(ts: TokenStream): SampleExpr {
  const expr = parseBinary(ts, 1);
  if (!isSample(expr)) ts.fail();
  return expr;
}

function parseGrouping(ts: TokenStream): Grouping | undefined {
  if (ts.peek.type !== 'BY' && ts.peek.type !== 'WITHOUT') return undefined;
  const without = ts.next().type === 'WITHOUT';
  return { without, labels: parseLabelList(ts) };
}

function parseVectorAggregation(ts: TokenStream): SampleExpr {
  const op = VECTOR_OPS[ts.next().type];
  let grouping = parseGrouping(ts);
  ts.expect('OPEN_PARENTHESIS');
  let paramText: string | undefined;
  if (ts.peek.type === 'NUMBER' && ts.peekAt(1).type === 'COMMA') {
    paramText = ts.next().str;
    ts.next();
  }
  const inner = parseMetric(ts);
  ts.expect('CLOSE_PARENTHESIS');
  if (grouping === undefined) grouping = parseGrouping(ts);
  let param: number | undefined;
  if (op === 'topk' || op === 'bottomk') {
    if (paramText === undefined) ts.defer(`parameter required for operation ${op}`);
    else if (!/^[+-]?\d+$/.test(paramText)) ts.defer(`invalid parameter ${op}(${paramText},`);
    else if (Number(paramText) <= 0) ts.defer(`invalid parameter (must be greater than 0) ${op}(${paramText}`);
    else param = Number(paramText);
  } else if (paramText !== undefined) {
    ts.defer(`unsupported parameter for operation ${op}(${paramText},`);
  }
  return { kind: 'vectorAgg', op, inner, grouping: grouping ?? { without: false, labels: [] }, param };
}

const GROUPING_ALLOWED = new Set<RangeOp>([
  'avg_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'quantile_over_time',
  'max_over_time',
  'min_over_time',
  'first_over_time',
  'last_over_time',
]);
const UNWRAP_ALLOWED = new Set<RangeOp>([
  'avg_over_time',
  'sum_over_time',
  'max_over_time',
  'min_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'quantile_over_time',
  'rate',
  'rate_counter',
  'absent_over_time',
  'first_over_time',
  'last_over_time',
]);
const WITHOUT_UNWRAP = new Set<RangeOp>([
  'bytes_over_time',
  'bytes_rate',
  'count_over_time',
  'rate',
  'absent_over_time',
]);

function parseRangeAggregation(ts: TokenStream): SampleExpr {
  const op = RANGE_OPS[ts.next().type];
  ts.expect('OPEN_PARENTHESIS');
  let paramText: string | undefined;
  if (ts.peek.type === 'NUMBER') {
    paramText = ts.next().str;
    ts.expect('COMMA');
  }
  const range = parseLogRange(ts);
  ts.expect('CLOSE_PARENTHESIS');
  const grouping = parseGrouping(ts);
  let param: number | undefined;
  if (paramText !== undefined) {
    if (op !== 'quantile_over_time') ts.defer(`parameter ${paramText} not supported for operation ${op}`);
    else {
      const parsed = goParseFloat(paramText);
      if ('error' in parsed) ts.defer(`invalid parameter for operation ${op}: ${parsed.error}`);
      else param = parsed.value;
    }
  } else if (op === 'quantile_over_time') {
    ts.defer(`parameter required for operation ${op}`);
  }
  if (grouping && !GROUPING_ALLOWED.has(op)) ts.defer(`grouping not allowed for ${op} aggregation`);
  else if (range.unwrap && !UNWRAP_ALLOWED.has(op)) ts.defer(`invalid aggregation ${op} with unwrap`);
  else if (!range.unwrap && !WITHOUT_UNWRAP.has(op)) ts.defer(`invalid aggregation ${op} without unwrap`);
  return { kind: 'range', op, range, grouping, param };
}

/** `logRangeExpr`: a selector, a pipeline, an unwrap, a range and an offset in any order the grammar allows. */
function parseLogRange(ts: TokenStream): LogRange {
  if (ts.peek.type === 'OPEN_PARENTHESIS') {
    ts.next();
    const inner = parseLogRangeParts(ts, true);
    ts.expect('CLOSE_PARENTHESIS');
    if (inner.rangeNanos < 0) {
      inner.rangeNanos = ts.expect('RANGE').num;
      inner.offsetNanos = parseOffset(ts);
    }
    return inner;
  }
  return parseLogRangeParts(ts, false);
}

function parseOffset(ts: TokenStream): number {
  if (!ts.accept('OFFSET')) return 0;
  return ts.expect('DURATION').num;
}

function parseLogRangeParts(ts: TokenStream, parenthesized: boolean): LogRange {
  if (ts.peek.type === 'OPEN_PARENTHESIS') {
    const inner = parseLogRange(ts);
    return inner;
  }
  const selector = parseSelector(ts);
  let stages = parseStages(ts);
  let unwrap = parseUnwrap(ts);
  if (parenthesized && ts.peek.type === 'CLOSE_PARENTHESIS') {
    return { selector: { kind: 'log', matchers: selector, stages }, rangeNanos: -1, offsetNanos: 0, unwrap };
  }
  const rangeNanos = ts.expect('RANGE').num;
  const offsetNanos = parseOffset(ts);
  if (stages.length === 0 && unwrap === undefined) {
    stages = parseStages(ts);
    unwrap = parseUnwrap(ts);
  }
  return { selector: { kind: 'log', matchers: selector, stages }, rangeNanos, offsetNanos, unwrap };
}

function parseUnwrap(ts: TokenStream): Unwrap | undefined {
  if (ts.peek.type !== 'PIPE' || ts.peekAt(1).type !== 'UNWRAP') return undefined;
  ts.next();
  ts.next();
  let conversion: Unwrap['conversion'] = '';
  let label: string;
  const conv = peekType(ts);
  if (conv === 'BYTES_CONV' || conv === 'DURATION_CONV' || conv === 'DURATION_SECONDS_CONV') {
    ts.next();
    conversion = conv === 'BYTES_CONV' ? 'bytes' : conv === 'DURATION_CONV' ? 'duration' : 'duration_seconds';
    ts.expect('OPEN_PARENTHESIS');
    label = ts.expect('IDENTIFIER').str;
    ts.expect('CLOSE_PARENTHESIS');
  } else {
    label = ts.expect('IDENTIFIER').str;
  }
  const postFilters = [];
  while (ts.peek.type === 'PIPE') {
    ts.next();
    postFilters.push(parseLabelFilterExpr(ts));
  }
  return { label, conversion, postFilters };
}

function parseSelector(ts: TokenStream): Matcher[] {
  ts.expect('OPEN_BRACE');
  const matchers: Matcher[] = [];
  if (ts.accept('CLOSE_BRACE')) return matchers;
  // Bounded: every pass consumes a matcher.
  for (;;) {
    if (ts.peek.type !== 'IDENTIFIER') ts.fail(matchers.length === 0 ? 'IDENTIFIER or }' : 'IDENTIFIER');
    matchers.push(parseMatcher(ts));
    if (ts.accept('CLOSE_BRACE')) return matchers;
    ts.expect('COMMA', '} or ,');
  }
}

/** `IDENTIFIER (= | != | =~ | !~) STRING`. */
export function parseMatcher(ts: TokenStream, labelFilter = false): Matcher {
  const name = ts.expect('IDENTIFIER').str;
  const type = MATCH_TYPES[ts.peek.type];
  if (type === undefined) ts.fail('= or =~ or !~ or !=');
  ts.next();
  // In a selector only a string can follow; in a label filter, numbers, durations, ... too.
  const value = ts.expect('STRING', labelFilter ? undefined : 'STRING').str;
  // mustNewMatcher panics: a bad regex stops parsing at once.
  const matcher = makeMatcher(name, type, value);
  return labelFilter ? makeMatcher(name, type, value, false) : matcher;
}

function parseLogExpr(ts: TokenStream): Expr {
  const matchers = parseSelector(ts);
  const stages = parseStages(ts);
  const log: LogExpr = { kind: 'log', matchers, stages };
  if (ts.peek.type === 'RANGE' || (ts.peek.type === 'PIPE' && ts.peekAt(1).type === 'UNWRAP')) ts.fail();
  return log;
}

/** Pipeline stages up to (not including) `| unwrap` or anything that is not a stage. */
function parseStages(ts: TokenStream): Stage[] {
  const stages: Stage[] = [];
  // Bounded: every pass consumes a stage.
  for (;;) {
    const op = LINE_FILTER_OPS[ts.peek.type];
    if (op !== undefined) {
      ts.next();
      stages.push(parseLineFilter(ts, op));
      continue;
    }
    if (ts.peek.type === 'PIPE' && ts.peekAt(1).type !== 'UNWRAP') {
      ts.next();
      stages.push(parsePipelineStage(ts));
      continue;
    }
    return stages;
  }
}

function parseFilterTerm(ts: TokenStream, expecting?: string): LineFilterTerm {
  if (ts.peek.type === 'IP') {
    ts.next();
    ts.expect('OPEN_PARENTHESIS');
    const value = ts.expect('STRING').str;
    ts.expect('CLOSE_PARENTHESIS');
    return { value, ip: true };
  }
  return { value: ts.expect('STRING', expecting).str, ip: false };
}

function parseLineFilter(ts: TokenStream, op: LineFilterOp): Stage {
  const terms = [parseFilterTerm(ts, 'STRING or ip')];
  while (ts.peek.type === 'OR') {
    ts.next();
    terms.push(parseFilterTerm(ts));
  }
  try {
    return makeLineFilter(op, terms, patternLineTest);
  } catch (err) {
    if (!(err instanceof LogqlParseError)) throw err;
    // Loki compiles line filters when it builds the pipeline: Go's error, as a server error.
    const message = err.message.replace(/^parse error : /, '');
    if (message.startsWith('error parsing regexp:')) ts.deferToExecution(message);
    else ts.defer(message);
    return { kind: 'lineFilter', test: () => false };
  }
}
