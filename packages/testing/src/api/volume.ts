/**
 * `GET /loki/api/v1/index/volume` and `index/volume_range`: uncompressed bytes per series (or
 * per label name with `aggregateBy=labels`), restricted to the labels the query names or to
 * `targetLabels`, largest first, `limit` of them (default 100), in Prometheus' vector or matrix
 * shape with one sample per `step` bucket, stamped at the bucket's end.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/querier/queryrange/volume.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/ingester/instance.go (getVolume)
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/util/series_volume.go
 */
import type { HttpAnswer, Label } from '../internal-types';
import { matchesLabels } from '../logql/logql-selector';
import type { Matcher } from '../logql/logql-selector';
import { labelsToString } from '../ingest/metric-parser';
import type { ApiRequest } from './api-request';
import { chunkShare, streamConsidered } from './chunk-estimate';
import {
  BadRequest,
  checkStep,
  forInterval,
  JSON_CONTENT_TYPE,
  jsonAnswer,
  parseIntParam,
  parseOrderedBounds,
  parseStep,
  parseTimestamp,
  truncateToMillis,
  truncateToSeconds,
} from './loki-params';
import { parseMatchersQuery } from './matchers-query';

/** `seriesvolume.DefaultLimit`. */
const DEFAULT_LIMIT = 100;
/** `seriesvolume.MatchAny`: the one query allowed without a non-empty matcher. */
const MATCH_ANY = '{}';
const DAY_NANOS = 86_400n * 1_000_000_000n;
const NANOS_PER_MILLI = 1_000_000n;
/** Points per series above which Loki refuses a range query. */

interface VolumeQuery {
  matchers: Matcher[];
  targetLabels: string[];
  bySeries: boolean;
  limit: number;
}

function parseVolumeQuery(params: URLSearchParams): VolumeQuery {
  // volumeLimit, then the query's own `limit` (the same parameter).
  let limit = parseIntParam(params, 'limit', DEFAULT_LIMIT);
  if (limit === 0) limit = DEFAULT_LIMIT;
  if (limit < 0) throw new BadRequest('limit must be a positive value');
  const direction = params.get('direction');
  if (direction && !['FORWARD', 'BACKWARD'].includes(direction.toUpperCase()))
    throw new BadRequest(`invalid direction '${direction}'`);
  const aggregateBy = params.get('aggregateBy') || 'series';
  if (aggregateBy !== 'series' && aggregateBy !== 'labels') throw new BadRequest('invalid aggregation option');
  const rawTargets = params.get('targetLabels') ?? '';
  const targetLabels = rawTargets === '' ? [] : rawTargets.split(',');
  const query = params.get('query') ?? '';
  const matchers = query === MATCH_ANY ? [] : parseMatchersQuery(query).matchers;
  return { matchers, targetLabels, bySeries: aggregateBy === 'series', limit };
}

/** `MapToVolumeResponse`: largest first, ties by name, at most `limit`. */
function topVolumes(volumes: Map<string, number>, limit: number): Map<string, number> {
  const sorted = [...volumes].sort(([an, av], [bn, bv]) => (av === bv ? (an < bn ? -1 : an > bn ? 1 : 0) : bv - av));
  return new Map(sorted.slice(0, limit));
}

/** The ingester's `getVolume` for `[from, through]` (nanoseconds, millisecond-aligned). */
function volumesBetween(req: ApiRequest, query: VolumeQuery, from: bigint, through: bigint): Map<string, number> {
  const { targetLabels } = query;
  // PrepareLabelsAndMatchers: targets must be present (`=~".+"`), and only they are kept.
  const labelsToMatch = new Set(targetLabels.length > 0 ? targetLabels : query.matchers.map((m) => m.name));
  const present = targetLabels.filter((t) => !query.matchers.some((m) => m.name === t));
  const matchAny = targetLabels.length === 0 && query.matchers.length === 0;
  const volumes = new Map<string, number>();
  for (const { stream } of req.ingester.streams(req.tenant)) {
    if (!matchesLabels({ matchers: query.matchers, lineFilters: [] }, stream.labels)) continue;
    if (present.some((name) => !stream.labels.some((l) => l.name === name && l.value !== ''))) continue;
    if (!streamConsidered(stream, from, through)) continue;
    const size = chunkShare(stream, from, through)?.bytes ?? 0;
    if (query.bySeries) {
      const kept: Label[] = stream.labels.filter((l) => matchAny || labelsToMatch.has(l.name));
      const name = labelsToString(kept);
      volumes.set(name, (volumes.get(name) ?? 0) + size);
    } else {
      for (const l of stream.labels) {
        if (targetLabels.length > 0 && !labelsToMatch.has(l.name)) continue;
        volumes.set(l.name, (volumes.get(l.name) ?? 0) + size);
      }
    }
  }
  return topVolumes(volumes, query.limit);
}

/** One bucket: split at day boundaries (each split truncated to seconds), merged, limited. */
function bucketVolumes(req: ApiRequest, query: VolumeQuery, start: bigint, end: bigint): Map<string, number> {
  const merged = new Map<string, number>();
  for (const [splitStart, splitEnd] of forInterval(DAY_NANOS, truncateToSeconds(start), truncateToSeconds(end))) {
    const splitVolumes = volumesBetween(req, query, truncateToSeconds(splitStart), truncateToSeconds(splitEnd));
    for (const [name, size] of splitVolumes) merged.set(name, (merged.get(name) ?? 0) + size);
  }
  return topVolumes(merged, query.limit);
}

/** Prometheus' `model.Time` in JSON: seconds with up to three decimals. */
function promTime(nanos: bigint): number {
  return Number(nanos / NANOS_PER_MILLI) / 1000;
}

/** `labels.Labels.String()` parsed back: the series' labels, or `{name: ""}` for a label name. */
function metricOf(name: string, bySeries: boolean): Record<string, string> {
  if (!bySeries) return { [name]: '' };
  const metric: Record<string, string> = {};
  for (const [, key, value] of name.matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
    metric[key] = JSON.parse(`"${value}"`) as string;
  return Object.fromEntries(Object.entries(metric).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function promAnswer(buckets: Array<[bigint, Map<string, number>]>, bySeries: boolean): HttpAnswer {
  const series = new Map<string, Array<[number, number]>>();
  for (const [bucket, volumes] of buckets) {
    for (const [name, size] of volumes) {
      let samples = series.get(name);
      if (!samples) series.set(name, (samples = []));
      samples.push([promTime(bucket), size]);
    }
  }
  const matrix = [...series.values()].some((samples) => samples.length > 1);
  const sorted = [...series].map(([name, samples]) => {
    samples.sort((a, b) => a[0] - b[0]);
    return { name, samples };
  });
  sorted.sort((a, b) =>
    a.samples[0][1] === b.samples[0][1] ? (a.name < b.name ? -1 : 1) : b.samples[0][1] - a.samples[0][1]
  );
  const result = sorted.map(({ name, samples }) =>
    matrix
      ? { metric: metricOf(name, bySeries), values: samples.map(([t, v]) => [t, String(v)]) }
      : { metric: metricOf(name, bySeries), value: [samples[0][0], String(samples[0][1])] }
  );
  // LokiPromResponse: json.Marshal, no trailing newline.
  return jsonAnswer(
    { status: 'success', data: { resultType: matrix ? 'matrix' : 'vector', result } },
    200,
    JSON_CONTENT_TYPE,
    false
  );
}

/** Answers `index/volume`: one bucket over the whole range, stamped at its end. */
export function handleVolume(req: ApiRequest): HttpAnswer {
  const query = parseVolumeQuery(req.params);
  parseTimestamp(req.params.get('time'), 0n, 'time');
  const { start, end } = parseOrderedBounds(req.params, req.nowMillis);
  const from = truncateToMillis(start);
  const through = truncateToMillis(end);
  return promAnswer([[through, bucketVolumes(req, query, from, through)]], query.bySeries);
}

/** Answers `index/volume_range`: one bucket per `step`, each stamped at its end. */
export function handleVolumeRange(req: ApiRequest): HttpAnswer {
  const query = parseVolumeQuery(req.params);
  const bounds = parseOrderedBounds(req.params, req.nowMillis);
  const step = parseStep(req.params, bounds);
  checkStep(step, bounds);
  const stepMillis = truncateToMillis(step);
  const buckets: Array<[bigint, Map<string, number>]> = forInterval(
    stepMillis,
    truncateToMillis(bounds.start),
    truncateToMillis(bounds.end)
  ).map(([bucketStart, bucketEnd]) => [bucketEnd, bucketVolumes(req, query, bucketStart, bucketEnd)]);
  return promAnswer(buckets, query.bySeries);
}
