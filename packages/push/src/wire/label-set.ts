/**
 * Loki label sets: the canonical label string, a parser for Loki's label syntax, and label
 * name sanitizing as Loki's OTLP endpoint does it.
 *
 * @see https://github.com/grafana/loki/tree/main/pkg/logql/syntax
 */
import { goQuote, hasInvalidUnicode, QuoteSyntaxError, unquote } from './go-quote';
import type { Labels } from '../types';

/**
 * What replaces U+FFFD and lone UTF-16 surrogates in label values. Loki refuses U+FFFD in a
 * label value even when escaped (it answers 400 `invalid UTF-8 rune`), so the client must
 * not send it; `?` is what most encoders write for an unencodable character.
 */
export const LABEL_VALUE_REPLACEMENT = '?';
/** Prefix current Loki puts before a sanitized label name that starts with a digit. */
const DIGIT_PREFIX = 'key_';
const VALID_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SANITIZED_FAST_PATH = /^[a-zA-Z][a-zA-Z0-9]*(?:_[a-zA-Z0-9]+)*$/;
const INVALID_UNICODE = /\ufffd|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** True when `name` is a label name Loki accepts on push: `[a-zA-Z_][a-zA-Z0-9_]*`. */
export function isValidLabelName(name: string): boolean {
  return VALID_LABEL_NAME.test(name);
}

/**
 * Replaces U+FFFD and lone surrogates in a label value with {@link LABEL_VALUE_REPLACEMENT}.
 * Returns the value itself when nothing needed replacing.
 */
export function sanitizeLabelValue(value: string): string {
  return hasInvalidUnicode(value) ? value.replace(INVALID_UNICODE, LABEL_VALUE_REPLACEMENT) : value;
}

/**
 * Turns an attribute name into a label name exactly as current Loki's OTLP endpoint does
 * (`otlptranslator.LabelNamer{}`): every character outside ASCII `[A-Za-z0-9]` becomes `_`,
 * runs of `_` collapse to one, a name that then starts with a digit gets the prefix `key_`,
 * and a reserved `__name__` keeps its outer double underscores. Returns `undefined` for a
 * name that cannot become a label name (empty, or nothing but underscores), which Loki
 * refuses too.
 *
 * @see https://github.com/prometheus/otlptranslator/blob/main/label_namer.go
 */
export function sanitizeLabelName(name: string): string | undefined {
  if (SANITIZED_FAST_PATH.test(name)) return name;
  if (name.length === 0) return undefined;
  const reserved = name.length >= 4 && name.startsWith('__') && name.endsWith('__');
  const inner = reserved ? name.slice(2, -2) : name;
  let out = '';
  let previousUnderscore = false;
  for (const ch of inner) {
    const code = ch.charCodeAt(0);
    const alnum =
      ch.length === 1 &&
      ((code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a));
    if (alnum) {
      out += ch;
      previousUnderscore = false;
    } else if (!previousUnderscore) {
      out += '_';
      previousUnderscore = true;
    }
  }
  if (reserved) out = `__${out}__`;
  if (out.charCodeAt(0) >= 0x30 && out.charCodeAt(0) <= 0x39) out = DIGIT_PREFIX + out;
  return /^_*$/.test(out) ? undefined : out;
}

/**
 * Formats labels as Loki's canonical label string: names sorted, `, ` between pairs, values
 * quoted as Go's `strconv.Quote`, empty values dropped, U+FFFD and lone surrogates replaced.
 * Names are not checked here; see {@link isValidLabelName}.
 */
export function formatLabels(labels: Labels): string {
  const names = Object.keys(labels).sort(compareCodeUnits);
  let out = '{';
  for (const name of names) {
    const value = labels[name];
    if (value === '' || value === undefined) continue;
    if (out.length > 1) out += ', ';
    out += name + '=' + goQuote(sanitizeLabelValue(value));
  }
  return out + '}';
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Why a label string could not be parsed; the message reads like Loki's. */
export class LabelSyntaxError extends Error {
  constructor(
    message: string,
    /** Offset in the input where the problem was found. */
    readonly offset: number
  ) {
    super(message);
    this.name = 'LabelSyntaxError';
  }
}

/** One parsed label pair. */
export interface ParsedLabel {
  name: string;
  value: string;
  /** True when the value decoded to invalid UTF-8 or contains U+FFFD (Loki refuses both). */
  invalidUtf8: boolean;
}

const WHITESPACE = /[ \t\r\n]/;

/**
 * Parses a label string in Loki's syntax (`{name="value", ...}`): double quotes, single quotes
 * and backticks, every escape of Go's string literals, whitespace around `=` and `,`.
 * Returns the pairs in input order, empty values included; duplicates and invalid UTF-8 are
 * reported on the pairs, not thrown, so a server can answer with Loki's own message.
 *
 * @throws {LabelSyntaxError} on a syntax error.
 */
export function parseLabels(input: string): ParsedLabel[] {
  let i = 0;
  const skipSpace = (): void => {
    while (i < input.length && WHITESPACE.test(input[i])) i++;
  };
  skipSpace();
  if (input[i] !== '{') throw new LabelSyntaxError('syntax error: unexpected input, expecting {', i);
  i++;
  const pairs: ParsedLabel[] = [];
  skipSpace();
  if (input[i] === '}') return finish(pairs, i + 1);
  // Bounded: each pass consumes a name, a value and a separator, or throws.
  while (i < input.length) {
    skipSpace();
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(input.slice(i, i + 2048));
    if (!nameMatch) {
      throw new LabelSyntaxError(
        `syntax error: unexpected character inside braces: ${JSON.stringify(input[i] ?? '')}`,
        i
      );
    }
    const name = nameMatch[0];
    i += name.length;
    skipSpace();
    if (input[i] !== '=') {
      throw new LabelSyntaxError(`syntax error: unexpected character after label name ${name}, expecting =`, i);
    }
    i++;
    skipSpace();
    let parsed;
    try {
      parsed = unquote(input, i);
    } catch (err) {
      if (err instanceof QuoteSyntaxError) {
        throw new LabelSyntaxError(`syntax error: ${err.message} in value of label ${name}`, i + err.offset);
      }
      throw err;
    }
    pairs.push({ name, value: parsed.value, invalidUtf8: parsed.invalidUtf8 });
    i = parsed.end;
    skipSpace();
    if (input[i] === ',') {
      i++;
      skipSpace();
      if (input[i] === '}') return finish(pairs, i + 1);
      continue;
    }
    if (input[i] === '}') return finish(pairs, i + 1);
    throw new LabelSyntaxError('syntax error: unexpected input, expecting , or }', i);
  }
  throw new LabelSyntaxError('syntax error: unexpected end of input, expecting }', i);

  function finish(result: ParsedLabel[], end: number): ParsedLabel[] {
    i = end;
    skipSpace();
    if (i < input.length) throw new LabelSyntaxError('syntax error: unexpected input after }', i);
    return result;
  }
}
