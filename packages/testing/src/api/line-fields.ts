/**
 * The fields `detected_fields` finds in a log line: Loki's `| json` parser (nested keys joined
 * with `_`, arrays and nulls skipped), else its non-strict `| logfmt` parser (empty values
 * skipped), keys sanitized and suffixed `_extracted` when they clash with a stream label; and
 * the type Loki gives a value.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/parser.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/querier/queryrange/detected_fields.go
 */
import { decodeLogfmt } from '../ingest/logfmt-decoder';

/** The parser that read a line's fields. */
export type LineParser = 'json' | 'logfmt';

/** What a line yields: its fields (last value wins), and the parser, if one succeeded. */
export interface LineFields {
  fields: Map<string, string>;
  parser?: LineParser;
  /** For JSON fields: the keys leading to the value, as written (current Loki's `jsonPath`). */
  paths?: Map<string, string[]>;
}

/** Loki's name for a parsed label that clashes with a stream label. */
const DUPLICATE_SUFFIX = '_extracted';

/** `sanitizeLabelKey(key, true)`. */
function sanitizeKey(key: string, leadingDigitPrefix: boolean): string {
  const trimmed = key.trim();
  if (trimmed === '') return trimmed;
  const prefixed = leadingDigitPrefix && /^[0-9]/.test(trimmed) ? '_' + trimmed : trimmed;
  return Array.from(prefixed, (c) => (/^[A-Za-z0-9_]$/.test(c) ? c : '_')).join('');
}

/** A JSON scalar as Loki's parser reads it: strings unescaped, numbers and booleans as written. */
type JsonScalar = { text: string } | null;
type JsonValue = JsonScalar | JsonObject | 'array';
interface JsonObject {
  entries: Array<[string, JsonValue]>;
}

class JsonSyntaxError extends Error {}

/** A JSON reader that keeps numbers as written (`1.0` stays `1.0`) and keys in document order. */
function readJson(text: string): JsonValue {
  let i = 0;
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw new JsonSyntaxError(`unexpected input at ${i}`);
  };
  const readString = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const readValue = (): JsonValue => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: Array<[string, JsonValue]> = [];
      space();
      if (text[i] === '}') {
        i++;
        return { entries };
      }
      // Bounded: each pass consumes one member or throws.
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        const key = readString();
        space();
        if (text[i] !== ':') fail();
        i++;
        entries.push([key, readValue()]);
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { entries };
        }
        fail();
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return 'array';
      }
      // Bounded: each pass consumes one element or throws.
      for (;;) {
        readValue();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return 'array';
        }
        fail();
      }
    }
    if (c === '"') return { text: readString() };
    const literal = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!literal) return fail();
    i += literal[0].length;
    return literal[0] === 'null' ? null : { text: literal[0] };
  };
  const value = readValue();
  space();
  if (i !== text.length) fail();
  return value;
}

function jsonFields(line: string, streamLabels: ReadonlySet<string>): Required<Omit<LineFields, 'parser'>> | undefined {
  let parsed: JsonValue;
  try {
    parsed = readJson(line);
  } catch (err) {
    if (err instanceof JsonSyntaxError || err instanceof SyntaxError) return undefined;
    throw err;
  }
  if (parsed === null || parsed === 'array' || !('entries' in parsed)) return undefined;
  const fields = new Map<string, string>();
  const paths = new Map<string, string[]>();
  const visit = (object: JsonObject, prefix: string, path: string[]): void => {
    for (const [key, value] of object.entries) {
      const name = prefix === '' ? sanitizeKey(key, true) : `${prefix}_${sanitizeKey(key, false)}`;
      if (value === null || value === 'array' || name === '') continue;
      if ('entries' in value) {
        visit(value, name, [...path, key]);
        continue;
      }
      const field = streamLabels.has(name) ? name + DUPLICATE_SUFFIX : name;
      fields.set(field, value.text);
      paths.set(field, [...path, key]);
    }
  };
  visit(parsed, '', []);
  return { fields, paths };
}

function logfmtFields(line: string, streamLabels: ReadonlySet<string>): Map<string, string> {
  const fields = new Map<string, string>();
  for (const { key, value } of decodeLogfmt(line, true).pairs) {
    const name = sanitizeKey(key, true);
    if (name === '' || value === undefined || value === '') continue;
    fields.set(streamLabels.has(name) ? name + DUPLICATE_SUFFIX : name, value);
  }
  return fields;
}

/** `parseEntry`: JSON first, logfmt when the line is not a JSON object. */
export function lineFields(line: string, streamLabels: ReadonlySet<string>): LineFields {
  const json = jsonFields(line, streamLabels);
  if (json !== undefined) return { ...json, parser: 'json' };
  return { fields: logfmtFields(line, streamLabels), parser: 'logfmt' };
}

/** A detected field's type, as `determineType` names it. */
export type FieldType = 'int' | 'float' | 'boolean' | 'duration' | 'bytes' | 'string';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const GO_FLOAT =
  /^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?\d+|inf|infinity|nan)$/i;
const GO_BOOL = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);
const GO_DURATION = /^[+-]?((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[+-]?0$/;
/** `humanize` byte size names (lower-cased; `""` means bytes). */
const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kib: 2 ** 10,
  kb: 1e3,
  mib: 2 ** 20,
  mb: 1e6,
  gib: 2 ** 30,
  gb: 1e9,
  tib: 2 ** 40,
  tb: 1e12,
  pib: 2 ** 50,
  pb: 1e15,
  eib: 2 ** 60,
  eb: 1e18,
  ki: 2 ** 10,
  k: 1e3,
  mi: 2 ** 20,
  m: 1e6,
  gi: 2 ** 30,
  g: 1e9,
  ti: 2 ** 40,
  t: 1e12,
  pi: 2 ** 50,
  p: 1e15,
  ei: 2 ** 60,
  e: 1e18,
};

/** `humanize.ParseBytes`: digits (commas allowed) and an optional unit; `undefined` if not a size. */
export function parseBytes(value: string): number | undefined {
  const match = /^\s*([\d.,]*)(.*)$/s.exec(value) as RegExpExecArray;
  const number = match[1].replace(/,/g, '');
  if (!GO_FLOAT.test(number) || /[a-z]/i.test(number)) return undefined;
  const unit = BYTE_UNITS[match[2].trim().toLowerCase()];
  return unit === undefined ? undefined : Number(number) * unit;
}

/** `determineType`: Go's ParseInt, ParseFloat, ParseBool, ParseDuration, then humanize's ParseBytes. */
export function fieldType(value: string): FieldType {
  if (/^[+-]?\d+$/.test(value)) {
    const n = BigInt(value);
    if (n >= INT64_MIN && n <= INT64_MAX) return 'int';
  }
  if (GO_FLOAT.test(value)) return 'float';
  if (GO_BOOL.has(value)) return 'boolean';
  if (GO_DURATION.test(value)) return 'duration';
  if (parseBytes(value) !== undefined) return 'bytes';
  return 'string';
}

const SI_SIZES = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** `humanize.Bytes` without its space (`36kB`), as `detected_field/<name>/values` rewrites byte sizes. */
export function humanBytes(bytes: number): string {
  if (bytes < 10) return `${Math.trunc(bytes)}B`;
  const exponent = Math.floor(Math.log(bytes) / Math.log(1000));
  const value = Math.floor((bytes / 1000 ** exponent) * 10 + 0.5) / 10;
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)}${SI_SIZES[exponent]}`;
}
