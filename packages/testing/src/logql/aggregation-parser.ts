/**
 * The metric functions of LogQL's grammar: range aggregations over log ranges (with `unwrap`
 * and `offset`), vector aggregations and `label_replace`, with Loki's checks of their
 * parameters and groupings.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/syntax/expr.y
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/syntax/ast.go
 */
import type { Grouping, LogRange, RangeOp, SampleExpr, Unwrap, VectorOp } from './ast';
import { regexOrThrow } from './filters';
import { parseSelector, parseStages } from './log-expr-parser';
import { parseMetric } from './parser';
import { parseLabelFilterExpr } from './stage-parser';
import { parseLabelList, peekType } from './token-stream';
import type { TokenStream } from './token-stream';
import { goParseFloat } from './units';

export const RANGE_OPS: Readonly<Record<string, RangeOp>> = {
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

export const VECTOR_OPS: Readonly<Record<string, VectorOp>> = {
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

export function parseLabelReplace(ts: TokenStream): SampleExpr {
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
    regex = regexOrThrow(source, true);
  } catch (err) {
    ts.defer(
      `invalid regex in label_replace: ${(err as Error).message.replace(/^parse error : (error parsing regexp: )?/, 'error parsing regexp: ')}`
    );
  }
  return { kind: 'labelReplace', inner, dst, replacement, src, regex };
}

function parseGrouping(ts: TokenStream): Grouping | undefined {
  if (ts.peek.type !== 'BY' && ts.peek.type !== 'WITHOUT') return undefined;
  const without = ts.next().type === 'WITHOUT';
  return { without, labels: parseLabelList(ts) };
}

export function parseVectorAggregation(ts: TokenStream): SampleExpr {
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

export function parseRangeAggregation(ts: TokenStream): SampleExpr {
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
