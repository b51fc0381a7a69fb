/**
 * `GET /loki/api/v1/index/stats`: streams, chunks, entries and bytes that a query would touch,
 * as Loki estimates them: the range split at UTC day boundaries (`indexStatsQuerySplitInterval`,
 * each split truncated to whole seconds), each stream's chunk prorated by time, the splits summed.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/querier/queryrange/splitters.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/ingester/instance.go (getStats)
 */
import type { HttpAnswer } from '../internal-types';
import { matchesLabels } from '../logql/logql-selector';
import type { ApiRequest } from './api-request';
import { chunkShare } from './chunk-estimate';
import { forInterval, jsonAnswer, parseOrderedBounds, truncateToSeconds } from './loki-params';
import { parseMatchersQuery } from './matchers-query';

const DAY_NANOS = 86_400n * 1_000_000_000n;

/** Loki's `IndexStatsResponse`. */
export interface IndexStats {
  streams: number;
  chunks: number;
  bytes: number;
  entries: number;
}

/** Answers `index/stats`. */
export function handleIndexStats(req: ApiRequest): HttpAnswer {
  const selector = parseMatchersQuery(req.params.get('query') ?? '');
  const { start, end } = parseOrderedBounds(req.params, req.nowMillis);
  const total: IndexStats = { streams: 0, chunks: 0, bytes: 0, entries: 0 };
  const streams = req.ingester.streams(req.tenant).filter(({ stream }) => matchesLabels(selector, stream.labels));
  for (const [splitStart, splitEnd] of forInterval(DAY_NANOS, start, end)) {
    const from = truncateToSeconds(splitStart);
    const through = truncateToSeconds(splitEnd);
    for (const { stream } of streams) {
      const share = chunkShare(stream, from, through);
      if (share === undefined) continue;
      total.streams++;
      total.chunks++;
      total.entries += share.entries;
      total.bytes += share.bytes;
    }
  }
  return jsonAnswer(total);
}
