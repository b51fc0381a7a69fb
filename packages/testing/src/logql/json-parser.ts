/**
 * `| json` as Loki runs it on top of buger/jsonparser: nested objects flattened with `_`
 * (`http_status`), arrays and nulls skipped, numbers kept as written, jsonparser's error texts
 * in `__error_details__`, labels before an error kept; `| json a="x.y[0]"` with its paths;
 * `| unpack`.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/parser.go
 * @see https://github.com/buger/jsonparser/blob/master/parser.go
 */
import type { Extraction } from './ast';
import { DUPLICATE_SUFFIX } from './labels-builder';
import type { LabelsBuilder } from './labels-builder';

const MALFORMED_OBJECT = "Value looks like object, but can't find closing '}' symbol";
const MALFORMED_ARRAY = "Value is array, but can't find closing ']' symbol";
const MALFORMED_JSON = 'Malformed JSON error';
const MALFORMED_STRING = "Value is string, but can't find closing '\"' symbol";
const MALFORMED_VALUE = "Value looks like Number/Boolean/None, but can't find its end: ',' or '}' symbol";
const UNKNOWN_VALUE_TYPE = 'Unknown value type';
const JSON_PARSER_ERR = 'JSONParserErr';

class JsonError extends Error {}
/** Parsing stopped early on purpose (every required label found). */
class Stop extends Error {}

type ValueType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

function nextToken(s: string, i: number): number {
  for (; i < s.length; i++) {
    const c = s[i];
    if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') return i;
  }
  return -1;
}

/** Index after the closing quote of a string whose content starts at `i`, or -1. */
function stringEnd(s: string, i: number): number {
  for (; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i + 1;
  }
  return -1;
}

function blockEnd(s: string, i: number, open: string, close: string): number {
  let level = 0;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      const end = stringEnd(s, i + 1);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === open) level++;
    else if (c === close) {
      level--;
      if (level === 0) return i + 1;
    }
  }
  return -1;
}

function tokenEnd(s: string, i: number): number {
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === ',' || c === '}' || c === ']') return i;
  }
  return s.length;
}

/** jsonparser's `getType` at `i`: the value's text (strings without quotes), its type and end. */
function getValue(s: string, i: number): { text: string; type: ValueType; end: number } {
  const c = s[i];
  if (c === '"') {
    const end = stringEnd(s, i + 1);
    if (end < 0) throw new JsonError(MALFORMED_STRING);
    return { text: s.slice(i + 1, end - 1), type: 'string', end };
  }
  if (c === '[' || c === '{') {
    const end = blockEnd(s, i, c, c === '[' ? ']' : '}');
    if (end < 0) throw new JsonError(c === '[' ? MALFORMED_ARRAY : MALFORMED_OBJECT);
    return { text: s.slice(i, end), type: c === '[' ? 'array' : 'object', end };
  }
  const end = tokenEnd(s, i);
  const text = s.slice(i, end);
  if (c === 't' || c === 'f') {
    if (text !== 'true' && text !== 'false') throw new JsonError(UNKNOWN_VALUE_TYPE);
    return { text, type: 'boolean', end };
  }
  if (c === 'n' || c === 'u') {
    if (text !== 'null') throw new JsonError(UNKNOWN_VALUE_TYPE);
    return { text, type: 'null', end };
  }
  if ((c >= '0' && c <= '9') || c === '-') return { text, type: 'number', end };
  if (end === i && i >= s.length) throw new JsonError(MALFORMED_VALUE);
  throw new JsonError(UNKNOWN_VALUE_TYPE);
}

/** jsonparser's `ObjectEach`. */
function objectEach(s: string, callback: (key: string, text: string, type: ValueType) => void): void {
  let i = nextToken(s, 0);
  if (i < 0 || s[i] !== '{') throw new JsonError(MALFORMED_OBJECT);
  i = nextToken(s, i + 1);
  if (i < 0) throw new JsonError(MALFORMED_JSON);
  if (s[i] === '}') return;
  while (i < s.length) {
    if (s[i] === '}') return;
    if (s[i] !== '"') throw new JsonError(MALFORMED_OBJECT);
    const keyEnd = stringEnd(s, i + 1);
    if (keyEnd < 0) throw new JsonError(MALFORMED_JSON);
    const key = unescape(s.slice(i + 1, keyEnd - 1));
    i = nextToken(s, keyEnd);
    if (i < 0 || s[i] !== ':') throw new JsonError(MALFORMED_JSON);
    i = nextToken(s, i + 1);
    if (i < 0) throw new JsonError(MALFORMED_JSON);
    const value = getValue(s, i);
    callback(key, value.text, value.type);
    i = nextToken(s, value.end);
    if (i < 0) throw new JsonError(MALFORMED_ARRAY);
    if (s[i] === '}') return;
    if (s[i] !== ',') throw new JsonError(MALFORMED_OBJECT);
    i = nextToken(s, i + 1);
    if (i < 0) throw new JsonError(MALFORMED_ARRAY);
  }
  throw new JsonError(MALFORMED_OBJECT);
}

/** jsonparser's `Unescape`, with invalid UTF-8 replaced by spaces as Loki does; "" when invalid. */
function unescape(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return (JSON.parse(`"${raw}"`) as string).replace(/\uFFFD/g, ' ');
  } catch {
    return '';
  }
}

function readValue(text: string, type: ValueType): string {
  if (type === 'string') return unescape(text).replace(/\uFFFD/g, ' ');
  return text;
}

/** Loki's `sanitizeLabelKey`: characters outside `[a-zA-Z0-9_]` become `_`; a leading digit gets `_`. */
export function sanitizeLabelKey(key: string, isPrefix: boolean): string {
  let k = key.trim();
  if (k.length === 0) return k;
  if (isPrefix && k[0] >= '0' && k[0] <= '9') k = '_' + k;
  return k.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** `| json` without parameters. */
export function parseJsonLine(line: string, lbs: LabelsBuilder): void {
  const hints = lbs.hints;
  if (hints.skipParsing()) return;
  const visit = (prefix: string) => (key: string, text: string, type: ValueType) => {
    if (type === 'object') {
      const next = prefix === '' ? sanitizeLabelKey(key, true) : `${prefix}_${sanitizeLabelKey(key, false)}`;
      if (hints.shouldExtractPrefix(next)) objectEach(text, visit(next));
      if (hints.allRequiredExtracted()) throw new Stop();
      return;
    }
    if (type === 'array' || type === 'null') return;
    let name = prefix === '' ? sanitizeLabelKey(key, true) : `${prefix}_${sanitizeLabelKey(key, false)}`;
    if (lbs.baseHas(name)) name += DUPLICATE_SUFFIX;
    if (hints.shouldExtract(name)) lbs.setParsed(name, readValue(text, type));
    if (hints.allRequiredExtracted()) throw new Stop();
  };
  try {
    objectEach(line, visit(''));
  } catch (err) {
    if (err instanceof Stop) return;
    if (err instanceof JsonError) {
      lbs.setError(JSON_PARSER_ERR, err.message);
      return;
    }
    throw err;
  }
}

/** Parses a Loki JSON expression (`a.b[0]`, `["key.with.dots"]`) into path parts. */
export function parseJsonPath(expression: string): Array<string | number> {
  const parts: Array<string | number> = [];
  const re = /\[\s*"((?:\\.|[^"\\])*)"\s*\]|\[(\d+)\]|\.?([^.[\]]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(expression)) !== null) {
    if (m[1] !== undefined) parts.push(JSON.parse(`"${m[1]}"`) as string);
    else if (m[2] !== undefined) parts.push(Number(m[2]));
    else parts.push(m[3]);
    at = re.lastIndex;
  }
  if (at !== expression.length || parts.length === 0) throw new Error(`cannot parse expression [${expression}]`);
  return parts;
}

function lookup(
  text: string,
  type: ValueType,
  path: Array<string | number>
): { text: string; type: ValueType } | undefined {
  let current: { text: string; type: ValueType } = { text, type };
  for (const part of path) {
    let found: { text: string; type: ValueType } | undefined;
    if (typeof part === 'number') {
      if (current.type !== 'array') return undefined;
      const values = JSON.parse(current.text) as unknown[];
      if (part >= values.length) return undefined;
      const v = values[part];
      const raw = JSON.stringify(v);
      found = getValue(raw, 0);
    } else {
      if (current.type !== 'object') return undefined;
      objectEach(current.text, (key, t, ty) => {
        if (key === part) found = { text: t, type: ty };
      });
    }
    if (!found) return undefined;
    current = found;
  }
  return current;
}

/** `| json a="x.y"`: each expression's value, "" when absent; invalid JSON sets `JSONParserErr`. */
export function parseJsonExpressions(
  line: string,
  extractions: Extraction[],
  paths: Array<Array<string | number>>,
  lbs: LabelsBuilder
): void {
  if (line.length === 0 || lbs.hints.skipParsing()) return;
  if (!'"{['.includes(line[0])) {
    lbs.setError(JSON_PARSER_ERR);
    return;
  }
  const top = line[0] === '{' ? 'object' : line[0] === '[' ? 'array' : 'string';
  extractions.forEach((ex, i) => {
    const name = lbs.baseHas(ex.name) ? ex.name + DUPLICATE_SUFFIX : ex.name;
    let found;
    try {
      found = lookup(line, top, paths[i]);
    } catch (err) {
      if (err instanceof JsonError) {
        lbs.setError(JSON_PARSER_ERR, err.message);
        return;
      }
      throw err;
    }
    if (!found) {
      if (lbs.get(ex.name) === undefined) lbs.setParsed(ex.name, '');
      return;
    }
    lbs.setParsed(name, found.type === 'null' ? '' : found.type === 'string' ? unescape(found.text) : found.text);
  });
}

/** `| unpack`: the fields of a packed entry become labels and `_entry` the line. */
export function unpackLine(line: string, lbs: LabelsBuilder): string {
  if (line.length === 0 || lbs.hints.skipParsing()) return line;
  if (line[0] !== '{') {
    lbs.setError(JSON_PARSER_ERR, 'expecting json object(6), but it is not');
    return line;
  }
  const pairs: Array<[string, string]> = [];
  let entry: string | undefined;
  try {
    objectEach(line, (key, text, type) => {
      if (type !== 'string') return;
      if (key === '_entry') {
        entry = unescape(text);
        return;
      }
      let field = key;
      if (lbs.baseHas(field)) field += DUPLICATE_SUFFIX;
      if (!lbs.hints.shouldExtract(field)) return;
      pairs.push([sanitizeLabelKey(field, true), unescape(text)]);
    });
  } catch (err) {
    if (err instanceof JsonError) {
      lbs.setError(JSON_PARSER_ERR, err.message);
      return line;
    }
    throw err;
  }
  if (entry === undefined) return line;
  for (const [name, value] of pairs) lbs.setParsed(name, value);
  return entry;
}
