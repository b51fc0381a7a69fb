/**
 * Quoting and unquoting of label values exactly as Go's `strconv.Quote` writes them and as
 * Loki's LogQL lexer (Prometheus lexer rules) reads them.
 */
import { decodeUtf8, utf8Bytes } from '#platform/bytes';

/** Runes Go's `strconv.IsPrint` accepts: categories L, M, N, P, S and the ASCII space. */
const GO_PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;
/** A value made only of printable ASCII other than `"` and `\` needs no escaping. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const CONTROL_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
};

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** One character as Go writes it inside `quote`-quoted text (`strconv.Quote` / `QuoteRune`). */
function quoteChar(ch: string, quote: '"' | "'"): string {
  if (ch === quote) return `\\${quote}`;
  const simple = CONTROL_ESCAPES[ch];
  if (simple !== undefined) return simple;
  const code = ch.codePointAt(0) as number;
  if (code >= 0xd800 && code <= 0xdfff) return '\\ufffd';
  if (GO_PRINTABLE.test(ch)) return ch;
  if (code < 0x80) return `\\x${hex(code, 2)}`;
  if (code < 0x10000) return `\\u${hex(code, 4)}`;
  return `\\U${hex(code, 8)}`;
}

/**
 * Quotes `value` in double quotes exactly as Go's `strconv.Quote` does. Lone UTF-16 surrogates
 * (which have no UTF-8 encoding) are written as `\ufffd`, as Go writes invalid runes.
 */
export function goQuote(value: string): string {
  if (PLAIN_ASCII.test(value)) return `"${value}"`;
  let out = '"';
  for (const ch of value) out += quoteChar(ch, '"');
  return out + '"';
}

/** Go's `%q` of one rune (`strconv.QuoteRune`): `'.'`, `'\n'`, `'\x00'`, `'\''`. */
export function goQuoteRune(ch: string): string {
  return `'${quoteChar(ch, "'")}'`;
}

/** Go's `%#U` of a rune: `U+0071 'q'`, or `U+000A` when not printable. */
export function goRuneVerb(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const name = 'U+' + code.toString(16).toUpperCase().padStart(4, '0');
  return GO_PRINTABLE.test(ch) ? `${name} '${ch}'` : name;
}

/** Why a quoted string could not be read; `offset` is relative to the opening quote. */
export class QuoteSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number
  ) {
    super(message);
    this.name = 'QuoteSyntaxError';
  }
}

/** Result of reading one quoted string: its decoded value and where reading stopped. */
export interface UnquoteResult {
  /** The decoded value. */
  value: string;
  /** Index just past the closing quote. */
  end: number;
  /** True when the decoded bytes were not valid UTF-8 or contained U+FFFD. */
  invalidUtf8: boolean;
}

const ESCAPE_BYTES: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
};
const HEX_DIGITS = /^[0-9a-fA-F]+$/;
const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a quoted string starting at `input[start]`, which must be `"`, `'` or a backtick.
 * Escapes follow Go's `strconv.UnquoteChar`: `\a \b \f \n \r \t \v \\`, the quote itself,
 * octal `\NNN`, `\xHH` (bytes, so `\xc3\xa9` is `é`), `\uHHHH` and `\UHHHHHHHH`. Backtick
 * strings are raw. A newline inside a quoted (non-raw) string is an error, as in Go.
 */
export function unquote(input: string, start: number): UnquoteResult {
  const quote = input[start];
  if (quote !== '"' && quote !== "'" && quote !== '`') {
    throw new QuoteSyntaxError('expected a quoted string', 0);
  }
  if (quote === '`') {
    const close = input.indexOf('`', start + 1);
    if (close < 0) throw new QuoteSyntaxError('unterminated raw string', 0);
    const value = input.slice(start + 1, close);
    return { value, end: close + 1, invalidUtf8: hasInvalidUnicode(value) };
  }
  const bytes: number[] = [];
  let i = start + 1;
  // Bounded: every iteration consumes at least one character of the input.
  while (i < input.length) {
    const ch = input[i];
    if (ch === quote) {
      return decodeBytes(bytes, i + 1);
    }
    if (ch === '\n') throw new QuoteSyntaxError('newline in string', i - start);
    if (ch !== '\\') {
      const code = input.codePointAt(i) as number;
      const text = String.fromCodePoint(code);
      for (const b of utf8Bytes(text)) bytes.push(b);
      i += text.length;
      continue;
    }
    const esc = input[i + 1];
    if (esc === undefined) break;
    if (esc === quote) {
      bytes.push(esc.charCodeAt(0));
      i += 2;
    } else if (ESCAPE_BYTES[esc] !== undefined) {
      bytes.push(ESCAPE_BYTES[esc]);
      i += 2;
    } else if (esc >= '0' && esc <= '7') {
      const digits = input.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 255) {
        throw new QuoteSyntaxError(`invalid octal escape \\${digits}`, i - start);
      }
      bytes.push(parseInt(digits, 8));
      i += 4;
    } else if (esc === 'x' || esc === 'u' || esc === 'U') {
      const width = esc === 'x' ? 2 : esc === 'u' ? 4 : 8;
      const digits = input.slice(i + 2, i + 2 + width);
      if (digits.length !== width || !HEX_DIGITS.test(digits)) {
        throw new QuoteSyntaxError(`invalid escape \\${esc}${digits}`, i - start);
      }
      const code = parseInt(digits, 16);
      if (esc === 'x') {
        bytes.push(code);
      } else {
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
          throw new QuoteSyntaxError(`invalid Unicode escape \\${esc}${digits}`, i - start);
        }
        for (const b of utf8Bytes(String.fromCodePoint(code))) bytes.push(b);
      }
      i += 2 + width;
    } else {
      throw new QuoteSyntaxError(`unknown escape sequence \\${esc}`, i - start);
    }
  }
  throw new QuoteSyntaxError('unterminated string', 0);
}

function decodeBytes(bytes: number[], end: number): UnquoteResult {
  const buffer = Uint8Array.from(bytes);
  try {
    const value = UTF8_DECODER.decode(buffer);
    return { value, end, invalidUtf8: value.includes('\ufffd') };
  } catch {
    return { value: decodeUtf8(buffer), end, invalidUtf8: true };
  }
}

/** True when `value` holds U+FFFD or a lone UTF-16 surrogate (invalid once encoded as UTF-8). */
export function hasInvalidUnicode(value: string): boolean {
  return value.includes('\ufffd') || !value.isWellFormed();
}
