/**
 * buger/jsonparser's scanning as Loki's JSON parsers use it: `ObjectEach` over a line without
 * copying values, value types and ends as jsonparser finds them, and its error texts
 * (`Value looks like object, but can't find closing '}' symbol`).
 *
 * @see https://github.com/buger/jsonparser/blob/master/parser.go
 */

const MALFORMED_OBJECT = "Value looks like object, but can't find closing '}' symbol";
const MALFORMED_ARRAY = "Value is array, but can't find closing ']' symbol";
const MALFORMED_JSON = 'Malformed JSON error';
const MALFORMED_STRING = "Value is string, but can't find closing '\"' symbol";
const MALFORMED_VALUE = "Value looks like Number/Boolean/None, but can't find its end: ',' or '}' symbol";
const UNKNOWN_VALUE_TYPE = 'Unknown value type';

export class JsonError extends Error {}

export type ValueType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

const SPACE = 0x20;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === SPACE || c === NEWLINE || c === RETURN || c === TAB;
}

function nextToken(s: string, i: number, end: number): number {
  for (; i < end; i++) if (!isSpace(s.charCodeAt(i))) return i;
  return -1;
}

/** Index after the closing quote of a string whose content starts at `i`, or -1. */
function stringEnd(s: string, i: number, end: number): number {
  // Bounded: every pass moves past a quote or returns.
  for (;;) {
    const q = s.indexOf('"', i);
    if (q < 0 || q >= end) return -1;
    let backslashes = 0;
    for (let j = q - 1; j >= i && s.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

function blockEnd(s: string, i: number, end: number, open: number, close: number): number {
  let level = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      const after = stringEnd(s, i + 1, end);
      if (after < 0) return -1;
      i = after - 1;
    } else if (c === open) level++;
    else if (c === close) {
      level--;
      if (level === 0) return i + 1;
    }
  }
  return -1;
}

function tokenEnd(s: string, i: number, end: number): number {
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (isSpace(c) || c === 0x2c || c === 0x7d || c === 0x5d) return i;
  }
  return end;
}

/** The type of the value {@link scanValue} last scanned (kept outside to scan without allocating). */
let scannedType: ValueType = 'null';

/** jsonparser's `getType` at `i`: the index after the value; its type in `scannedType`. */
function scanValue(s: string, i: number, end: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) {
    const after = stringEnd(s, i + 1, end);
    if (after < 0) throw new JsonError(MALFORMED_STRING);
    scannedType = 'string';
    return after;
  }
  if (c === 0x5b || c === 0x7b) {
    const after = c === 0x5b ? blockEnd(s, i, end, 0x5b, 0x5d) : blockEnd(s, i, end, 0x7b, 0x7d);
    if (after < 0) throw new JsonError(c === 0x5b ? MALFORMED_ARRAY : MALFORMED_OBJECT);
    scannedType = c === 0x5b ? 'array' : 'object';
    return after;
  }
  const after = tokenEnd(s, i, end);
  if (c === 0x74 || c === 0x66) {
    const text = s.slice(i, after);
    if (text !== 'true' && text !== 'false') throw new JsonError(UNKNOWN_VALUE_TYPE);
    scannedType = 'boolean';
    return after;
  }
  if (c === 0x6e || c === 0x75) {
    if (s.slice(i, after) !== 'null') throw new JsonError(UNKNOWN_VALUE_TYPE);
    scannedType = 'null';
    return after;
  }
  if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
    scannedType = 'number';
    return after;
  }
  if (after === i && i >= end) throw new JsonError(MALFORMED_VALUE);
  throw new JsonError(UNKNOWN_VALUE_TYPE);
}

/** jsonparser's `getType` at `i`: the value's text (strings without quotes), its type and end. */
export function getValue(s: string, i: number): { text: string; type: ValueType; end: number } {
  const after = scanValue(s, i, s.length);
  const type = scannedType;
  const text = type === 'string' ? s.slice(i + 1, after - 1) : s.slice(i, after);
  return { text, type, end: after };
}

/**
 * Visits one member of an object: the key (unescaped), where its value starts and ends in the
 * line, and the value's type.
 */
export type MemberVisitor = (
  keyStart: number,
  keyEnd: number,
  index: number,
  valueStart: number,
  valueEnd: number,
  type: ValueType
) => void;

/** jsonparser's `ObjectEach` over `s[start, end)`, without copying values. */
export function objectEachAt(s: string, start: number, end: number, visit: MemberVisitor): void {
  let index = 0;
  let i = nextToken(s, start, end);
  if (i < 0 || s.charCodeAt(i) !== 0x7b) throw new JsonError(MALFORMED_OBJECT);
  i = nextToken(s, i + 1, end);
  if (i < 0) throw new JsonError(MALFORMED_JSON);
  if (s.charCodeAt(i) === 0x7d) return;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 0x7d) return;
    if (c !== QUOTE) throw new JsonError(MALFORMED_OBJECT);
    const keyEnd = stringEnd(s, i + 1, end);
    if (keyEnd < 0) throw new JsonError(MALFORMED_JSON);
    const keyStart = i + 1;
    i = nextToken(s, keyEnd, end);
    if (i < 0 || s.charCodeAt(i) !== 0x3a) throw new JsonError(MALFORMED_JSON);
    i = nextToken(s, i + 1, end);
    if (i < 0) throw new JsonError(MALFORMED_JSON);
    const valueEnd = scanValue(s, i, end);
    visit(keyStart, keyEnd - 1, index++, i, valueEnd, scannedType);
    i = nextToken(s, valueEnd, end);
    if (i < 0) throw new JsonError(MALFORMED_ARRAY);
    const next = s.charCodeAt(i);
    if (next === 0x7d) return;
    if (next !== 0x2c) throw new JsonError(MALFORMED_OBJECT);
    i = nextToken(s, i + 1, end);
    if (i < 0) throw new JsonError(MALFORMED_ARRAY);
  }
  throw new JsonError(MALFORMED_OBJECT);
}

/** jsonparser's `ObjectEach` with each value's text (strings without their quotes). */
export function objectEach(s: string, callback: (key: string, text: string, type: ValueType) => void): void {
  objectEachAt(s, 0, s.length, (keyStart, keyEnd, _index, start, end, type) =>
    callback(
      unescape(s.slice(keyStart, keyEnd)),
      type === 'string' ? s.slice(start + 1, end - 1) : s.slice(start, end),
      type
    )
  );
}

/** jsonparser's `Unescape`, with invalid UTF-8 replaced by spaces as Loki does; "" when invalid. */
export function unescape(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return (JSON.parse(`"${raw}"`) as string).replace(/\uFFFD/g, ' ');
  } catch {
    return '';
  }
}
