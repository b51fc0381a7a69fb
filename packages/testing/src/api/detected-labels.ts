/**
 * `GET /loki/api/v1/detected_labels`: the stream labels of the streams that `query` selects
 * (every stream without one) and whose first..last entry meets the range, each with its number
 * of distinct values, leaving out labels whose values are all numbers or UUIDs, except
 * `cluster`, `namespace`, `instance` and `pod`.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/querier/querier.go (DetectedLabels)
 */
import type { HttpAnswer } from '../internal-types';
import { matchesLabels } from '../logql/logql-selector';
import type { ApiRequest } from './api-request';
import { streamConsidered } from './chunk-estimate';
import { jsonAnswer, parseOrderedBounds } from './loki-params';
import { parseMatchersQuery } from './matchers-query';

/** Labels Loki keeps whatever their values look like. */
const STATIC_LABELS = new Set(['cluster', 'namespace', 'instance', 'pod']);
const GO_FLOAT =
  /^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?\d+|inf|infinity|nan)$/i;
const UUID =
  /^(urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$|^[0-9a-f]{32}$/i;

/** `containsAllIDTypes`: every value parses as a float or a UUID (true for none). */
function allIds(values: Iterable<string>): boolean {
  for (const value of values) if (!GO_FLOAT.test(value) && !UUID.test(value)) return false;
  return true;
}

/** Answers `detected_labels`. */
export function handleDetectedLabels(req: ApiRequest): HttpAnswer {
  const { start, end } = parseOrderedBounds(req.params, req.nowMillis);
  const query = req.params.get('query') ?? '';
  const selector = query === '' ? undefined : parseMatchersQuery(query);
  const values = new Map<string, Set<string>>();
  for (const { stream } of req.ingester.streams(req.tenant)) {
    if (selector && !matchesLabels(selector, stream.labels)) continue;
    if (!streamConsidered(stream, start, end)) continue;
    for (const { name, value } of stream.labels) {
      let set = values.get(name);
      if (!set) values.set(name, (set = new Set()));
      set.add(value);
    }
  }
  const detectedLabels = [...values]
    .filter(([name, set]) => STATIC_LABELS.has(name) || !allIds(set))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, set]) => ({ label, cardinality: set.size }));
  // `detectedLabels` is omitted when empty (omitempty).
  return jsonAnswer(detectedLabels.length > 0 ? { detectedLabels } : {});
}
