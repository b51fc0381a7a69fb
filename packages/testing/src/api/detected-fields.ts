/**
 * `GET /loki/api/v1/detected_fields` and `detected_field/<name>/values`, as Loki 3.4's query
 * frontend answers them: the newest `line_limit` (default 100) lines of the query, their
 * structured metadata (`parsers: null`) and what `| json`, else `| logfmt`, finds in them, with
 * a type and a cardinality per field, at most `limit` (default 1000) fields.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/querier/queryrange/detected_fields.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/loghttp/query.go (ParseDetectedFieldsQuery)
 */
import type { StoredStream } from '../ingester';
import type { HttpAnswer, IngestedEntry } from '../internal-types';
import { matchesLabels, matchesLine } from '../logql-selector';
import type { ApiRequest } from './api-request';
import { fieldType, humanBytes, lineFields, parseBytes } from './line-fields';
import type { FieldType, LineParser } from './line-fields';
import { BadRequest, jsonAnswer, parseIntParam, parseOrderedBounds, parseStep } from './loki-params';
import { parseLogQuery } from './matchers-query';

/** `defaultQueryLimit`: lines sampled. */
const DEFAULT_LINE_LIMIT = 100;
/** `defaultLimit`: fields (or values) returned. */
const DEFAULT_FIELD_LIMIT = 1000;
/** `max_entries_limit_per_query` default. */
const MAX_ENTRIES_LIMIT_PER_QUERY = 5000;
const MAX_POINTS = 11_000n;
/** Units after which a value is rewritten as `humanize.Bytes` (`allowedBytesUnits`). */
const BYTES_SUFFIXES = ['b', 'kib', 'kb', 'mib', 'mb', 'gib', 'gb', 'tib', 'tb', 'pib', 'pb', 'eib', 'eb'].concat([
  'ki',
  'k',
  'mi',
  'm',
  'gi',
  'g',
  'ti',
  't',
  'pi',
  'p',
  'ei',
  'e',
]);

interface Sample {
  stream: StoredStream;
  entries: IngestedEntry[];
}

interface DetectedFieldsRequest {
  samples: Sample[];
  limit: number;
}

function positive(params: URLSearchParams, names: string[], fallback: number): number {
  const name = names.find((n) => (params.get(n) ?? '') !== '') ?? names[0];
  const value = parseIntParam(params, name, fallback);
  if (value <= 0) throw new BadRequest('limit must be a positive value');
  return value;
}

/** `ParseDetectedFieldsQuery`, then the downstream `query_range` (backward, `line_limit` lines). */
function sampleLines(req: ApiRequest): DetectedFieldsRequest {
  const query = req.params.get('query') ?? '';
  const bounds = parseOrderedBounds(req.params, req.nowMillis);
  const lineLimit = positive(req.params, ['line_limit'], DEFAULT_LINE_LIMIT);
  const limit = positive(req.params, ['limit', 'field_limit'], DEFAULT_FIELD_LIMIT);
  const step = parseStep(req.params, bounds);
  if (step <= 0n)
    throw new BadRequest('zero or negative query resolution step widths are not accepted. Try a positive integer');
  if ((bounds.end - bounds.start) / step > MAX_POINTS)
    throw new BadRequest(
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'
    );
  const selector = parseLogQuery(query);
  if (lineLimit > MAX_ENTRIES_LIMIT_PER_QUERY)
    throw new BadRequest(
      `max entries limit per query exceeded, limit > max_entries_limit (${lineLimit} > ${MAX_ENTRIES_LIMIT_PER_QUERY})`
    );
  const hits: Array<{ stream: StoredStream; entry: IngestedEntry }> = [];
  for (const { stream } of req.ingester.streams(req.tenant)) {
    if (!matchesLabels(selector, stream.labels)) continue;
    for (const entry of stream.entries) {
      if (entry.timestampNanos < bounds.start || entry.timestampNanos >= bounds.end) continue;
      if (matchesLine(selector, entry.line)) hits.push({ stream, entry });
    }
  }
  hits.sort((a, b) =>
    a.entry.timestampNanos > b.entry.timestampNanos ? -1 : a.entry.timestampNanos < b.entry.timestampNanos ? 1 : 0
  );
  const samples = new Map<StoredStream, Sample>();
  for (const { stream, entry } of hits.slice(0, lineLimit)) {
    let sample = samples.get(stream);
    if (!sample) samples.set(stream, (sample = { stream, entries: [] }));
    sample.entries.push(entry);
  }
  return { samples: [...samples.values()], limit };
}

interface Field {
  type: FieldType;
  parsers: LineParser[];
  values: Set<string>;
}

function detectFields(samples: readonly Sample[], limit: number): Map<string, Field> {
  const fields = new Map<string, Field>();
  const record = (name: string, value: string, parser: LineParser | undefined): void => {
    let field = fields.get(name);
    if (!field) {
      if (fields.size >= limit) return;
      fields.set(name, (field = { type: 'string', parsers: [], values: new Set() }));
    }
    if (parser !== undefined && !field.parsers.includes(parser)) field.parsers.push(parser);
    // Loki re-detects the type for every entry: the last one read wins.
    field.type = fieldType(value);
    field.values.add(value);
  };
  for (const { stream, entries } of samples) {
    const streamLabels = new Set(stream.labels.map((l) => l.name));
    for (const entry of entries) {
      for (const { name, value } of entry.metadata) record(name, value, undefined);
      const parsed = lineFields(entry.line, streamLabels);
      for (const [name, value] of parsed.fields) record(name, value, parsed.parser);
    }
  }
  return fields;
}

/** Answers `detected_fields`. */
export function handleDetectedFields(req: ApiRequest): HttpAnswer {
  const { samples, limit } = sampleLines(req);
  const fields = [...detectFields(samples, limit)]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, field]) => ({
      label,
      type: field.type,
      cardinality: field.values.size,
      parsers: field.parsers.length > 0 ? field.parsers : null,
    }));
  return jsonAnswer(fields.length > 0 ? { fields, limit } : {});
}

/** Answers `detected_field/<name>/values`. */
export function handleDetectedFieldValues(req: ApiRequest, name: string): HttpAnswer {
  const { samples, limit } = sampleLines(req);
  const values = new Set<string>();
  for (const { stream, entries } of samples) {
    const streamLabels = new Set(stream.labels.map((l) => l.name));
    for (const entry of entries) {
      if (values.size >= limit) break;
      for (const pair of entry.metadata) if (pair.name === name) values.add(pair.value);
      const value = lineFields(entry.line, streamLabels).fields.get(name);
      if (value === undefined) continue;
      const bytes = parseBytes(value);
      const lower = value.toLowerCase();
      // Byte sizes are rewritten so that they can be pasted into a query.
      values.add(bytes !== undefined && BYTES_SUFFIXES.some((u) => lower.endsWith(u)) ? humanBytes(bytes) : value);
    }
  }
  const sorted = [...values].sort();
  return jsonAnswer(sorted.length > 0 ? { values: sorted, limit } : {});
}
