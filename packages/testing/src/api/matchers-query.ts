/**
 * The `query` parameter of Loki's index endpoints: label matchers only
 * (`syntax.ParseMatchers(query, true)`), refusing pipelines with Loki's error.
 */
import { LogqlError, parseLogSelector } from '../logql-selector';
import type { LogSelector } from '../logql-selector';
import { BadRequest } from './loki-params';

/** `logqlmodel.ErrParseMatchers`. */
const ONLY_MATCHERS = 'only label matchers are supported';

/** Parses a selector without line filters; LogQL errors become 400s with Loki's text. */
export function parseMatchersQuery(query: string): LogSelector {
  let selector: LogSelector;
  try {
    selector = parseLogSelector(query);
  } catch (err) {
    if (err instanceof LogqlError) throw new BadRequest(err.message);
    throw err;
  }
  if (selector.lineFilters.length > 0) throw new BadRequest(ONLY_MATCHERS);
  return selector;
}

/** Parses a log query (selector and line filters); LogQL errors become 400s. */
export function parseLogQuery(query: string): LogSelector {
  try {
    return parseLogSelector(query);
  } catch (err) {
    if (err instanceof LogqlError) throw new BadRequest(err.message);
    throw err;
  }
}
