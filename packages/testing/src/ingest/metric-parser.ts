/**
 * Loki's `syntax.ParseLabels`: Prometheus' `parser.ParseMetric` (lexer and grammar), then
 * labels sorted and empty values dropped. Errors read exactly as Prometheus writes them,
 * `1:5: parse error: unexpected character inside braces: '.'`, because Loki returns them to
 * the client as they are.
 *
 * Values are decoded with `unquote` from `@otel-loki/push` once this lexer has accepted them.
 *
 * @see https://github.com/prometheus/prometheus/blob/main/promql/parser/lex.go
 * @see https://github.com/prometheus/prometheus/blob/main/promql/parser/generated_parser.y
 * @see https://github.com/grafana/loki/blob/main/pkg/logql/syntax/parser.go (ParseLabels)
 */
import { goQuote, goQuoteRune, goRuneVerb, unquote } from '@otel-loki/push/internal';
import type { Label } from '../internal-types';

type TokenType =
  | 'LEFT_BRACE'
  | 'RIGHT_BRACE'
  | 'COMMA'
  | 'EQL'
  | 'EQL_REGEX'
  | 'NEQ'
  | 'NEQ_REGEX'
  | 'IDENTIFIER'
  | 'METRIC_IDENTIFIER'
  | 'STRING'
  | 'EOF';

interface Token {
  type: TokenType;
  /** Source text of the token. */
  text: string;
  /** Index in the JS string. */
  index: number;
}

/** A lexer or grammar error, with the JS string index where Prometheus places it. */
class MetricSyntaxError extends Error {
  constructor(
    message: string,
    readonly index: number
  ) {
    super(message);
  }
}

const isAlpha = (ch: string): boolean => /^[A-Za-z_]$/.test(ch);
const isAlphaNumeric = (ch: string): boolean => /^[A-Za-z0-9_]$/.test(ch);
const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
/** A code point Go decodes as `utf8.RuneError`: U+FFFD itself, or a lone surrogate. */
const isRuneError = (ch: string): boolean =>
  ch === '\ufffd' || (ch.length === 1 && ch.charCodeAt(0) >= 0xd800 && ch.charCodeAt(0) <= 0xdfff);

/** Tokenizes a label string as Prometheus' lexer does in `ParseMetric`. */
function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let insideBraces = false;
  const charAt = (at: number): string => {
    const code = input.codePointAt(at);
    return code === undefined ? '' : String.fromCodePoint(code);
  };
  // Bounded: every pass consumes at least one character or returns.
  while (i <= input.length) {
    const ch = charAt(i);
    if (ch === '') {
      if (insideBraces) throw new MetricSyntaxError('unexpected end of input inside braces', i);
      tokens.push({ type: 'EOF', text: '', index: i });
      return tokens;
    }
    if (isSpace(ch)) {
      i += 1;
      continue;
    }
    const start = i;
    if (insideBraces) {
      if (isAlpha(ch)) {
        while (i < input.length && isAlphaNumeric(input[i])) i++;
        tokens.push({ type: 'IDENTIFIER', text: input.slice(start, i), index: start });
      } else if (ch === ',') {
        tokens.push({ type: 'COMMA', text: ch, index: start });
        i++;
      } else if (ch === '"' || ch === "'" || ch === '`') {
        i = lexString(input, start);
        tokens.push({ type: 'STRING', text: input.slice(start, i), index: start });
      } else if (ch === '=') {
        const regex = input[i + 1] === '~';
        tokens.push({ type: regex ? 'EQL_REGEX' : 'EQL', text: regex ? '=~' : '=', index: start });
        i += regex ? 2 : 1;
      } else if (ch === '!') {
        const next = charAt(i + 1);
        if (next !== '~' && next !== '=') {
          throw new MetricSyntaxError(
            `unexpected character after '!' inside braces: ${goQuoteRune(next || '\uffff')}`,
            start
          );
        }
        tokens.push({ type: next === '~' ? 'NEQ_REGEX' : 'NEQ', text: '!' + next, index: start });
        i += 2;
      } else if (ch === '{') {
        throw new MetricSyntaxError(`unexpected left brace ${goQuoteRune(ch)}`, start);
      } else if (ch === '}') {
        tokens.push({ type: 'RIGHT_BRACE', text: ch, index: start });
        insideBraces = false;
        i++;
      } else {
        throw new MetricSyntaxError(`unexpected character inside braces: ${goQuoteRune(ch)}`, start);
      }
      continue;
    }
    if (ch === '{') {
      tokens.push({ type: 'LEFT_BRACE', text: ch, index: start });
      insideBraces = true;
      i++;
    } else if (isAlpha(ch) || ch === ':') {
      while (i < input.length && (isAlphaNumeric(input[i]) || input[i] === ':')) i++;
      const text = input.slice(start, i);
      tokens.push({ type: text.includes(':') ? 'METRIC_IDENTIFIER' : 'IDENTIFIER', text, index: start });
    } else if (ch === '}') {
      throw new MetricSyntaxError(`unexpected right brace ${goQuoteRune(ch)}`, start);
    } else if (ch === ',') {
      tokens.push({ type: 'COMMA', text: ch, index: start });
      i++;
    } else {
      throw new MetricSyntaxError(`unexpected character: ${goQuoteRune(ch)}`, start);
    }
  }
  tokens.push({ type: 'EOF', text: '', index: input.length });
  return tokens;
}

const ESCAPE_DIGITS: Readonly<Record<string, [number, number, number]>> = {
  x: [2, 16, 0xff],
  u: [4, 16, 0x10ffff],
  U: [8, 16, 0x10ffff],
};

/** Lexes a quoted string starting at `start`; returns the index after its closing quote. */
function lexString(input: string, start: number): number {
  const open = input[start];
  let i = start + 1;
  // Bounded: every pass consumes at least one character or throws.
  while (i < input.length) {
    const code = input.codePointAt(i) as number;
    const ch = String.fromCodePoint(code);
    i += ch.length;
    if (ch === open) return i;
    if (isRuneError(ch)) throw new MetricSyntaxError('invalid UTF-8 rune', start);
    if (open === '`') continue;
    if (ch === '\n') throw new MetricSyntaxError('unterminated quoted string', start);
    if (ch === '\\') i = lexEscape(input, i, open, start);
  }
  throw new MetricSyntaxError(open === '`' ? 'unterminated raw string' : 'unterminated quoted string', start);
}

/** Lexes the escape after a backslash at `i - 1`; returns the index after it. */
function lexEscape(input: string, i: number, open: string, tokenStart: number): number {
  const ch = input[i];
  if (ch === undefined) throw new MetricSyntaxError('escape sequence not terminated', tokenStart);
  if ('abfnrtv\\'.includes(ch) || ch === open) return i + 1;
  let digits: number;
  let base: number;
  let max: number;
  let at = i;
  if (ch >= '0' && ch <= '7') {
    [digits, base, max] = [3, 8, 0xff];
  } else if (ESCAPE_DIGITS[ch] !== undefined) {
    [digits, base, max] = ESCAPE_DIGITS[ch];
    at = i + 1;
  } else {
    const rune = String.fromCodePoint(input.codePointAt(i) as number);
    throw new MetricSyntaxError(`unknown escape sequence ${goRuneVerb(rune)}`, tokenStart);
  }
  let value = 0;
  for (let n = 0; n < digits; n++) {
    const digit = input[at + n];
    const parsed = digit === undefined ? NaN : parseInt(digit, base);
    if (Number.isNaN(parsed)) {
      if (digit === undefined) throw new MetricSyntaxError('escape sequence not terminated', tokenStart);
      const rune = String.fromCodePoint(input.codePointAt(at + n) as number);
      throw new MetricSyntaxError(`illegal character ${goRuneVerb(rune)} in escape sequence`, tokenStart);
    }
    value = value * base + parsed;
  }
  if (value > max || (value >= 0xd800 && value < 0xe000)) {
    throw new MetricSyntaxError('escape sequence is an invalid Unicode code point', tokenStart);
  }
  return at + digits;
}

/** How Prometheus names a token in "unexpected ..." messages (`Item.desc()`). */
function describe(token: Token): string {
  switch (token.type) {
    case 'EOF':
      return 'end of input';
    case 'IDENTIFIER':
      return `identifier ${JSON.stringify(token.text)}`;
    case 'METRIC_IDENTIFIER':
      return `metric identifier ${JSON.stringify(token.text)}`;
    case 'STRING': {
      const quoted = goQuote(token.text);
      return `string ${token.text.length > 10 ? goQuote(token.text.slice(0, 10)) + '...' : quoted}`;
    }
    case 'EQL':
    case 'NEQ':
    case 'EQL_REGEX':
    case 'NEQ_REGEX':
      return `<op:${token.text}>`;
    default:
      return JSON.stringify(token.text);
  }
}

function unexpected(token: Token, context: string, expected: string): MetricSyntaxError {
  let message = `unexpected ${describe(token)}`;
  if (context) message += ` in ${context}`;
  if (expected) message += `, expected ${expected}`;
  return new MetricSyntaxError(message, token.index);
}

/** Parses the token list with the `START_METRIC` grammar; returns the labels in input order. */
function parseTokens(tokens: Token[], input: string): Label[] {
  let at = 0;
  const labels: Label[] = [];
  if (tokens[at].type === 'IDENTIFIER' || tokens[at].type === 'METRIC_IDENTIFIER') {
    labels.push({ name: '__name__', value: tokens[at].text });
    at++;
  }
  if (tokens[at].type === 'LEFT_BRACE') {
    at++;
    let first = true;
    // Bounded: each pass consumes a label pair and a separator, or returns or throws.
    while (at < tokens.length) {
      const token = tokens[at];
      if (token.type === 'RIGHT_BRACE') {
        at++;
        break;
      }
      if (!first) throw unexpected(token, 'label set', '"," or "}"');
      if (token.type !== 'IDENTIFIER') throw unexpected(token, 'label set', 'identifier or "}"');
      if (tokens[at + 1].type !== 'EQL') throw unexpected(tokens[at + 1], 'label set', '"="');
      const value = tokens[at + 2];
      if (value.type !== 'STRING') throw unexpected(value, 'label set', 'string');
      labels.push({ name: token.text, value: unquote(input, value.index).value });
      at += 3;
      if (tokens[at].type === 'COMMA') {
        at++;
      } else {
        first = false;
      }
    }
  }
  if (tokens[at].type !== 'EOF') throw unexpected(tokens[at], '', '');
  return labels;
}

/** Prometheus' `line:col` of a JS string index (col counts UTF-8 bytes, from 1). */
function position(input: string, index: number): string {
  if (input === '') return 'unknown position';
  const before = input.slice(0, index);
  const lastBreak = before.lastIndexOf('\n');
  const line = 1 + (before.match(/\n/g)?.length ?? 0);
  const col = Buffer.byteLength(before) - (lastBreak < 0 ? -1 : Buffer.byteLength(before.slice(0, lastBreak)));
  return `${line}:${col}`;
}

/** Result of {@link parseMetric}: the labels, or Loki's error text. */
export type ParseMetricResult = { ok: true; labels: Label[] } | { ok: false; error: string };

/**
 * Loki's `syntax.ParseLabels`: parses, sorts by name (stable, so duplicates stay adjacent)
 * and drops every label whose value is empty. Duplicates are kept: Loki's validator reports them.
 */
export function parseMetric(input: string): ParseMetricResult {
  try {
    const parsed = parseTokens(tokenize(input), input);
    const emptyNames = new Set(parsed.filter((l) => l.value === '').map((l) => l.name));
    const labels = parsed.filter((l) => !emptyNames.has(l.name));
    return { ok: true, labels: sortLabels(labels) };
  } catch (err) {
    if (err instanceof MetricSyntaxError) {
      return { ok: false, error: `${position(input, err.index)}: parse error: ${err.message}` };
    }
    throw err;
  }
}

/** Sorts labels by name in Go's byte order, keeping the input order of equal names. */
export function sortLabels(labels: readonly Label[]): Label[] {
  const key = (l: Label): string => Buffer.from(l.name, 'utf8').toString('latin1');
  return [...labels].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Prometheus' `labels.String()`: `{a="1", b="2"}`, values quoted as Go's `strconv.Quote`. */
export function labelsToString(labels: readonly Label[]): string {
  return '{' + labels.map((l) => `${l.name}=${goQuote(l.value)}`).join(', ') + '}';
}
