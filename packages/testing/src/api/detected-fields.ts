/**
 * `GET /loki/api/v1/detected_fields` and `detected_field/<name>/values`, as Loki 3.4's query
 * frontend answers them: the newest `line_limit` (default 100) lines the query keeps (the LogQL
 * engine runs its whole pipeline), their structured metadata (`parsers: null`), the labels the
 * query's parsers extracted, and what `| json`, else `| logfmt`, finds in the line, with a type
 * and a cardinality per field, at most `limit` (default 1000) fields.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/querier/queryrange/detected_fields.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/loghttp/query.go (ParseDetectedFieldsQuery)
 */
import type { HttpAnswer } from '../internal-types';
import { runQuery } from '../logql/engine';
import { LogqlQueryError } from '../logql/errors';
import type { ApiRequest } from './api-request';
import { fieldType, humanBytes, lineFields, parseBytes } from './line-fields';
import type { FieldType, LineParser } from './line-fields';
import { BadRequest, checkStep, jsonAnswer, parseIntParam, parseOrderedBounds, parseStep } from './loki-params';
import { parseLogQuery } from './matchers-query';

/** `defaultQueryLimit`: lines sampled. */
const DEFAULT_LINE_LIMIT = 100;
/** `defaultLimit`: fields (or values) returned. */
const DEFAULT_FIELD_LIMIT = 1000;
/** `max_entries_limit_per_query` default. */
const MAX_ENTRIES_LIMIT_PER_QUERY = 5000;
/** `max_query_series` default. */
const MAX_QUERY_SERIES = 500;
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

/** One stream of the downstream query's answer: its labels and sampled entries. */
interface Sample {
  streamLabels: Set<string>;
  entries: Array<{ line: string; metadata: Record<string, string>; parsed: Record<string, string> }>;
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

/** Labels of a parser's error, which Loki leaves out of detected fields. */
const ERROR_LABELS = new Set(['__error__', '__error_details__', '__preserve_error__']);

/**
 * `ParseDetectedFieldsQuery`, then the downstream `query_range` Loki runs: backward,
 * `line_limit` lines, labels categorized (stream labels, structured metadata, parsed labels).
 */
function sampleLines(req: ApiRequest): DetectedFieldsRequest {
  const query = req.params.get('query') ?? '';
  const bounds = parseOrderedBounds(req.params, req.nowMillis);
  const lineLimit = positive(req.params, ['line_limit'], DEFAULT_LINE_LIMIT);
  const limit = positive(req.params, ['limit', 'field_limit'], DEFAULT_FIELD_LIMIT);
  const step = parseStep(req.params, bounds);
  checkStep(step, bounds);
  parseLogQuery(query);
  if (lineLimit > MAX_ENTRIES_LIMIT_PER_QUERY)
    throw new BadRequest(
      `max entries limit per query exceeded, limit > max_entries_limit (${lineLimit} > ${MAX_ENTRIES_LIMIT_PER_QUERY})`
    );
  let data;
  try {
    data = runQuery(() => req.ingester.streams(req.tenant).map(({ stream }) => stream), {
      query,
      instant: false,
      startNanos: bounds.start,
      endNanos: bounds.end,
      stepNanos: step,
      limit: lineLimit,
      direction: 'backward',
      categorizeLabels: true,
      maxSeries: MAX_QUERY_SERIES,
      maxEntriesLimit: MAX_ENTRIES_LIMIT_PER_QUERY,
    });
  } catch (err) {
    if (err instanceof LogqlQueryError) throw new BadRequest(err.message);
    throw err;
  }
  const samples: Sample[] = [];
  if (data.resultType === 'streams') {
    for (const { stream, values } of data.result) {
      samples.push({
        streamLabels: new Set(Object.keys(stream)),
        entries: values.map(([, line, extra]) => ({
          line,
          metadata: extra?.structuredMetadata ?? {},
          parsed: Object.fromEntries(Object.entries(extra?.parsed ?? {}).filter(([name]) => !ERROR_LABELS.has(name))),
        })),
      });
    }
  }
  return { samples, limit };
}

/** `parseEntry`: the query's own parsed labels, plus what `| json` (else `| logfmt`) finds in the line. */
function entryFields(entry: Sample['entries'][number], streamLabels: ReadonlySet<string>) {
  const found = lineFields(entry.line, streamLabels);
  const fields = new Map(Object.entries(entry.parsed));
  for (const [name, value] of found.fields) fields.set(name, value);
  return { fields, parser: found.parser, paths: found.paths };
}

interface Field {
  type: FieldType;
  parsers: LineParser[];
  values: Set<string>;
  jsonPath?: string[];
}

function detectFields(samples: readonly Sample[], limit: number): Map<string, Field> {
  const fields = new Map<string, Field>();
  const record = (name: string, value: string, parser: LineParser | undefined, jsonPath?: string[]): void => {
    let field = fields.get(name);
    if (!field) {
      if (fields.size >= limit) return;
      fields.set(name, (field = { type: 'string', parsers: [], values: new Set() }));
    }
    if (parser !== undefined && !field.parsers.includes(parser)) field.parsers.push(parser);
    if (jsonPath !== undefined) field.jsonPath = jsonPath;
    // Loki re-detects the type for every entry: the last one read wins.
    field.type = fieldType(value);
    field.values.add(value);
  };
  for (const { streamLabels, entries } of samples) {
    for (const entry of entries) {
      for (const [name, value] of Object.entries(entry.metadata)) record(name, value, undefined);
      const parsed = entryFields(entry, streamLabels);
      for (const [name, value] of parsed.fields) record(name, value, parsed.parser, parsed.paths?.get(name));
    }
  }
  return fields;
}

/** Answers `detected_fields`. */
export function handleDetectedFields(req: ApiRequest): HttpAnswer {
  const { samples, limit } = sampleLines(req);
  // Current Loki also says where a JSON field was found (`jsonPath`); Loki 3.4 does not.
  const withPaths = req.lokiVersion === 'latest';
  const fields = [...detectFields(samples, limit)]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, field]) => ({
      label,
      type: field.type,
      cardinality: field.values.size,
      parsers: field.parsers.length > 0 ? field.parsers : null,
      ...(withPaths && field.jsonPath ? { jsonPath: field.jsonPath } : {}),
    }));
  return jsonAnswer(fields.length > 0 ? { fields, limit } : {});
}

/** Answers `detected_field/<name>/values`. */
export function handleDetectedFieldValues(req: ApiRequest, name: string): HttpAnswer {
  const { samples, limit } = sampleLines(req);
  const values = new Set<string>();
  for (const { streamLabels, entries } of samples) {
    for (const entry of entries) {
      if (values.size >= limit) break;
      const metadataValue = entry.metadata[name];
      if (metadataValue !== undefined) values.add(metadataValue);
      const value = entryFields(entry, streamLabels).fields.get(name);
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
