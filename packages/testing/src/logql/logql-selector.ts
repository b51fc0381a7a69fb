/**
 * The part of LogQL this server answers: a stream selector (`=`, `!=`, `=~`, `!~`) followed by
 * line filters (`|=`, `!=`, `|~`, `!~`). Anything else is refused with a 400 that says so,
 * never answered wrongly. Regular expressions are Go's RE2 translated to JavaScript
 * (`logql/re2.ts`), label matchers anchored and `(?s)` as Prometheus compiles them.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/logql/syntax/lex.go
 */
import { unquote } from '@otel-loki/push/internal';
import type { Label } from '../internal-types';
import { compileRe2, Re2Error } from './re2';

/** A query this server cannot or will not answer; `message` is the 400 body. */
export class LogqlError extends Error {}

type MatchType = '=' | '!=' | '=~' | '!~';

/** One label matcher. */
export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
  matches(value: string): boolean;
}

/** A parsed query: stream matchers and line filters. */
export interface LogSelector {
  matchers: Matcher[];
  lineFilters: Array<(line: string) => boolean>;
}

const NOT_SUPPORTED =
  'is not supported by @otel-loki/testing, which answers stream selectors with line filters only ' +
  '(`{name="value"} |= "text"`)';
const EMPTY_COMPATIBLE =
  'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. ' +
  'For instance, app=~".*" does not meet this requirement, but app=~".+" will';

function compileRegex(source: string, anchored: boolean, column: number): RegExp {
  try {
    // Label matchers are `^(?s:re)$` as Prometheus compiles them; line filters are unanchored.
    return compileRe2(anchored ? `(?s:${source})` : source, anchored);
  } catch (err) {
    if (err instanceof Re2Error) {
      throw new LogqlError(`parse error at line 1, col ${column}: error parsing regexp: ${err.message}`);
    }
    throw err;
  }
}

function makeMatcher(name: string, type: MatchType, value: string, column: number): Matcher {
  if (type === '=' || type === '!=') {
    const equal = type === '=';
    return { name, type, value, matches: (v) => (v === value) === equal };
  }
  const regex = compileRegex(value, true, column);
  const positive = type === '=~';
  return { name, type, value, matches: (v) => regex.test(v) === positive };
}

/**
 * Parses a LogQL log query. `validate: false` accepts selectors whose matchers all match the
 * empty string (`{job=~".*"}`), as Loki's `ParseMatchers(query, false)` does for `series`.
 *
 * @throws {LogqlError} with the 400 body.
 */
export function parseLogSelector(query: string, options: { validate?: boolean } = {}): LogSelector {
  let i = 0;
  const column = (): number => i + 1;
  const skipSpace = (): void => {
    while (i < query.length && /\s/.test(query[i])) i++;
  };
  const syntaxError = (found: string, expecting: string): never => {
    throw new LogqlError(
      `parse error at line 1, col ${column()}: syntax error: unexpected ${found}${expecting ? `, expecting ${expecting}` : ''}`
    );
  };
  const readString = (): string => {
    const quote = query[i];
    if (quote !== '"' && quote !== '`') syntaxError(query[i] ?? '$end', 'STRING');
    try {
      const { value, end } = unquote(query, i);
      i = end;
      return value;
    } catch {
      throw new LogqlError(`parse error at line 1, col ${column()}: literal not terminated`);
    }
  };

  skipSpace();
  if (query[i] !== '{') {
    if (/^[a-z_]+\s*\(/i.test(query.slice(i))) {
      throw new LogqlError(`metric query ${JSON.stringify(query.trim())} ${NOT_SUPPORTED}`);
    }
    syntaxError(query[i] === undefined ? '$end' : query[i], '{');
  }
  i++;
  const matchers: Matcher[] = [];
  // Bounded: every pass consumes a matcher or throws.
  while (i <= query.length) {
    skipSpace();
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(query.slice(i))?.[0];
    if (name === undefined) syntaxError(query[i] ?? '$end', 'IDENTIFIER');
    i += (name as string).length;
    skipSpace();
    const op = (['=~', '!~', '!=', '='] as const).find((candidate) => query.startsWith(candidate, i));
    if (op === undefined) syntaxError(query[i] ?? '$end', '=, !=, =~ or !~');
    i += (op as string).length;
    skipSpace();
    const at = column();
    matchers.push(makeMatcher(name as string, op as MatchType, readString(), at));
    skipSpace();
    if (query[i] === ',') {
      i++;
      continue;
    }
    if (query[i] === '}') {
      i++;
      break;
    }
    syntaxError(query[i] ?? '$end', ', or }');
  }
  if ((options.validate ?? true) && !matchers.some((m) => !m.matches(''))) throw new LogqlError(EMPTY_COMPATIBLE);

  const lineFilters: Array<(line: string) => boolean> = [];
  // Bounded: every pass consumes a filter or throws.
  while (i < query.length) {
    skipSpace();
    if (i >= query.length) break;
    const op = (['|=', '!=', '|~', '!~'] as const).find((candidate) => query.startsWith(candidate, i));
    if (op === undefined) {
      const stage = query.slice(i).trim();
      throw new LogqlError(`pipeline stage ${JSON.stringify(stage)} ${NOT_SUPPORTED}`);
    }
    i += 2;
    skipSpace();
    const at = column();
    const text = readString();
    if (op === '|=') lineFilters.push((line) => line.includes(text));
    else if (op === '!=') lineFilters.push((line) => !line.includes(text));
    else {
      const regex = compileRegex(text, false, at);
      const positive = op === '|~';
      lineFilters.push((line) => regex.test(line) === positive);
    }
  }
  return { matchers, lineFilters };
}

/** True when stream `labels` satisfy every matcher (a missing label reads as ""). */
export function matchesLabels(selector: LogSelector, labels: readonly Label[]): boolean {
  return selector.matchers.every((m) => m.matches(labels.find((l) => l.name === m.name)?.value ?? ''));
}

/** True when `line` passes every line filter. */
export function matchesLine(selector: LogSelector, line: string): boolean {
  return selector.lineFilters.every((filter) => filter(line));
}
