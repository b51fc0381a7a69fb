/**
 * `GET|POST /loki/api/v1/format_query`: the query as Loki's `syntax.Prettify` writes it, or 400
 * `{"status":"invalid-query","error":...}`. Until the LogQL engine's parser is wired here, only
 * stream selectors with line filters are formatted (Loki's way: matchers joined with `, `,
 * values quoted as Go quotes them, a line of at most 100 characters, else one filter a line);
 * other queries this server cannot parse are returned trimmed, unchanged.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/loki/format_query_handler.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/syntax/prettier.go
 */
import { goQuote, unquote } from '@otel-loki/push/internal';
import type { HttpAnswer } from '../internal-types';
import { LogqlError, parseLogSelector } from '../logql-selector';
import { jsonAnswer } from './loki-params';

/** `syntax.MaxCharsPerLine`. */
const MAX_CHARS_PER_LINE = 100;
const INDENT = '  ';
/** How the selector parser says that a query is valid LogQL it does not evaluate. */
const NOT_EVALUATED = 'is not supported by @otel-loki/testing';
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
  try {
    return jsonAnswer({ status: 'success', data: prettifySelector(query) }, 200, FORMAT_CONTENT_TYPE);
  } catch (err) {
    if (!(err instanceof LogqlError)) throw err;
    if (err.message.includes(NOT_EVALUATED)) {
      return jsonAnswer({ status: 'success', data: query.trim() }, 200, FORMAT_CONTENT_TYPE);
    }
    return jsonAnswer({ status: 'invalid-query', error: err.message }, 400, FORMAT_CONTENT_TYPE);
  }
}
