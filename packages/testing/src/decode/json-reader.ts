/**
 * A small JSON reader that keeps the raw text of every value, because Loki's JSON push decoder
 * (jsoniter plus buger/jsonparser) uses raw, still-escaped text in places, and reports errors
 * with jsoniter's position excerpt.
 */

/** A parsed JSON value with its source span. */
export type JsonNode =
  | { kind: 'object'; start: number; end: number; fields: JsonField[] }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'string'; start: number; end: number; raw: string; value: string }
  | { kind: 'number' | 'true' | 'false' | 'null'; start: number; end: number; raw: string };

/** One field of a JSON object: the key's raw and decoded text, and the value. */
export interface JsonField {
  rawKey: string;
  key: string;
  value: JsonNode;
}

/** A syntax error at `index` in the text. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly index: number
  ) {
    super(message);
  }
}

const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Reads one JSON value starting at `start` (leading whitespace skipped). */
export function readJson(text: string, start = 0): JsonNode {
  let i = start;
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, i);
  };

  function readString(): { raw: string; value: string; start: number } {
    const begin = i;
    i++; // opening quote
    // Bounded: every pass consumes at least one character.
    while (i < text.length) {
      const ch = text[i];
      if (ch === '"') {
        const raw = text.slice(begin + 1, i);
        i++;
        try {
          return { raw, value: JSON.parse(text.slice(begin, i)) as string, start: begin };
        } catch {
          i = begin;
          return fail('invalid escape char in string');
        }
      }
      i += ch === '\\' ? 2 : 1;
    }
    return fail('incomplete string');
  }

  function readValue(depth: number): JsonNode {
    if (depth > MAX_DEPTH) fail('exceeded max depth');
    skipSpace();
    const begin = i;
    const ch = text[i];
    if (ch === undefined) return fail('unexpected end of input');
    if (ch === '{') {
      i++;
      const fields: JsonField[] = [];
      skipSpace();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', start: begin, end: i, fields };
      }
      // Bounded: every pass consumes a field or throws.
      while (i < text.length) {
        skipSpace();
        if (text[i] !== '"') fail(`expect ", but found ${text[i] ?? 'EOF'}`);
        const key = readString();
        skipSpace();
        if (text[i] !== ':') fail(`expect :, but found ${text[i] ?? 'EOF'}`);
        i++;
        fields.push({ rawKey: key.raw, key: key.value, value: readValue(depth + 1) });
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'object', start: begin, end: i, fields };
        }
        fail(`object not ended with }, but found ${text[i] ?? 'EOF'}`);
      }
      return fail('object not ended with }');
    }
    if (ch === '[') {
      i++;
      const items: JsonNode[] = [];
      skipSpace();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', start: begin, end: i, items };
      }
      // Bounded: every pass consumes an item or throws.
      while (i < text.length) {
        items.push(readValue(depth + 1));
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { kind: 'array', start: begin, end: i, items };
        }
        fail(`expect , or ], but found ${text[i] ?? 'EOF'}`);
      }
      return fail('array not ended with ]');
    }
    if (ch === '"') {
      const s = readString();
      return { kind: 'string', start: begin, end: i, raw: s.raw, value: s.value };
    }
    for (const literal of ['true', 'false', 'null'] as const) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return { kind: literal, start: begin, end: i, raw: literal };
      }
    }
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (match) {
      i += match[0].length;
      return { kind: 'number', start: begin, end: i, raw: match[0] };
    }
    return fail(`unexpected character ${ch}`);
  }

  return readValue(0);
}

const PEEK = 10;
const CONTEXT = 50;

/**
 * jsoniter's `Iterator.ReportError` text: `op: msg, error found in #N byte of ...|peek|...,
 * bigger context ...|context|...`, where `head` is the reader's position.
 *
 * @see https://github.com/json-iterator/go/blob/master/iter.go
 */
export function jsoniterError(text: string, head: number, operation: string, message: string): string {
  const peekStart = Math.max(0, head - PEEK);
  const peek = text.slice(peekStart, Math.min(text.length, head + PEEK));
  const context = text.slice(Math.max(0, head - CONTEXT), Math.min(text.length, head + CONTEXT));
  return `${operation}: ${message}, error found in #${head - peekStart} byte of ...|${peek}|..., bigger context ...|${context}|...`;
}
