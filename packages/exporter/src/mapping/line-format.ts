/**
 * Lines in the formats of the OpenTelemetry Collector's deprecated `lokiexporter`
 * (`loki.format` `json` and `logfmt`), for users migrating from it with queries such as
 * `| json | attributes_http_status >= 500` or `| logfmt`.
 *
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/blob/main/pkg/translator/loki/encode.go
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { anyValueToString, isAttributeMap, jsonQuote, numberToString, toGoJson } from './any-value';

/** A logfmt line (`k=v k2="v 2"`) is kept as is when the body is one; otherwise it goes in `msg`. */
const LOGFMT_LINE = /^\s*[^\s="]+=(?:"(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s+[^\s="]+=(?:"(?:[^"\\]|\\.)*"|[^\s"]*))*\s*$/;
/** Characters a logfmt value must be quoted for (go-logfmt: space, `=`, `"`, controls). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
const LOGFMT_NEEDS_QUOTES = /[\s="\x00-\x1f\x7f]/;
/** Characters go-logfmt refuses in keys; replaced by `_` here instead of failing the record. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
const LOGFMT_BAD_KEY = /[\s="\x00-\x1f\x7f]/g;
/** Nesting limit of flattened logfmt keys. */
const MAX_LOGFMT_DEPTH = 16;

/** The parts of a line that depend only on the resource; computed once per resource. */
export interface ResourceLineParts {
  /** `"resources":{...}` member, or '' when there are no resource attributes. */
  json: string;
  /** ` resource_k=v ...` pairs with a leading space, or ''. */
  logfmt: string;
}

/** Computes the resource parts of json/logfmt lines. */
export function resourceLineParts(attributes: Record<string, unknown>): ResourceLineParts {
  const hasAttributes = Object.keys(attributes).length > 0;
  const pairs: string[] = [];
  for (const key of Object.keys(attributes)) appendLogfmt(pairs, `resource_${key}`, attributes[key], 0);
  return {
    json: hasAttributes ? `"resources":${toGoJson(attributes, 0, undefined)}` : '',
    logfmt: pairs.length > 0 ? ' ' + pairs.join(' ') : '',
  };
}

/** The Collector's JSON line: body, traceid, spanid, severity, flags, attributes, resources, scope. */
export function jsonLine(record: ReadableLogRecord, resource: ResourceLineParts): string {
  const members: string[] = [];
  if (record.body !== undefined && record.body !== null) members.push(`"body":${toGoJson(record.body, 0, undefined)}`);
  const span = record.spanContext;
  if (span?.traceId) members.push(`"traceid":${jsonQuote(span.traceId.toLowerCase())}`);
  if (span?.spanId) members.push(`"spanid":${jsonQuote(span.spanId.toLowerCase())}`);
  if (record.severityText) members.push(`"severity":${jsonQuote(record.severityText)}`);
  if (span?.traceFlags) members.push(`"flags":${span.traceFlags}`);
  if (Object.keys(record.attributes).length > 0)
    members.push(`"attributes":${toGoJson(record.attributes, 0, undefined)}`);
  if (resource.json !== '') members.push(resource.json);
  const scope = record.instrumentationScope;
  if (scope.name) {
    const version = scope.version ? `,"version":${jsonQuote(scope.version)}` : '';
    members.push(`"instrumentation_scope":{"name":${jsonQuote(scope.name)}${version}}`);
  }
  return `{${members.join(',')}}`;
}

/** The Collector's logfmt line: body pairs (or `msg`), traceID, spanID, severity, flags, attribute_*, resource_*, scope. */
export function logfmtLine(record: ReadableLogRecord, resource: ResourceLineParts): string {
  const pairs: string[] = [];
  const body: unknown = record.body;
  if (typeof body === 'string') {
    pairs.push(LOGFMT_LINE.test(body) ? body.trim() : `msg=${logfmtValue(body)}`);
  } else if (isAttributeMap(body)) {
    for (const key of Object.keys(body)) appendLogfmt(pairs, key, body[key], 1);
  } else if (Array.isArray(body)) {
    appendLogfmt(pairs, 'body', body, 0);
  } else if (body !== undefined && body !== null) {
    pairs.push(`msg=${logfmtValue(anyValueToString(body))}`);
  }
  const span = record.spanContext;
  if (span?.traceId) pairs.push(`traceID=${span.traceId.toLowerCase()}`);
  if (span?.spanId) pairs.push(`spanID=${span.spanId.toLowerCase()}`);
  if (record.severityText) pairs.push(`severity=${logfmtValue(record.severityText)}`);
  if (span?.traceFlags) pairs.push(`flags=${span.traceFlags}`);
  for (const key of Object.keys(record.attributes)) appendLogfmt(pairs, `attribute_${key}`, record.attributes[key], 0);
  const scope = record.instrumentationScope;
  let line = pairs.join(' ') + resource.logfmt;
  if (scope.name) {
    line += ` instrumentation_scope_name=${logfmtValue(scope.name)}`;
    if (scope.version) line += ` instrumentation_scope_version=${logfmtValue(scope.version)}`;
  }
  return line.startsWith(' ') ? line.slice(1) : line;
}

function appendLogfmt(pairs: string[], key: string, value: unknown, depth: number): void {
  if (value === undefined || value === null) return;
  if (depth > MAX_LOGFMT_DEPTH) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) appendLogfmt(pairs, `${key}_${i}`, value[i], depth + 1);
  } else if (isAttributeMap(value)) {
    for (const sub of Object.keys(value))
      appendLogfmt(pairs, key === '' ? sub : `${key}_${sub}`, value[sub], depth + 1);
  } else {
    const text = typeof value === 'number' ? numberToString(value) : anyValueToString(value);
    pairs.push(`${key.replace(LOGFMT_BAD_KEY, '_')}=${logfmtValue(text)}`);
  }
}

/** A logfmt value, quoted and escaped as go-logfmt does when it must be. */
export function logfmtValue(value: string): string {
  return LOGFMT_NEEDS_QUOTES.test(value) ? jsonQuote(value) : value;
}
