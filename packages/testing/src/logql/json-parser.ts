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
import { getValue, JsonError, objectEach, objectEachAt, unescape } from './json-scanner';
import type { MemberVisitor, ValueType } from './json-scanner';
import { DUPLICATE_SUFFIX } from './labels-builder';
import type { LabelsBuilder } from './labels-builder';

const JSON_PARSER_ERR = 'JSONParserErr';

/** Parsing stopped early on purpose (every required label found). */
class Stop extends Error {}

function readValue(text: string, type: ValueType): string {
  if (type !== 'string') return text;
  const value = unescape(text);
  return value.includes('\uFFFD') ? value.replace(/\uFFFD/g, ' ') : value;
}

const VALID_KEY = /^[a-zA-Z0-9_]+$/;

/** Loki's `sanitizeLabelKey`: characters outside `[a-zA-Z0-9_]` become `_`; a leading digit gets `_`. */
export function sanitizeLabelKey(key: string, isPrefix: boolean): string {
  if (VALID_KEY.test(key) && !(isPrefix && key.charCodeAt(0) <= 0x39)) return key;
  let k = key.trim();
  if (k.length === 0) return k;
  if (isPrefix && k[0] >= '0' && k[0] <= '9') k = '_' + k;
  return k.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** Label names of the top-level keys of the last line of a stream, by position: lines of a stream repeat their keys. */
interface KeyCache {
  raw: string[];
  names: string[];
}

const KEY_CACHES = new WeakMap<LabelsBuilder, KeyCache>();
/** Positions remembered per stream. */
const CACHED_KEY_POSITIONS = 64;

let currentLine = '';
let currentLbs: LabelsBuilder | undefined;
let currentKeys: KeyCache = { raw: [], names: [] };

/** The label name of a top-level key, without copying the key when it sits where it did in the previous line. */
function topLevelName(keyStart: number, keyEnd: number, index: number): string {
  const line = currentLine;
  const lbs = currentLbs as LabelsBuilder;
  const raw = currentKeys.raw[index];
  if (raw !== undefined && raw.length === keyEnd - keyStart && line.startsWith(raw, keyStart)) {
    return currentKeys.names[index];
  }
  const text = line.slice(keyStart, keyEnd);
  const name = lbs.resolveKey(unescape(text));
  if (index < CACHED_KEY_POSITIONS && !text.includes('\\')) {
    currentKeys.raw[index] = text;
    currentKeys.names[index] = name;
  }
  return name;
}

function extract(name: string, start: number, end: number, type: ValueType): void {
  const lbs = currentLbs as LabelsBuilder;
  if (lbs.hints.shouldExtract(name)) {
    const text = type === 'string' ? currentLine.slice(start + 1, end - 1) : currentLine.slice(start, end);
    lbs.setParsed(name, readValue(text, type));
  }
  if (lbs.hints.allRequiredExtracted()) throw new Stop();
}

function nested(prefix: string): MemberVisitor {
  return (keyStart, keyEnd, _index, start, end, type) => {
    const lbs = currentLbs as LabelsBuilder;
    const name = `${prefix}_${sanitizeLabelKey(unescape(currentLine.slice(keyStart, keyEnd)), false)}`;
    if (type === 'object') {
      if (lbs.hints.shouldExtractPrefix(name)) objectEachAt(currentLine, start, end, nested(name));
      if (lbs.hints.allRequiredExtracted()) throw new Stop();
      return;
    }
    if (type === 'array' || type === 'null') return;
    extract(lbs.resolveKey(name, true), start, end, type);
  };
}

const visitTopLevel: MemberVisitor = (keyStart, keyEnd, index, start, end, type) => {
  const lbs = currentLbs as LabelsBuilder;
  if (type === 'object') {
    const prefix = sanitizeLabelKey(unescape(currentLine.slice(keyStart, keyEnd)), true);
    if (lbs.hints.shouldExtractPrefix(prefix)) objectEachAt(currentLine, start, end, nested(prefix));
    if (lbs.hints.allRequiredExtracted()) throw new Stop();
    return;
  }
  if (type === 'array' || type === 'null') return;
  const name = topLevelName(keyStart, keyEnd, index);
  // A label the hints do not ask for: nothing to extract, nothing newly complete.
  if (lbs.hints.required !== undefined && !lbs.hints.required.includes(name)) return;
  extract(name, start, end, type);
};

/** `| json` without parameters. */
export function parseJsonLine(line: string, lbs: LabelsBuilder): void {
  if (lbs.hints.skipParsing()) return;
  let keys = KEY_CACHES.get(lbs);
  if (!keys) {
    keys = { raw: [], names: [] };
    KEY_CACHES.set(lbs, keys);
  }
  currentLine = line;
  currentLbs = lbs;
  currentKeys = keys;
  try {
    objectEachAt(line, 0, line.length, visitTopLevel);
  } catch (err) {
    if (err instanceof Stop) return;
    if (err instanceof JsonError) {
      lbs.setError(JSON_PARSER_ERR, err.message);
      return;
    }
    throw err;
  } finally {
    currentLbs = undefined;
    currentLine = '';
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
