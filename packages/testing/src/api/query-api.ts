/**
 * Enough of Loki's read API for end-to-end tests: `query_range` (and `query`, which Loki 3
 * refuses for log queries), `labels`, `label/<name>/values`, `series`, with Loki's parameter
 * rules, defaults and JSON shapes, including `X-Loki-Response-Encoding-Flags: categorize-labels`.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/params.go
 * @see https://github.com/grafana/loki/blob/main/pkg/util/marshal/query.go
 */
import type { Ingester } from '../ingest/ingester';
import type { StoredStream } from '../ingest/stored-stream';
import type { HttpAnswer, Label } from '../internal-types';
import { LogqlError, matchesLabels, parseLogSelector } from '../logql/logql-selector';
import type { LogSelector } from '../logql/logql-selector';
import { streamConsidered } from './chunk-estimate';
import { runQuery } from '../logql/engine';
import type { QueryData } from '../logql/engine';
import { LogqlQueryError } from '../logql/errors';
import { parseExpr } from '../logql/parser';
import { parsePromDuration } from '../logql/units';
import { MAX_ENTRIES_LIMIT_PER_QUERY, MAX_QUERY_SERIES } from '../logql/query-options';

const DEFAULT_LIMIT = 100;
const DEFAULT_SINCE_MILLIS = 60 * 60 * 1000;
const NANOS_PER_MILLI = 1_000_000n;
const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';
/** Header Grafana sends to get structured metadata apart from stream labels. */
export const ENCODING_FLAGS_HEADER = 'x-loki-response-encoding-flags';
const CATEGORIZE_LABELS = 'categorize-labels';

/** A request to the read API, reduced to what the handlers need. */
export interface QueryRequest {
  path: string;
  params: URLSearchParams;
  headers: Record<string, string>;
  tenant: string;
  nowMillis: number;
}

class BadRequest extends Error {}

function ok(data: unknown): HttpAnswer {
  return { status: 200, body: JSON.stringify(data), headers: { 'content-type': JSON_CONTENT_TYPE } };
}

function goParseIntError(value: string): string {
  return `strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`;
}

/** Loki's `parseTimestamp`: RFC 3339, fractional seconds, seconds (<= 10 digits) or nanoseconds. */
function parseTimestamp(value: string | null, fallback: bigint, name: string): bigint {
  if (value === null || value === '') return fallback;
  if (value.includes('.') && /^-?\d+\.\d*$/.test(value)) {
    const [seconds, fraction] = value.split('.');
    const millis = Math.round(Number('0.' + (fraction || '0')) * 1000);
    return BigInt(seconds) * 1_000_000_000n + BigInt(millis) * NANOS_PER_MILLI * (value.startsWith('-') ? -1n : 1n);
  }
  if (/^-?\d+$/.test(value)) {
    return value.replace('-', '').length <= 10 ? BigInt(value) * 1_000_000_000n : BigInt(value);
  }
  const millis = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(millis)) {
    const fraction = /\.(\d+)/.exec(value)?.[1] ?? '';
    return BigInt(Math.floor(millis / 1000)) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9) || '0');
  }
  throw new BadRequest(`could not parse '${name}' parameter: ${goParseIntError(value)}`);
}

/** Loki's `determineBounds`: `end` defaults to now, `start` to `end` (or now) minus `since`. */
function bounds(req: QueryRequest, defaultSinceMillis: number): { start: bigint; end: bigint } {
  const now = BigInt(req.nowMillis) * NANOS_PER_MILLI;
  let since = BigInt(defaultSinceMillis) * NANOS_PER_MILLI;
  const sinceParam = req.params.get('since');
  if (sinceParam) {
    const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(sinceParam);
    if (!m)
      throw new BadRequest(
        `could not parse 'since' parameter: not a valid duration string: ${JSON.stringify(sinceParam)}`
      );
    const unitMillis: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, y: 31536e6 };
    since = BigInt(Number(m[1]) * unitMillis[m[2]]) * NANOS_PER_MILLI;
  }
  const end = parseTimestamp(req.params.get('end'), now, 'end');
  const endOrNow = end > now ? now : end;
  const start = parseTimestamp(req.params.get('start'), endOrNow - since, 'start');
  return { start, end };
}

function parseLimit(params: URLSearchParams): number {
  const raw = params.get('limit');
  if (raw === null || raw === '') return DEFAULT_LIMIT;
  if (!/^[+-]?\d+$/.test(raw)) throw new BadRequest(goParseIntError(raw));
  const limit = Number(raw);
  if (limit <= 0) throw new BadRequest('limit must be a positive value');
  return limit;
}

function parseDirection(params: URLSearchParams): 'forward' | 'backward' {
  const raw = params.get('direction');
  if (raw === null || raw === '') return 'backward';
  const upper = raw.toUpperCase();
  if (upper !== 'FORWARD' && upper !== 'BACKWARD') throw new BadRequest(`invalid direction '${raw}'`);
  return upper === 'FORWARD' ? 'forward' : 'backward';
}

function toObject(labels: readonly Label[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const l of labels) result[l.name] = l.value;
  return result;
}

/** `step`: Loki's default ((end - start) / 250 seconds, at least 1 s), or the parameter. */
function parseStep(raw: string | null, start: bigint, end: bigint): bigint {
  if (raw === null || raw === '') {
    const seconds = Math.max(Math.floor(Number(end - start) / 1e9 / 250), 1);
    return BigInt(seconds) * 1_000_000_000n;
  }
  return parseSecondsOrDuration(raw);
}

/** Loki's `parseSecondsOrDuration`: float seconds or a Prometheus duration. */
function parseSecondsOrDuration(raw: string): bigint {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return BigInt(Math.trunc(Number(raw) * 1e9));
  const duration = parsePromDuration(raw);
  if (duration === undefined) throw new BadRequest(`cannot parse ${JSON.stringify(raw)} to a valid duration`);
  return BigInt(duration);
}

/** `interval` (log queries: entries at least this far apart); 0 when absent. */
function parseInterval(raw: string | null): bigint {
  if (raw === null || raw === '') return 0n;
  const interval = parseSecondsOrDuration(raw);
  if (interval < 0n) throw new BadRequest('interval must be >= 0');
  return interval;
}

function categorizeLabels(req: QueryRequest): boolean {
  return (req.headers[ENCODING_FLAGS_HEADER] ?? '')
    .split(',')
    .map((f) => f.trim())
    .includes(CATEGORIZE_LABELS);
}

function queryAnswer(data: QueryData): HttpAnswer {
  return ok({ status: 'success', data });
}

function queryRange(req: QueryRequest, ingester: Ingester): HttpAnswer {
  const { start, end } = bounds(req, DEFAULT_SINCE_MILLIS);
  if (end < start) throw new BadRequest('end timestamp must not be before or equal to start time');
  const limit = parseLimit(req.params);
  const direction = parseDirection(req.params);
  const step = parseStep(req.params.get('step'), start, end);
  if (step <= 0n) {
    throw new BadRequest('zero or negative query resolution step widths are not accepted. Try a positive integer');
  }
  if ((end - start) / step > 11000n) {
    throw new BadRequest(
      'exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter'
    );
  }
  const interval = parseInterval(req.params.get('interval'));
  const streams = () => ingester.streams(req.tenant).map(({ stream }) => stream);
  return queryAnswer(
    runQuery(streams, {
      query: req.params.get('query') ?? '',
      instant: false,
      intervalNanos: interval,
      startNanos: start,
      endNanos: end,
      stepNanos: step,
      limit,
      direction,
      categorizeLabels: categorizeLabels(req),
      maxSeries: MAX_QUERY_SERIES,
      maxEntriesLimit: MAX_ENTRIES_LIMIT_PER_QUERY,
    })
  );
}

function instantQuery(req: QueryRequest, ingester: Ingester): HttpAnswer {
  const now = BigInt(req.nowMillis) * NANOS_PER_MILLI;
  // Loki's ParseInstantQuery: limit, then time (its error unwrapped), then direction.
  const limit = parseLimit(req.params);
  let time: bigint;
  try {
    time = parseTimestamp(req.params.get('time'), now, 'time');
  } catch (err) {
    if (err instanceof BadRequest) throw new BadRequest(err.message.replace("could not parse 'time' parameter: ", ''));
    throw err;
  }
  const direction = parseDirection(req.params);
  const streams = () => ingester.streams(req.tenant).map(({ stream }) => stream);
  return queryAnswer(
    runQuery(streams, {
      query: req.params.get('query') ?? '',
      instant: true,
      startNanos: time,
      endNanos: time,
      stepNanos: 0n,
      limit,
      direction,
      categorizeLabels: categorizeLabels(req),
      maxSeries: MAX_QUERY_SERIES,
      maxEntriesLimit: MAX_ENTRIES_LIMIT_PER_QUERY,
    })
  );
}

/**
 * `syntax.ParseMatchers`: label matchers only, as Loki's label and series endpoints take them;
 * `validate: false` (series) also accepts matchers that all match the empty string.
 */
function matchersOnly(query: string, validate = true): LogSelector {
  if (!validate) {
    if (query.replace(/\s/g, '') === '{}') throw new BadRequest(`0 matchers in group: ${query}`);
    const selector = parseLogSelector(query, { validate: false });
    if (selector.lineFilters.length > 0) throw new BadRequest('only label matchers are supported');
    return selector;
  }
  const expr = parseExpr(query);
  if (expr.kind !== 'log' || expr.stages.length > 0) throw new BadRequest('only label matchers are supported');
  return { matchers: expr.matchers, lineFilters: [] };
}

function optionalSelector(params: URLSearchParams): LogSelector | undefined {
  const query = params.get('query');
  return query ? matchersOnly(query) : undefined;
}

/** Streams whose first..last entry meets the range (the ingester's `shouldConsiderStream`). */
function streamsInRange(req: QueryRequest, ingester: Ingester, selector: LogSelector | undefined): StoredStream[] {
  const { start, end } = bounds(req, DEFAULT_SINCE_MILLIS);
  return ingester
    .streams(req.tenant)
    .map(({ stream }) => stream)
    .filter((stream) => (!selector || matchesLabels(selector, stream.labels)) && streamConsidered(stream, start, end));
}

function labelNames(req: QueryRequest, ingester: Ingester): HttpAnswer {
  const names = new Set<string>();
  for (const stream of streamsInRange(req, ingester, optionalSelector(req.params))) {
    for (const l of stream.labels) names.add(l.name);
  }
  // Loki omits `data` when it is empty (`omitempty`).
  return ok(names.size > 0 ? { status: 'success', data: [...names].sort() } : { status: 'success' });
}

function labelValues(req: QueryRequest, ingester: Ingester, name: string): HttpAnswer {
  const values = new Set<string>();
  for (const stream of streamsInRange(req, ingester, optionalSelector(req.params))) {
    const value = stream.labels.find((l) => l.name === name)?.value;
    if (value !== undefined) values.add(value);
  }
  return ok(values.size > 0 ? { status: 'success', data: [...values].sort() } : { status: 'success' });
}

function series(req: QueryRequest, ingester: Ingester): HttpAnswer {
  let matches = [...new Set(req.params.getAll('match[]').concat(req.params.getAll('match')))];
  // Loki answers every series for no `match[]`, or for a single `{}`.
  if (matches.length === 1 && matches[0].replace(/ /g, '') === '{}') matches = [];
  const selectors = matches.map((match) => matchersOnly(match, false));
  const found = new Map<string, Record<string, string>>();
  for (const selector of selectors.length > 0 ? selectors : [undefined]) {
    for (const stream of streamsInRange(req, ingester, selector)) found.set(stream.key, toObject(stream.labels));
  }
  return ok({ status: 'success', data: [...found.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v) });
}

const LABEL_VALUES_PATH = /^\/loki\/api\/v1\/label\/([^/]+)\/values$/;

/** True when `path` is a read endpoint this module answers. */
export function isQueryPath(path: string): boolean {
  return (
    path === '/loki/api/v1/query_range' ||
    path === '/loki/api/v1/query' ||
    path === '/loki/api/v1/labels' ||
    path === '/loki/api/v1/label' ||
    path === '/loki/api/v1/series' ||
    LABEL_VALUES_PATH.test(path)
  );
}

/** Answers a read request; errors are plain-text 400s, as Loki writes them. */
export function handleQuery(req: QueryRequest, ingester: Ingester): HttpAnswer {
  try {
    if (req.path === '/loki/api/v1/query_range') return queryRange(req, ingester);
    if (req.path === '/loki/api/v1/query') return instantQuery(req, ingester);
    if (req.path === '/loki/api/v1/labels' || req.path === '/loki/api/v1/label') return labelNames(req, ingester);
    if (req.path === '/loki/api/v1/series') return series(req, ingester);
    const name = LABEL_VALUES_PATH.exec(req.path)?.[1];
    return labelValues(req, ingester, decodeURIComponent(name ?? ''));
  } catch (err) {
    if (err instanceof BadRequest || err instanceof LogqlError) return { status: 400, body: err.message };
    if (err instanceof LogqlQueryError) return { status: err.status, body: err.message };
    throw err;
  }
}
