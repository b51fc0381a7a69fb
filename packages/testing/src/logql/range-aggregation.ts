/**
 * Range aggregations (`count_over_time`, `rate`, `avg_over_time(... | unwrap x [5m])`, ...):
 * one pass over the selected entries builds each series' samples, then each step's window
 * `(t - range, t]` slides over them. Sample labels follow Loki's extractor: grouped by the
 * aggregation's (or a parent `sum`'s) grouping, all labels when a sample has an error, which
 * then fails the query with Loki's pipeline error.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/range_vector.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/syntax/extractor.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/metrics_extraction.go
 */
import { goQuote } from '@otel-loki/push/internal';
import { upperBound } from '../ingest/ingester';
import type { Label } from '../internal-types';
import type { Grouping, RangeAggregation } from './ast';
import { LogqlQueryError } from './errors';
import {
  ERROR_LABEL,
  LabelsBuilder,
  ParserHints,
  PRESERVE_ERROR_LABEL,
  DUPLICATE_SUFFIX,
  compareStrings,
} from './labels-builder';
import { compileLabelFilter, compilePipeline, labelFilterNames } from './pipeline';
import { labelsKey, newSeries } from './step-series';
import type { EntryLike, EvalContext, SeriesSet } from './step-series';
import { goParseBytes, goParseDuration, goParseFloat, goSeconds } from './units';
import { windowAggregator } from './window-functions';

const SAMPLE_EXTRACTION_ERR = 'SampleExtractionErr';
/** Aggregations of integer counts and byte sums: order-free, computed without keeping samples. */
const COUNTING = new Set(['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate']);

interface RawSeries {
  labels: Label[];
  ts: number[];
  values: number[];
  /** For counting aggregations: per-step differences of sample counts and of value sums. */
  counts?: Float64Array;
  sums?: Float64Array;
  /** Where each sorted run starts (samples of several streams interleave in time). */
  runs: number[];
  hasError: boolean;
}

/** Loki's `PipelineError` text. */
export function pipelineError(labels: readonly Label[]): LogqlQueryError {
  const err = labels.find((l) => l.name === ERROR_LABEL)?.value ?? '';
  const metric = '{' + labels.map((l) => `${l.name}=${goQuote(l.value)}`).join(', ') + '}';
  return new LogqlQueryError(
    `pipeline error: '${err}' for series: '${metric}'.\n` +
      `Use a label filter to intentionally skip this error. (e.g | __error__!="${err}").\n` +
      'To skip all potential errors you can match empty errors.(e.g __error__="")\n' +
      'The label filter can also be specified after unwrap. (e.g | unwrap latency | __error__="" )\n'
  );
}

function withExtractedVariants(names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    out.push(n);
    if (n.endsWith(DUPLICATE_SUFFIX)) out.push(n.slice(0, -DUPLICATE_SUFFIX.length));
  }
  return [...new Set(out)];
}

/** Loki's `NewParserHint`. */
function parserHints(
  required: string[],
  groups: string[],
  without: boolean,
  noLabels: boolean,
  metricLabel: string
): ParserHints {
  const hints = withExtractedVariants([...required, ...groups, metricLabel]);
  if (noLabels) return new ParserHints(hints, false, hints.includes(ERROR_LABEL));
  if (without || groups.length === 0) return new ParserHints(undefined, false);
  return new ParserHints(hints, false, hints.includes(ERROR_LABEL));
}

/** `GroupedLabels`: the labels a sample is counted under. */
function groupedLabels(lbs: LabelsBuilder, groups: string[], without: boolean, noLabels: boolean): Label[] {
  if (lbs.err !== '') return lbs.labels();
  if (noLabels) return [];
  if (groups.length === 0) return lbs.labels();
  if (without) return lbs.labels().filter((l) => !groups.includes(l.name));
  const result: Label[] = [];
  for (const g of groups) {
    const value = lbs.get(g);
    if (value !== undefined) result.push({ name: g, value });
  }
  return result;
}

const CONVERSIONS = {
  '': goParseFloat,
  bytes: goParseBytes,
  duration: (v: string) => {
    const r = goParseDuration(v);
    return 'value' in r ? { value: goSeconds(r.value) } : r;
  },
  duration_seconds: (v: string) => {
    const r = goParseDuration(v);
    return 'value' in r ? { value: goSeconds(r.value) } : r;
  },
} as const;

/** Evaluates a range aggregation over the context's steps; `override` is a parent `sum`'s grouping. */
export function evalRangeAggregation(expr: RangeAggregation, ctx: EvalContext, override?: Grouping): SeriesSet {
  const { range } = expr;
  const grouping = override ?? expr.grouping;
  let groups = [...(grouping?.labels ?? [])].sort(compareStrings);
  let without = grouping?.without ?? false;
  let noLabels = grouping !== undefined && !grouping.without && grouping.labels.length === 0;
  if (expr.op === 'absent_over_time') noLabels = true;
  const pipeline = compilePipeline(range.selector.stages);
  const unwrap = range.unwrap;
  const postFilters = (unwrap?.postFilters ?? []).map(compileLabelFilter);
  const required = [...pipeline.requiredLabelNames, ...(unwrap?.postFilters ?? []).flatMap(labelFilterNames)];
  if (unwrap && (groups.length === 0 || without)) {
    without = true;
    groups = [...groups, unwrap.label].sort(compareStrings);
  }
  const hints = parserHints(required, groups, without, noLabels, unwrap?.label ?? '');
  const convert = unwrap ? CONVERSIONS[unwrap.conversion] : undefined;

  const { steps } = ctx;
  const offset = BigInt(range.offsetNanos);
  const rangeNanos = BigInt(range.rangeNanos);
  const base = steps.startNanos - offset - rangeNanos;
  const lastEnd = steps.startNanos + steps.stepNanos * BigInt(Math.max(steps.count - 1, 0)) - offset;
  const raw = new Map<string, RawSeries>();
  const byBytes = expr.op === 'bytes_over_time' || expr.op === 'bytes_rate';
  const counting = COUNTING.has(expr.op) && !unwrap;
  const stepNanos = Number(steps.stepNanos);
  const rangeFloat = range.rangeNanos;

  for (const stream of ctx.streams(range.selector)) {
    const lbs = new LabelsBuilder(stream.labels, hints);
    const entries = stream.entries;
    const last = upperBound(entries, lastEnd);
    const first = lowerBound(entries, base);
    if (first >= last) continue;
    const times = relativeTimes(entries);
    const shift = Number(entries[0].timestampNanos - base);
    for (let i = first; i < last; i++) {
      const entry = entries[i];
      lbs.reset(entry.metadata);
      const line = pipeline.process(entry.timestampNanos, entry.line, lbs);
      if (line === undefined) continue;
      let value: number;
      if (convert && unwrap) {
        const text = lbs.get(unwrap.label);
        if (text === undefined || text === '') continue;
        const parsed = convert(text);
        if ('error' in parsed) {
          value = 0;
          lbs.setError(SAMPLE_EXTRACTION_ERR, parsed.error);
        } else {
          value = parsed.value;
        }
        if (!postFilters.every((f) => f(lbs))) continue;
      } else {
        value = byBytes ? Buffer.byteLength(line) : 1;
      }
      let key: string;
      let labels: Label[] | undefined;
      if (lbs.err === '' && !without && groups.length === 1) {
        // The common `by (x)` case: the value is the key, labels only for a new series.
        key = lbs.get(groups[0]) ?? '\u0000';
      } else if (lbs.err === '' && !without && groups.length > 1) {
        key = '';
        for (const g of groups) key += (lbs.get(g) ?? '\u0000') + '\xff';
      } else {
        labels = groupedLabels(lbs, groups, without, noLabels);
        key = labelsKey(labels);
      }
      let series = raw.get(key);
      if (!series) {
        labels ??= groupedLabels(lbs, groups, without, noLabels);
        const hasError =
          labels.some((l) => l.name === ERROR_LABEL) &&
          !labels.some((l) => l.name === PRESERVE_ERROR_LABEL && l.value === 'true');
        series = { labels, ts: [], values: [], runs: [0], hasError };
        if (counting) {
          series.counts = new Float64Array(steps.count + 1);
          series.sums = new Float64Array(steps.count + 1);
        }
        raw.set(key, series);
      }
      const rel = times[i] + shift;
      if (counting) {
        // Each sample counts in the windows of steps lo..hi: a difference array, no samples kept.
        const lo = stepNanos === 0 ? 0 : Math.max(0, Math.ceil((rel - rangeFloat) / stepNanos));
        const hi = stepNanos === 0 ? 0 : Math.min(steps.count - 1, Math.ceil(rel / stepNanos) - 1);
        if (hi < lo || (stepNanos === 0 && (rel <= 0 || rel > rangeFloat))) continue;
        (series.counts as Float64Array)[lo]++;
        (series.counts as Float64Array)[hi + 1]--;
        (series.sums as Float64Array)[lo] += value;
        (series.sums as Float64Array)[hi + 1] -= value;
        continue;
      }
      if (series.ts.length > 0 && rel < series.ts[series.ts.length - 1]) series.runs.push(series.ts.length);
      series.ts.push(rel);
      series.values.push(value);
    }
  }
  return windows(expr, ctx, raw);
}

/** Entry times relative to a stream's first entry, as doubles (exact for 104 days), cached per entries array. */
const TIMES = new WeakMap<ReadonlyArray<EntryLike>, Float64Array>();

function relativeTimes(entries: ReadonlyArray<EntryLike>): Float64Array {
  let times = TIMES.get(entries);
  if (times && times.length === entries.length) return times;
  times = new Float64Array(entries.length);
  const origin = entries[0].timestampNanos;
  for (let i = 0; i < entries.length; i++) times[i] = Number(entries[i].timestampNanos - origin);
  TIMES.set(entries, times);
  return times;
}

function lowerBound(entries: ReadonlyArray<{ timestampNanos: bigint }>, after: bigint): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (entries[mid].timestampNanos <= after) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Merges the sorted runs of a series pairwise (stable: an earlier run first on equal times). */
function sortSeries(series: RawSeries): void {
  let runs = [...series.runs, series.ts.length];
  let ts = series.ts;
  let values = series.values;
  // Bounded: every pass halves the number of runs.
  while (runs.length > 2) {
    const nextTs = new Array<number>(ts.length);
    const nextValues = new Array<number>(values.length);
    const nextRuns: number[] = [];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const start = runs[r];
      const mid = runs[r + 1];
      const end = r + 2 < runs.length ? runs[r + 2] : mid;
      nextRuns.push(start);
      let i = start;
      let j = mid;
      let k = start;
      while (i < mid && j < end) {
        if (ts[j] < ts[i]) {
          nextTs[k] = ts[j];
          nextValues[k++] = values[j++];
        } else {
          nextTs[k] = ts[i];
          nextValues[k++] = values[i++];
        }
      }
      while (i < mid) {
        nextTs[k] = ts[i];
        nextValues[k++] = values[i++];
      }
      while (j < end) {
        nextTs[k] = ts[j];
        nextValues[k++] = values[j++];
      }
    }
    nextRuns.push(ts.length);
    runs = nextRuns;
    ts = nextTs;
    values = nextValues;
  }
  series.ts = ts;
  series.values = values;
  series.runs = [0];
}

function windows(expr: RangeAggregation, ctx: EvalContext, raw: Map<string, RawSeries>): SeriesSet {
  const { steps } = ctx;
  const rangeNanos = expr.range.rangeNanos;
  const stepNanos = Number(steps.stepNanos);
  const aggregate = windowAggregator(expr);
  const result: SeriesSet = new Map();
  const errors: Array<{ labels: Label[]; present: Uint8Array }> = [];
  const seconds = rangeNanos / 1e9;
  for (const [key, series] of raw) {
    if (series.counts && series.sums) {
      const out = newSeries(series.labels, steps.count);
      let count = 0;
      let sum = 0;
      for (let i = 0; i < steps.count; i++) {
        count += series.counts[i];
        sum += series.sums[i];
        if (count === 0) continue;
        out.present[i] = 1;
        out.values[i] =
          expr.op === 'count_over_time'
            ? count
            : expr.op === 'rate'
              ? count / seconds
              : expr.op === 'bytes_rate'
                ? sum / seconds
                : sum;
      }
      if (!out.present.some((p) => p === 1)) continue;
      if (series.hasError) errors.push({ labels: series.labels, present: out.present });
      result.set(key, out);
      continue;
    }
    if (series.runs.length > 1) sortSeries(series);
    const out = newSeries(series.labels, steps.count);
    let lo = 0;
    let hi = 0;
    let any = false;
    for (let i = 0; i < steps.count; i++) {
      const end = rangeNanos + i * stepNanos;
      const start = end - rangeNanos;
      while (hi < series.ts.length && series.ts[hi] <= end) hi++;
      while (lo < hi && series.ts[lo] <= start) lo++;
      if (hi > lo) {
        out.values[i] = aggregate(series.ts, series.values, lo, hi);
        out.present[i] = 1;
        any = true;
      }
    }
    if (!any) continue;
    if (series.hasError) errors.push({ labels: series.labels, present: out.present });
    if (expr.op !== 'absent_over_time') result.set(key, out);
  }
  for (let i = 0; i < steps.count && errors.length > 0; i++) {
    const failing = errors.find((e) => e.present[i] === 1);
    if (failing) throw pipelineError(failing.labels);
  }
  if (expr.op === 'absent_over_time') return absent(expr, ctx, raw);
  return result;
}

function absent(expr: RangeAggregation, ctx: EvalContext, raw: Map<string, RawSeries>): SeriesSet {
  const { steps } = ctx;
  const labels: Label[] = [];
  const empty = new Set<string>();
  for (const m of expr.range.selector.matchers) {
    if (m.type === '=' && !labels.some((l) => l.name === m.name)) labels.push({ name: m.name, value: m.value });
    else empty.add(m.name);
  }
  const absentLabels = labels.filter((l) => !empty.has(l.name)).sort((a, b) => compareStrings(a.name, b.name));
  const out = newSeries(absentLabels, steps.count);
  const rangeNanos = expr.range.rangeNanos;
  const stepNanos = Number(steps.stepNanos);
  for (let i = 0; i < steps.count; i++) {
    const end = rangeNanos + i * stepNanos;
    const start = end - rangeNanos;
    let seen = false;
    for (const series of raw.values()) {
      if (series.ts.some((t) => t > start && t <= end)) {
        seen = true;
        break;
      }
    }
    if (!seen) {
      out.values[i] = 1;
      out.present[i] = 1;
    }
  }
  const result: SeriesSet = new Map();
  if (out.present.some((p) => p === 1)) result.set(labelsKey(absentLabels), out);
  return result;
}
