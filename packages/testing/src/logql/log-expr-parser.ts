/**
 * Log queries in LogQL's grammar: the stream selector and the pipeline's line filters (with
 * `or` chains and `ip()`); other stages are read by stage-parser.ts.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/syntax/expr.y
 */
import type { Expr, LogExpr, Matcher, MatchType, Stage } from './ast';
import { LogqlParseError } from './errors';
import { makeLineFilter, makeMatcher } from './filters';
import type { LineFilterOp, LineFilterTerm } from './filters';
import { patternLineTest } from './pattern';
import { parsePipelineStage } from './stage-parser';
import type { TokenStream } from './token-stream';

const LINE_FILTER_OPS: Readonly<Record<string, LineFilterOp>> = {
  PIPE_EXACT: '|=',
  NEQ: '!=',
  PIPE_MATCH: '|~',
  NRE: '!~',
  PIPE_PATTERN: '|>',
  NPA: '!>',
};

const MATCH_TYPES: Readonly<Record<string, MatchType>> = { EQ: '=', NEQ: '!=', RE: '=~', NRE: '!~' };

export function parseSelector(ts: TokenStream): Matcher[] {
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

export function parseLogExpr(ts: TokenStream): Expr {
  const matchers = parseSelector(ts);
  const stages = parseStages(ts);
  const log: LogExpr = { kind: 'log', matchers, stages };
  if (ts.peek.type === 'RANGE' || (ts.peek.type === 'PIPE' && ts.peekAt(1).type === 'UNWRAP')) ts.fail();
  return log;
}

/** Pipeline stages up to (not including) `| unwrap` or anything that is not a stage. */
export function parseStages(ts: TokenStream): Stage[] {
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
