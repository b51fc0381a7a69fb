/**
 * LogQL's grammar (Loki's `syntax/expr.y`) as a recursive-descent parser, with goyacc's error
 * texts (`parse error at line 1, col 25: syntax error: unexpected $end, expecting } or ,`) and
 * Loki's checks after parsing (`parse error : grouping not allowed for sum_over_time aggregation`).
 * Binary operator precedence: `or` < `and`/`unless` < comparisons < `+ -` < `* / %` < `^`.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/syntax/expr.y
 */
import type { BinaryOp, Expr, LogExpr, SampleExpr, VectorMatching } from './ast';
import { LOGICAL_OPS } from './ast';
import {
  parseLabelReplace,
  parseRangeAggregation,
  parseVectorAggregation,
  RANGE_OPS,
  VECTOR_OPS,
} from './aggregation-parser';
import { LogqlParseError } from './errors';
import { tokenize } from './lexer';
import { parseLogExpr } from './log-expr-parser';
import { parseLabelList, peekType, TokenStream } from './token-stream';
import { goParseFloat } from './units';

/** Loki's `maxInputSize`. */
const MAX_INPUT_SIZE = 131072;
const EMPTY_COMPATIBLE =
  'queries require at least one regexp or equality matcher that does not have an empty-compatible value. ' +
  'For instance, app=~".*" does not meet this requirement, but app=~".+" will';

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

/** A metric expression inside a function: a log query there is a syntax error at the next token. */
export function parseMetric(ts: TokenStream): SampleExpr {
  const expr = parseBinary(ts, 1);
  if (!isSample(expr)) ts.fail();
  return expr;
}
