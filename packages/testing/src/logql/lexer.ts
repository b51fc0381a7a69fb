/**
 * LogQL's lexer, as Loki's `syntax/lex.go` scans with Go's `text/scanner`: keywords are
 * case-insensitive, function names are tokens only before `(` (or `by`/`without` then `(`),
 * numbers followed by a unit become DURATION or BYTES, `[5m]` is one RANGE token.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/syntax/lex.go
 */
import { unquote } from '@otel-loki/push/internal';
import { parseBytes, parsePromDuration, parseGoDuration } from './units';
import { LogqlParseError } from './errors';

/** One token; `type` is Loki's token name (`IDENTIFIER`, `STRING`, `OPEN_BRACE`, ...). */
export interface Token {
  type: string;
  /** Source text. */
  text: string;
  /** Decoded string, number text or identifier. */
  str: string;
  /** DURATION / RANGE in nanoseconds, BYTES in bytes. */
  num: number;
  /** JS string index of the token start. */
  index: number;
}

/** Punctuation and keywords (`tokens` in lex.go): shown as their text in syntax errors. */
const TOKENS: Readonly<Record<string, string>> = {
  ',': 'COMMA',
  '.': 'DOT',
  '{': 'OPEN_BRACE',
  '}': 'CLOSE_BRACE',
  '=': 'EQ',
  '!=': 'NEQ',
  '=~': 'RE',
  '!~': 'NRE',
  '!>': 'NPA',
  '|=': 'PIPE_EXACT',
  '|~': 'PIPE_MATCH',
  '|>': 'PIPE_PATTERN',
  '|': 'PIPE',
  unwrap: 'UNWRAP',
  '(': 'OPEN_PARENTHESIS',
  ')': 'CLOSE_PARENTHESIS',
  by: 'BY',
  without: 'WITHOUT',
  bool: 'BOOL',
  '[': 'OPEN_BRACKET',
  ']': 'CLOSE_BRACKET',
  label_replace: 'LABEL_REPLACE',
  offset: 'OFFSET',
  on: 'ON',
  ignoring: 'IGNORING',
  group_left: 'GROUP_LEFT',
  group_right: 'GROUP_RIGHT',
  or: 'OR',
  and: 'AND',
  unless: 'UNLESS',
  '+': 'ADD',
  '-': 'SUB',
  '*': 'MUL',
  '/': 'DIV',
  '%': 'MOD',
  '^': 'POW',
  '==': 'CMP_EQ',
  '>': 'GT',
  '>=': 'GTE',
  '<': 'LT',
  '<=': 'LTE',
  json: 'JSON',
  regexp: 'REGEXP',
  logfmt: 'LOGFMT',
  unpack: 'UNPACK',
  pattern: 'PATTERN',
  label_format: 'LABEL_FMT',
  line_format: 'LINE_FMT',
  ip: 'IP',
  decolorize: 'DECOLORIZE',
  drop: 'DROP',
  keep: 'KEEP',
};

/** Tokens that are keywords only when a `(` follows (`functionTokens` in lex.go). */
const FUNCTION_TOKENS: Readonly<Record<string, string>> = {
  rate: 'RATE',
  rate_counter: 'RATE_COUNTER',
  count_over_time: 'COUNT_OVER_TIME',
  bytes_rate: 'BYTES_RATE',
  bytes_over_time: 'BYTES_OVER_TIME',
  avg_over_time: 'AVG_OVER_TIME',
  sum_over_time: 'SUM_OVER_TIME',
  min_over_time: 'MIN_OVER_TIME',
  max_over_time: 'MAX_OVER_TIME',
  stdvar_over_time: 'STDVAR_OVER_TIME',
  stddev_over_time: 'STDDEV_OVER_TIME',
  quantile_over_time: 'QUANTILE_OVER_TIME',
  first_over_time: 'FIRST_OVER_TIME',
  last_over_time: 'LAST_OVER_TIME',
  absent_over_time: 'ABSENT_OVER_TIME',
  vector: 'VECTOR',
  sum: 'SUM',
  avg: 'AVG',
  max: 'MAX',
  min: 'MIN',
  count: 'COUNT',
  stddev: 'STDDEV',
  stdvar: 'STDVAR',
  bottomk: 'BOTTOMK',
  topk: 'TOPK',
  sort: 'SORT',
  sort_desc: 'SORT_DESC',
  label_replace: 'LABEL_REPLACE',
  approx_topk: 'APPROX_TOPK',
  bytes: 'BYTES_CONV',
  duration: 'DURATION_CONV',
  duration_seconds: 'DURATION_SECONDS_CONV',
  ip: 'IP',
};

const PARSER_FLAGS = new Set(['--strict', '--keep-empty']);

/** How a syntax error names a token: its text when it is punctuation or a keyword, else its type. */
export function describeToken(token: Token): string {
  if (token.type === 'EOF') return '$end';
  for (const [text, type] of Object.entries(TOKENS)) if (type === token.type) return text;
  return token.type;
}

const isSpace = (ch: string): boolean => /^\s$/u.test(ch);
const isIdentStart = (ch: string): boolean => ch === '_' || /^\p{L}$/u.test(ch);
const isIdentRune = (ch: string): boolean => ch === '_' || /^[\p{L}\p{Nd}]$/u.test(ch);
const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';

/** True when a `(` follows, possibly after `by (...)`/`without (...)`: lex.go's `isFunction`. */
function isFunction(input: string, at: number): boolean {
  const rest = input.slice(at).trimStart();
  if (rest.startsWith('(')) return true;
  const m = /^(by|without)/i.exec(rest);
  return m !== null && rest.slice(m[0].length).trimStart().startsWith('(');
}

/** Scans a Go number (`text/scanner` Int or Float) at `i`; returns its end. */
function scanNumber(input: string, i: number): number {
  const m =
    /^(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?\d+)?|\d[\d_]*(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(
      input.slice(i)
    );
  return i + (m ? m[0].length : 1);
}

/** Characters a duration or bytes suffix may hold (tryScanDuration/tryScanBytes). */
function scanSuffix(input: string, i: number, allowed: RegExp): number {
  let j = i;
  while (
    j < input.length &&
    !isSpace(input[j]) &&
    (/\p{N}/u.test(input[j]) || input[j] === '.' || allowed.test(input[j]))
  )
    j++;
  return j;
}

/** Tokenizes a whole query; lexical errors throw {@link LogqlParseError} with Loki's position. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (type: string, start: number, end: number, str = '', num = 0): void => {
    tokens.push({ type, text: input.slice(start, end), str, num, index: start });
    i = end;
  };
  // Bounded: every pass consumes at least one character.
  while (i < input.length) {
    const ch = input[i];
    if (isSpace(ch)) {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < input.length && input[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (ch === '"' || ch === '`') {
      let decoded;
      try {
        decoded = unquote(input, i);
      } catch (err) {
        throw LogqlParseError.at(input, start, (err as Error).message.replace(/^.*?: /, ''));
      }
      push('STRING', start, decoded.end, decoded.value);
      continue;
    }
    if (isDigit(ch) || (ch === '.' && isDigit(input[i + 1]))) {
      const end = scanNumber(input, i);
      const numberText = input.slice(start, end);
      const durationEnd = scanSuffix(input, end, /[numµshdwy]/);
      if (durationEnd > end) {
        const nanos = parseDurationText(input.slice(start, durationEnd));
        if (nanos !== undefined) {
          push('DURATION', start, durationEnd, input.slice(start, durationEnd), nanos);
          continue;
        }
      }
      const bytesEnd = scanSuffix(input, end, /[BikKMGTP]/);
      if (bytesEnd > end) {
        const bytes = parseBytes(input.slice(start, bytesEnd));
        if (bytes !== undefined) {
          push('BYTES', start, bytesEnd, input.slice(start, bytesEnd), bytes);
          continue;
        }
      }
      push('NUMBER', start, end, numberText);
      continue;
    }
    if (ch === '-' && input[i + 1] === '-') {
      const m = /^--[\p{L}-]*/u.exec(input.slice(i));
      if (m && PARSER_FLAGS.has(m[0])) {
        push('PARSER_FLAG', start, i + m[0].length, m[0]);
        continue;
      }
    }
    if (ch === '-' && isDigit(input[i + 1])) {
      const end = scanSuffix(input, i + 1, /[numµshdwy]/);
      const nanos = parseDurationText(input.slice(start, end));
      if (nanos !== undefined && /[a-zµ]/.test(input.slice(start, end))) {
        push('DURATION', start, end, input.slice(start, end), nanos);
        continue;
      }
    }
    if (ch === '[') {
      const close = input.indexOf(']', i + 1);
      if (close < 0) throw LogqlParseError.at(input, input.length, "missing closing ']' in duration");
      const text = input.slice(i + 1, close);
      const nanos = parsePromDuration(text);
      if (nanos === undefined) throw LogqlParseError.at(input, close + 1, `not a valid duration string: "${text}"`);
      push('RANGE', start, close + 1, text, nanos);
      continue;
    }
    if (isIdentStart(ch)) {
      let end = i + 1;
      while (end < input.length && isIdentRune(input[end])) end++;
      const word = input.slice(start, end);
      const lower = word.toLowerCase();
      const fn = FUNCTION_TOKENS[lower];
      if (fn !== undefined) {
        if (isFunction(input, end)) push(fn, start, end, word);
        else push('IDENTIFIER', start, end, word);
        continue;
      }
      const keyword = TOKENS[lower];
      push(keyword ?? 'IDENTIFIER', start, end, word);
      continue;
    }
    const two = input.slice(i, i + 2);
    if (TOKENS[two] !== undefined) {
      push(TOKENS[two], start, i + 2, two);
      continue;
    }
    const type = TOKENS[ch];
    // An unknown character reads as an identifier in Loki's lexer, which the grammar then refuses.
    push(type ?? 'IDENTIFIER', start, i + ch.length, ch);
  }
  tokens.push({ type: 'EOF', text: '', str: '', num: 0, index: input.length });
  return tokens;
}

function parseDurationText(text: string): number | undefined {
  return parsePromDuration(text) ?? parseGoDuration(text);
}
