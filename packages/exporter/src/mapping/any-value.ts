/**
 * OpenTelemetry `AnyValue`s as strings, exactly as Loki's OTLP endpoint writes them
 * (`pcommon.Value.AsString` after OTel JS's OTLP transformer): strings as is, integers inside
 * int64 in decimal, other numbers (doubles) as JavaScript's `String(n)`, booleans `true`/`false`, bytes as standard
 * base64, maps and arrays as JSON with sorted keys and no HTML escaping.
 *
 * @see https://github.com/open-telemetry/opentelemetry-collector/blob/main/pdata/pcommon/value.go
 * @see https://github.com/open-telemetry/opentelemetry-js/blob/main/experimental/packages/otlp-transformer/src/common/internal.ts
 */
import { base64 } from '@otel-loki/push/internal';

/** Nesting depth beyond which a value is written as `null` (guards against cycles in bodies). */
const MAX_JSON_DEPTH = 64;
/** Integers beyond this lose digits in `String(n)`; inside int64 they are written from their exact value. */
const MAX_EXACT_INTEGER = Number.MAX_SAFE_INTEGER;
/** The int64 range, [-2^63, 2^63): OTel JS's protobuf serializer sends integral numbers inside it as `int_value`. */
const MIN_INT64 = -(2 ** 63);
const MAX_INT64_EXCLUSIVE = 2 ** 63;
/** Characters Go's JSON encoder escapes but `JSON.stringify` does not. */
const GO_EXTRA_ESCAPE = /[\u2028\u2029]/;
const GO_EXTRA_ESCAPES = /[\u2028\u2029]/g;

/**
 * A number as Loki stores it after OTel JS's protobuf serializer: an integral number inside
 * int64 travels as `int_value` and Go prints every digit of it (`strconv.FormatInt`); any other
 * number travels as `double_value`, which pdata's `float64AsString` writes as ES6 does, i.e.
 * as `String(n)` (`1e+21`, `1.5e-7`, `9223372036854776000` for 2^63).
 */
export function numberToString(value: number): string {
  if (
    (value > MAX_EXACT_INTEGER || value < -MAX_EXACT_INTEGER) &&
    Number.isInteger(value) &&
    value >= MIN_INT64 &&
    value < MAX_INT64_EXCLUSIVE
  ) {
    return BigInt(value).toString();
  }
  return String(value);
}

/** `Uint8Array` as standard base64, as Go's `base64.StdEncoding`. */
export function bytesToBase64(bytes: Uint8Array): string {
  return base64(bytes);
}

/**
 * An attribute value or body as Loki's OTLP endpoint stores it. `undefined`, `null`,
 * functions and symbols (no OTLP value) become the empty string.
 */
export function anyValueToString(value: unknown): string {
  // Strings first, outside the switch: a switch over `typeof` makes the optimizing compiler
  // call a builtin for the type's name; a comparison with a constant it inlines.
  if (typeof value === 'string') return value;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return numberToString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return '';
      if (value instanceof Uint8Array) return bytesToBase64(value);
      return toGoJson(value, 0, undefined);
    default:
      return '';
  }
}

/** A string as a JSON string literal, escaped as Go's `encoding/json` without HTML escaping. */
export function jsonQuote(value: string): string {
  const text = value.isWellFormed() ? value : value.toWellFormed();
  const quoted = JSON.stringify(text);
  return GO_EXTRA_ESCAPE.test(quoted) ? quoted.replace(GO_EXTRA_ESCAPES, escapeLineSeparator) : quoted;
}

function escapeLineSeparator(ch: string): string {
  return ch === '\u2028' ? '\\u2028' : '\\u2029';
}

/**
 * Compares strings by Unicode code point, which is the byte order of their UTF-8 encodings
 * (Go sorts map keys that way); JavaScript's `<` compares UTF-16 code units instead.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  // Surrogates (U+D800–DFFF) start code points above U+FFFF: rank them after U+E000–FFFF.
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/**
 * A value as JSON the way Go's `json.Marshal(value.AsRaw())` writes it after the OTLP
 * transformer: sorted keys, int64 integers exact, `undefined` as `null`, bytes as base64 strings.
 * Where Go fails (NaN, ±Infinity) and Loki then stores an empty line, this writes `null`.
 */
export function toGoJson(value: unknown, depth: number, seen: Set<object> | undefined): string {
  switch (typeof value) {
    case 'string':
      return jsonQuote(value);
    case 'number':
      return Number.isFinite(value) ? numberToString(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof Uint8Array) return `"${bytesToBase64(value)}"`;
      if (depth >= MAX_JSON_DEPTH) return 'null';
      const visiting = seen ?? new Set<object>();
      if (visiting.has(value)) return 'null';
      visiting.add(value);
      const out = Array.isArray(value) ? arrayToGoJson(value, depth, visiting) : objectToGoJson(value, depth, visiting);
      visiting.delete(value);
      return out;
    }
    default:
      return 'null';
  }
}

function arrayToGoJson(values: readonly unknown[], depth: number, seen: Set<object>): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += toGoJson(values[i], depth + 1, seen);
  }
  return out + ']';
}

function objectToGoJson(value: object, depth: number, seen: Set<object>): string {
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort(compareCodePoints);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ',';
    out += jsonQuote(keys[i]) + ':' + toGoJson(record[keys[i]], depth + 1, seen);
  }
  return out + '}';
}

/** True for values the OTLP transformer sends as a key/value list (a map), not a scalar or array. */
export function isAttributeMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
