/**
 * Matchers and line filters built from parsed LogQL, with Loki's regex rules: label matchers are
 * anchored and `(?s)` (Prometheus' `labels.NewMatcher`), line filters are unanchored.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/filter.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/ip.go
 */
import type { LineFilter, Matcher, MatchType } from './ast';
import { LogqlParseError } from './errors';
import { compileRe2, Re2Error } from './re2';
import { ipMatcher, lineHasMatchingIp } from './ip';

/** Compiles an RE2 regex or throws Loki's parse error (`error parsing regexp: ...`). */
export function regexOrThrow(source: string, anchored: boolean, dotAll = false): RegExp {
  try {
    return compileRe2(dotAll ? `(?s:${source})` : source, anchored);
  } catch (err) {
    if (err instanceof Re2Error) {
      const message = err.message;
      if (/^(cannot translate|.* is not supported|turning|a case-insensitive)/.test(message)) {
        throw new LogqlParseError(
          `regular expression \`${source}\` is not supported by @otel-loki/testing: ${message}`
        );
      }
      throw new LogqlParseError(`error parsing regexp: ${message}`);
    }
    throw err;
  }
}

/**
 * Prometheus' `labels.NewMatcher` (anchored, `(?s)`), or with `dotAll` false the regex of a
 * label filter in a pipeline (Loki's `NewLabelFilter`: anchored, `.` not matching `\n`).
 */
export function makeMatcher(name: string, type: MatchType, value: string, dotAll = true): Matcher {
  if (type === '=' || type === '!=') {
    const equal = type === '=';
    return { name, type, value, matches: (v) => (v === value) === equal };
  }
  const regex = regexOrThrow(value, true, dotAll);
  const positive = type === '=~';
  return { name, type, value, matches: (v) => regex.test(v) === positive };
}

export type LineFilterOp = '|=' | '!=' | '|~' | '!~' | '|>' | '!>';

/** One term of a line filter: a string, a regex, a pattern or `ip("...")`. */
export interface LineFilterTerm {
  value: string;
  ip: boolean;
}

function positiveTest(op: LineFilterOp, term: LineFilterTerm, patternTest: (p: string) => (l: string) => boolean) {
  if (term.ip) {
    const match = ipMatcher(term.value);
    return (line: string): boolean => lineHasMatchingIp(line, match);
  }
  if (op === '|=' || op === '!=') {
    const text = term.value;
    return (line: string): boolean => line.includes(text);
  }
  if (op === '|~' || op === '!~') {
    const regex = regexOrThrow(term.value, false);
    return (line: string): boolean => regex.test(line);
  }
  return patternTest(term.value);
}

/**
 * A line filter with `or` terms. Positive filters keep a line matching any term; negative ones
 * (`!=`, `!~`, `!>`) keep a line matching none (Loki's `newOrLineFilter`: `!(a or b)`).
 */
export function makeLineFilter(
  op: LineFilterOp,
  terms: LineFilterTerm[],
  patternTest: (pattern: string) => (line: string) => boolean
): LineFilter {
  const tests = terms.map((term) => positiveTest(op, term, patternTest));
  const negative = op.startsWith('!');
  if (tests.length === 1) {
    const test = tests[0];
    return { kind: 'lineFilter', test: negative ? (line) => !test(line) : test };
  }
  return {
    kind: 'lineFilter',
    test: negative ? (line) => !tests.some((t) => t(line)) : (line) => tests.some((t) => t(line)),
  };
}

/** True when stream `labels` satisfy every matcher (a missing label reads as ""). */
export function selectorMatches(
  matchers: readonly Matcher[],
  labels: ReadonlyArray<{ name: string; value: string }>
): boolean {
  return matchers.every((m) => m.matches(labels.find((l) => l.name === m.name)?.value ?? ''));
}
