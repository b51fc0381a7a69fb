/**
 * Loki's JSON push bodies, decoded as Loki 3.x decodes them, quirks included:
 * - `/loki/api/v1/push`: `{"streams":[{"stream":{...},"values":[["<ns>","<line>",{...}]]}]}`
 *   (`pkg/loghttp/query.go`: `LogProtoStream.UnmarshalJSON`, `unmarshalHTTPToLogProtoEntry`).
 *   Stream label keys and values are unescaped (`LabelSet.UnmarshalJSON`), and a non-string
 *   label value is taken as its raw JSON text; structured metadata names and values are taken
 *   **raw, still escaped** (`string(key)`, `string(val)`), so `"a\"b"` is stored as `a\"b`.
 * - `/api/prom/push` (legacy): `{"streams":[{"labels":"{...}","entries":[{"ts":"<RFC3339>","line":"..."}]}]}`.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/query.go
 * @see https://github.com/grafana/loki/blob/main/pkg/util/unmarshal/unmarshal.go
 */
import type { MetadataPair, PushEntry, PushStream } from '@otel-loki/push';
import { goQuote } from '@otel-loki/push/internal';
import { jsoniterError, JsonSyntaxError, readJson } from './json-reader';
import type { JsonNode } from './json-reader';

/** buger/jsonparser's error texts, which Loki returns as they are. */
export const JSONPARSER_ERRORS = {
  malformedString: `Value is string, but can't find closing '"' symbol`,
  malformedObject: "Value looks like object, but can't find closing '}' symbol",
  malformedArray: "Value is array, but can't find closing ']' symbol",
  malformedValue: "Value looks like Number/Boolean/None, but can't find its end: ',' or '}' symbol",
  overflowInteger: 'Value is number, but overflowed while parsing',
} as const;

const STREAMS_PREFIX = 'loghttp.PushRequest.Streams: []loghttp.LogProtoStream: ';
const INT64_MAX = 9223372036854775807n;

/** A body Loki could not decode; `message` is Loki's answer (status 400). */
export class PushDecodeError extends Error {}

/** A decoding problem inside one stream object, reported by jsoniter as `unmarshalerDecoder`. */
class StreamError extends Error {}

function parseJsonOrThrow(text: string, operationPrefix: string): JsonNode | undefined {
  if (text.trim() === '') throw new PushDecodeError('EOF');
  try {
    return readJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new PushDecodeError(operationPrefix + jsoniterError(text, err.index + 1, 'ReadObject', err.message));
    }
    throw err;
  }
}

function fieldsOf(node: JsonNode, name: string, caseInsensitive: boolean): JsonNode | undefined {
  if (node.kind !== 'object') return undefined;
  let found: JsonNode | undefined;
  for (const field of node.fields) {
    const matches = caseInsensitive ? field.key.toLowerCase() === name : field.key === name;
    if (matches) found = field.value;
  }
  return found;
}

/** Decodes a `/loki/api/v1/push` JSON body. @throws {PushDecodeError} with Loki's message. */
export function decodeJsonPush(text: string): PushStream[] {
  const root = parseJsonOrThrow(text, 'loghttp.PushRequest.') as JsonNode;
  if (root.kind === 'null') return [];
  if (root.kind !== 'object') {
    throw new PushDecodeError(
      'loghttp.PushRequest.' +
        jsoniterError(text, root.start + 1, 'readObjectStart', `expect { or n, but found ${text[root.start]}`)
    );
  }
  // jsoniter matches struct fields case-insensitively.
  const streams = fieldsOf(root, 'streams', true);
  if (streams === undefined || streams.kind === 'null') return [];
  if (streams.kind !== 'array') {
    throw new PushDecodeError(
      STREAMS_PREFIX +
        jsoniterError(text, streams.start + 1, 'decode slice', `expect [ or n, but found ${text[streams.start]}`)
    );
  }
  return streams.items.map((item) => {
    try {
      return decodeStream(item, text);
    } catch (err) {
      if (err instanceof StreamError) {
        throw new PushDecodeError(STREAMS_PREFIX + jsoniterError(text, item.end, 'unmarshalerDecoder', err.message));
      }
      throw err;
    }
  });
}

function decodeStream(node: JsonNode, text: string): PushStream {
  if (node.kind !== 'object') throw new StreamError(JSONPARSER_ERRORS.malformedObject);
  let labels = '';
  let entries: PushEntry[] = [];
  // jsonparser's ObjectEach visits every field; a later duplicate wins.
  for (const field of node.fields) {
    if (field.rawKey === 'stream') {
      labels = labelSetString(field.value, text);
    } else if (field.rawKey === 'values') {
      if (field.value.kind === 'null') continue;
      if (field.value.kind !== 'array') throw new StreamError(JSONPARSER_ERRORS.malformedArray);
      entries = field.value.items.filter((item) => item.kind !== 'null').map(decodeEntry);
    }
  }
  return { labels, entries };
}

/** `LabelSet.UnmarshalJSON` then `LabelSet.String()`: sorted, `, `-joined, values Go-quoted, names as they are. */
function labelSetString(node: JsonNode, text: string): string {
  if (node.kind !== 'object') throw new StreamError(JSONPARSER_ERRORS.malformedObject);
  const labels = new Map<string, string>();
  for (const field of node.fields) {
    const value =
      field.value.kind === 'string'
        ? field.value.value
        : parseStringOfRaw(text.slice(field.value.start, field.value.end));
    labels.set(field.key, value);
  }
  // Go's sort.Strings: byte order.
  const names = [...labels.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return '{' + names.map((name) => `${name}=${goQuote(labels.get(name) as string)}`).join(', ') + '}';
}

/** jsonparser's `ParseString` of a raw non-string value: as it is, unescaped if it holds a backslash. */
function parseStringOfRaw(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

function decodeEntry(node: JsonNode): PushEntry {
  if (node.kind !== 'array') throw new StreamError(JSONPARSER_ERRORS.malformedArray);
  let timestampNanos = 0n;
  let line = '';
  let metadata: MetadataPair[] | undefined;
  node.items.forEach((item, index) => {
    if ((index === 0 || index === 1) && item.kind !== 'string') {
      throw new StreamError(JSONPARSER_ERRORS.malformedString);
    }
    if (index === 2 && item.kind !== 'object') throw new StreamError(JSONPARSER_ERRORS.malformedObject);
    if (index === 0 && item.kind === 'string') timestampNanos = parseJsonparserInt(item.raw);
    if (index === 1 && item.kind === 'string') line = item.value;
    if (index === 2 && item.kind === 'object') {
      metadata = item.fields.map((field) => {
        if (field.value.kind !== 'string') throw new StreamError(JSONPARSER_ERRORS.malformedString);
        // Loki keeps the raw, still-escaped text here (`string(key)`, `string(val)`).
        return { name: field.rawKey, value: field.value.raw };
      });
    }
  });
  return metadata && metadata.length > 0 ? { timestampNanos, line, metadata } : { timestampNanos, line };
}

/** buger/jsonparser's `ParseInt` of a raw string body. */
function parseJsonparserInt(raw: string): bigint {
  if (!/^-?\d*$/.test(raw) || raw === '') throw new StreamError(JSONPARSER_ERRORS.malformedValue);
  const value = BigInt(raw === '-' ? '0' : raw);
  if (value > INT64_MAX || value < -INT64_MAX - 1n) throw new StreamError(JSONPARSER_ERRORS.overflowInteger);
  return value;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 date-time (nanosecond precision) as Go's `time.Time.UnmarshalJSON`. */
function parseRfc3339Nanos(value: string): bigint {
  const m = RFC3339.exec(value);
  if (!m) {
    throw new PushDecodeError(
      `parsing time ${JSON.stringify(JSON.stringify(value))} as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse`
    );
  }
  const seconds = BigInt(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000);
  const fraction = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  const offsetSeconds = m[8] ? 0n : BigInt((m[9] === '-' ? -1 : 1) * (+m[10] * 3600 + +m[11] * 60));
  return (seconds - offsetSeconds) * 1_000_000_000n + fraction;
}

/** Decodes a legacy `/api/prom/push` JSON body. @throws {PushDecodeError} */
export function decodeLegacyJsonPush(text: string): PushStream[] {
  const root = parseJsonOrThrow(text, 'logproto.PushRequest.') as JsonNode;
  const streams = fieldsOf(root, 'streams', true);
  if (streams === undefined || streams.kind === 'null') return [];
  if (streams.kind !== 'array') throw new PushDecodeError('logproto.PushRequest.Streams: decode slice: expect [ or n');
  return streams.items.map((stream) => {
    const labels = fieldsOf(stream, 'labels', true);
    const entries = fieldsOf(stream, 'entries', true);
    if (labels !== undefined && labels.kind !== 'string' && labels.kind !== 'null') {
      throw new PushDecodeError('logproto.Stream.Labels: ReadString: expects " or n');
    }
    return {
      labels: labels?.kind === 'string' ? labels.value : '',
      entries: (entries?.kind === 'array' ? entries.items : []).map((entry): PushEntry => {
        const ts = fieldsOf(entry, 'ts', true);
        const line = fieldsOf(entry, 'line', true);
        if (ts === undefined || ts.kind !== 'string')
          throw new PushDecodeError('logproto.Entry.Timestamp: expected an RFC 3339 string');
        if (line !== undefined && line.kind !== 'string' && line.kind !== 'null') {
          throw new PushDecodeError('logproto.Entry.Line: ReadString: expects " or n');
        }
        return { timestampNanos: parseRfc3339Nanos(ts.value), line: line?.kind === 'string' ? line.value : '' };
      }),
    };
  });
}
