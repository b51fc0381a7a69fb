/**
 * The `query` parameter of Loki's index and detected-fields endpoints, parsed with the LogQL
 * engine's parser so that errors read as Loki's: label matchers only for the index endpoints
 * (`syntax.ParseMatchers(query, true)`), a log query for `detected_fields`
 * (`syntax.ParseLogSelector(query, true)`).
 */
import type { LogSelector } from '../logql/logql-selector';
import type { LogExpr } from '../logql/ast';
import { LogqlQueryError } from '../logql/errors';
import { parseExpr } from '../logql/parser';
import { BadRequest } from './loki-params';

/** `logqlmodel.ErrParseMatchers`. */
const ONLY_MATCHERS = 'only label matchers are supported';
/** `ParseLogSelector`'s refusal of a metric query. */
const ONLY_LOG_SELECTOR = 'only log selector is supported';

function parse(query: string): ReturnType<typeof parseExpr> {
  try {
    return parseExpr(query);
  } catch (err) {
    if (err instanceof LogqlQueryError) throw new BadRequest(err.message);
    throw err;
  }
}

/** Parses a selector without a pipeline; errors become 400s with Loki's text. */
export function parseMatchersQuery(query: string): LogSelector {
  const expr = parse(query);
  if (expr.kind !== 'log' || expr.stages.length > 0) throw new BadRequest(ONLY_MATCHERS);
  return { matchers: expr.matchers, lineFilters: [] };
}

/** Parses a log query (a selector and any pipeline); errors become 400s with Loki's text. */
export function parseLogQuery(query: string): LogExpr {
  const expr = parse(query);
  if (expr.kind !== 'log') throw new BadRequest(ONLY_LOG_SELECTOR);
  return expr;
}
