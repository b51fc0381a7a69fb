/**
 * The functions of range aggregations over one window of samples, computed as Loki computes
 * them (same summation order, Welford's variance, Prometheus' quantile and extrapolated rate),
 * so that values print the same.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/range_vector.go
 */
import type { RangeAggregation } from './ast';

/** Aggregates samples `[lo, hi)` (timestamps in nanoseconds, relative). */
export type WindowFn = (ts: number[], values: number[], lo: number, hi: number) => number;

function sum(values: number[], lo: number, hi: number): number {
  let total = 0;
  for (let i = lo; i < hi; i++) total += values[i];
  return total;
}

function avg(values: number[], lo: number, hi: number): number {
  let mean = 0;
  let count = 0;
  for (let i = lo; i < hi; i++) {
    const v = values[i];
    count++;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) continue;
      if (Number.isFinite(v)) continue;
    }
    mean += v / count - mean / count;
  }
  return mean;
}

function variance(values: number[], lo: number, hi: number): number {
  let aux = 0;
  let count = 0;
  let mean = 0;
  for (let i = lo; i < hi; i++) {
    const v = values[i];
    count++;
    const delta = v - mean;
    mean += delta / count;
    aux += delta * (v - mean);
  }
  return aux / count;
}

/** Prometheus' `quantile` with linear interpolation. */
export function quantile(q: number, sorted: number[]): number {
  if (sorted.length === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower] * (1 - weight) + sorted[upper] * weight;
}

/** Go's `sort.Float64Slice` order: NaN first, then ascending. */
export function goFloatOrder(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a - b;
}

function extrapolatedRate(ts: number[], values: number[], lo: number, hi: number, rangeNanos: number): number {
  if (hi - lo < 2) return 0;
  // Loki mixes nanosecond timestamps with the range in milliseconds here; kept as it answers.
  const rangeMillis = Math.trunc(rangeNanos / 1e6);
  const first = ts[lo];
  const last = ts[hi - 1];
  const rangeStart = first - rangeMillis;
  let result = values[hi - 1] - values[lo];
  let lastValue = 0;
  for (let i = lo; i < hi; i++) {
    if (values[i] < lastValue) result += lastValue;
    lastValue = values[i];
  }
  let durationToStart = (first - rangeStart) / 1000;
  const durationToEnd = (last - last) / 1000;
  const sampledInterval = (last - first) / 1000;
  const average = sampledInterval / (hi - lo - 1);
  if (result > 0 && values[lo] >= 0) {
    const durationToZero = sampledInterval * (values[lo] / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = average * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : average / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : average / 2;
  result = result * (extrapolateTo / sampledInterval);
  return result / (rangeNanos / 1e9);
}

/**
 * The window function of a range aggregation. `avg_over_time` with a grouping is computed as
 * Loki's query frontend shards it: `sum by (g) (sum_over_time) / sum by (g) (count_over_time)`,
 * which rounds differently from the incremental mean of an unsharded `avg_over_time`.
 */
export function windowAggregator(expr: RangeAggregation): WindowFn {
  const seconds = expr.range.rangeNanos / 1e9;
  switch (expr.op) {
    case 'count_over_time':
    case 'absent_over_time':
      return (_t, _v, lo, hi) => (expr.op === 'absent_over_time' ? 1 : hi - lo);
    case 'rate':
      return expr.range.unwrap ? (_t, v, lo, hi) => sum(v, lo, hi) / seconds : (_t, _v, lo, hi) => (hi - lo) / seconds;
    case 'rate_counter':
      return (t, v, lo, hi) => extrapolatedRate(t, v, lo, hi, expr.range.rangeNanos);
    case 'bytes_rate':
      return (_t, v, lo, hi) => sum(v, lo, hi) / seconds;
    case 'bytes_over_time':
    case 'sum_over_time':
      return (_t, v, lo, hi) => sum(v, lo, hi);
    case 'avg_over_time':
      if (expr.grouping && (expr.grouping.without || expr.grouping.labels.length > 0)) {
        return (_t, v, lo, hi) => sum(v, lo, hi) / (hi - lo);
      }
      return (_t, v, lo, hi) => avg(v, lo, hi);
    case 'max_over_time':
      return (_t, v, lo, hi) => {
        let max = v[lo];
        for (let i = lo; i < hi; i++) if (v[i] > max || Number.isNaN(max)) max = v[i];
        return max;
      };
    case 'min_over_time':
      return (_t, v, lo, hi) => {
        let min = v[lo];
        for (let i = lo; i < hi; i++) if (v[i] < min || Number.isNaN(min)) min = v[i];
        return min;
      };
    case 'stdvar_over_time':
      return (_t, v, lo, hi) => variance(v, lo, hi);
    case 'stddev_over_time':
      return (_t, v, lo, hi) => Math.sqrt(variance(v, lo, hi));
    case 'quantile_over_time': {
      const q = expr.param ?? 0;
      return (_t, v, lo, hi) => quantile(q, v.slice(lo, hi).sort(goFloatOrder));
    }
    case 'first_over_time':
      return (_t, v, lo) => v[lo];
    case 'last_over_time':
      return (_t, v, _lo, hi) => v[hi - 1];
  }
}
