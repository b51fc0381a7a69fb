/**
 * Log queries: the entries of matching streams in `[start, end)` through the pipeline, the
 * `limit` first in `direction`, grouped into streams by their resulting labels, or by stream
 * labels with structured metadata and parsed labels apart (`categorize-labels`).
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/engine.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/util/marshal/query.go
 */
import type { Label } from '../internal-types';
import { labelsToString } from '../ingest/metric-parser';
import type { QueryStreamValue, StreamsQueryResult } from '../types';
import type { LogExpr } from './ast';
import { selectorMatches } from './filters';
import { compareStrings, LabelsBuilder } from './labels-builder';
import { compilePipeline } from './pipeline';
import { labelsKey } from './step-series';
import type { EntryLike } from './step-series';

const CATEGORIZE_LABELS = 'categorize-labels';

type Value = QueryStreamValue;

interface Hit {
  ts: bigint;
  order: number;
  labels: Label[];
  value: Value;
}

function toObject(labels: Label[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}

/** Loki's `readStreams`: the first `limit` entries, each at least `interval` after (or before) the last one kept. */
function sampled(hits: Hit[], limit: number, interval: bigint, forward: boolean): Hit[] {
  if (interval === 0n) return hits.slice(0, limit);
  const kept: Hit[] = [];
  let last: bigint | undefined;
  for (const hit of hits) {
    if (kept.length >= limit) break;
    if (last === undefined || (forward ? hit.ts >= last + interval : hit.ts <= last - interval)) {
      kept.push(hit);
      last = hit.ts;
    }
  }
  return kept;
}

function lowerBound(entries: ReadonlyArray<EntryLike>, ts: bigint): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (entries[mid].timestampNanos < ts) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Runs a log query. */
export function runLogQuery(
  expr: LogExpr,
  streams: Iterable<{ labels: Label[]; entries: ReadonlyArray<EntryLike> }>,
  params: {
    startNanos: bigint;
    endNanos: bigint;
    limit: number;
    direction: 'forward' | 'backward';
    intervalNanos?: bigint;
    categorizeLabels: boolean;
  }
): StreamsQueryResult {
  const pipeline = compilePipeline(expr.stages);
  const forward = params.direction === 'forward';
  const interval = params.intervalNanos ?? 0n;
  // With an interval, entries are skipped after the merge: no stream can be cut at `limit`.
  const perStream = interval > 0n ? Number.MAX_SAFE_INTEGER : params.limit;
  const hits: Hit[] = [];
  let streamIndex = 0;
  for (const stream of streams) {
    if (!selectorMatches(expr.matchers, stream.labels)) continue;
    const lbs = new LabelsBuilder(stream.labels);
    const entries = stream.entries;
    const first = lowerBound(entries, params.startNanos);
    const end = lowerBound(entries, params.endNanos);
    // Only the first `limit` entries of each stream, in the query's direction, can be in the answer.
    let taken = 0;
    for (let n = 0; n < end - first && taken < perStream; n++) {
      const i = forward ? first + n : end - 1 - n;
      const entry = entries[i];
      lbs.reset(entry.metadata);
      const line = pipeline.process(entry.timestampNanos, entry.line, lbs);
      if (line === undefined) continue;
      taken++;
      const ts = entry.timestampNanos.toString();
      const order = streamIndex * 2 ** 32 + i;
      if (params.categorizeLabels) {
        const { stream: streamLabels, metadata, parsed } = lbs.categorized();
        const extra: Record<string, Record<string, string>> = {};
        if (metadata.length > 0) extra.structuredMetadata = toObject(metadata);
        if (parsed.length > 0) extra.parsed = toObject(parsed);
        hits.push({ ts: entry.timestampNanos, order, labels: streamLabels, value: [ts, line, extra] });
      } else {
        hits.push({ ts: entry.timestampNanos, order, labels: lbs.labels(), value: [ts, line] });
      }
    }
    streamIndex++;
  }
  hits.sort((a, b) => {
    const diff = a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.order - b.order;
    return forward ? diff : -diff;
  });
  const groups = new Map<string, { labels: Label[]; values: Value[] }>();
  for (const hit of sampled(hits, params.limit, interval, forward)) {
    const key = labelsKey(hit.labels);
    let group = groups.get(key);
    if (!group) {
      group = { labels: hit.labels, values: [] };
      groups.set(key, group);
    }
    group.values.push(hit.value);
  }
  // Loki sorts streams by their label string (`logqlmodel.Streams.Less`).
  const result = [...groups.values()]
    .map((g) => ({ key: labelsToString(g.labels), g }))
    .sort((a, b) => compareStrings(a.key, b.key))
    .map(({ g }) => ({ stream: toObject(g.labels), values: g.values }));
  return params.categorizeLabels
    ? { resultType: 'streams', encodingFlags: [CATEGORIZE_LABELS], result }
    : { resultType: 'streams', result };
}
