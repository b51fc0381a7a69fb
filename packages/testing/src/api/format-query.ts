/**
 * `GET|POST /loki/api/v1/format_query`: the query as Loki's `syntax.Prettify` writes it, or 400
 * `{"status":"invalid-query","error":...}` with the LogQL parser's error. Stream selectors with
 * plain line filters are formatted as Loki does (matchers joined with `, `, values quoted as Go
 * quotes them, one line of at most 100 characters, else one filter a line); other valid queries
 * (parsers, metric queries) are returned trimmed but otherwise as given: Loki's full pretty
 * printer is not reproduced.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/loki/format_query_handler.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/syntax/prettier.go
 */
import { goQuote, unquote } from '@otel-loki/push/internal';
import type { HttpAnswer } from '../internal-types';
import { LogqlError, parseLogSelector } from '../logql/logql-selector';
import { LogqlQueryError } from '../logql/errors';
import { parseExpr } from '../logql/parser';
import { jsonAnswer } from './loki-params';

/** `syntax.MaxCharsPerLine`. */
const MAX_CHARS_PER_LINE = 100;
const INDENT = '  ';
const FORMAT_CONTENT_TYPE = 'application/json; charset=utf-8';
const LINE_FILTER = /\s*(\|=|!=|\|~|!~)\s*/y;

function lineFilters(query: string): string[] {
  const filters: string[] = [];
  let i = query.indexOf('}') + 1;
  // Bounded: each pass consumes one filter of a query the selector parser accepted.
  while (i < query.length && query.slice(i).trim() !== '') {
    LINE_FILTER.lastIndex = i;
    const op = LINE_FILTER.exec(query);
    if (!op) break;
    const { value, end } = unquote(query, LINE_FILTER.lastIndex);
    filters.push(`${op[1]} ${goQuote(value)}`);
    i = end;
  }
  return filters;
}

/** Loki's `Prettify` of a selector with line filters. */
export function prettifySelector(query: string): string {
  const { matchers } = parseLogSelector(query);
  const selector = '{' + matchers.map((m) => `${m.name}${m.type}${goQuote(m.value)}`).join(', ') + '}';
  const filters = lineFilters(query);
  const oneLine = [selector, ...filters].join(' ');
  if (filters.length === 0 || oneLine.length <= MAX_CHARS_PER_LINE) return oneLine;
  const chain = filters.join(' ');
  if (chain.length <= MAX_CHARS_PER_LINE) return `${selector}\n${INDENT}${chain}`;
  return [selector, ...filters.map((f) => INDENT + f)].join('\n');
}

/** Answers `format_query`. */
export function handleFormatQuery(params: URLSearchParams): HttpAnswer {
  const query = params.get('query') ?? '';
  let expr;
  try {
    expr = parseExpr(query);
  } catch (err) {
    if (!(err instanceof LogqlQueryError)) throw err;
    return jsonAnswer({ status: 'invalid-query', error: err.message }, 400, FORMAT_CONTENT_TYPE);
  }
  let formatted = query.trim();
  if (expr.kind === 'log' && expr.stages.every((stage) => stage.kind === 'lineFilter')) {
    try {
      formatted = prettifySelector(query);
    } catch (err) {
      // Line filters the selector parser does not print (`or`, `ip()`): the text as given.
      if (!(err instanceof LogqlError)) throw err;
    }
  }
  return jsonAnswer({ status: 'success', data: formatted }, 200, FORMAT_CONTENT_TYPE);
}
