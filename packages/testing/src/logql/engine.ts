/**
 * Runs a LogQL query against stored streams, as Loki's `query` and `query_range` answer it:
 * log queries return streams (limit, direction, categorized labels), metric queries a matrix
 * (range), a vector or a scalar (instant), with the series limit and Loki's errors.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/engine.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/querier/queryrange/splitters.go
 */
import type { Label } from '../internal-types';
import type { QueryResult } from '../types';
import type { LogExpr, SampleExpr } from './ast';
import { LogqlQueryError, seriesLimitError } from './errors';
import { evaluate } from './evaluator';
import { compareStrings } from './labels-builder';
import { runLogQuery } from './log-query';
import { parseExpr } from './parser';
import type { EntryLike, EvalContext, SeriesSet, Steps } from './step-series';

/** A stored stream as the engine reads it. */
export interface StoredStreamView {
  labels: Label[];
  entries: ReadonlyArray<EntryLike>;
}

/** What a query needs besides the store. */
export interface QueryParams {
  query: string;
  /** Instant (`/query`, evaluated at `endNanos`) or range (`/query_range`). */
  instant: boolean;
  startNanos: bigint;
  endNanos: bigint;
  stepNanos: bigint;
  limit: number;
  direction: 'forward' | 'backward';
  /** Log queries: keep only entries at least this far apart (`interval`); 0 keeps all. */
  intervalNanos?: bigint;
  categorizeLabels: boolean;
  /** `max_query_series`. */
  maxSeries: number;
  /** `max_entries_limit_per_query`. */
  maxEntriesLimit: number;
}

/** The `data` of Loki's answer. */
export type QueryData = QueryResult;

const UNSUPPORTED_INSTANT =
  'log queries are not supported as an instant query type, please change your query to a range query type';

/** Prometheus' float formatting (`strconv.FormatFloat(v, 'f', -1, 64)`): never an exponent. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const text = String(v);
  if (!text.includes('e')) return text;
  const [mantissa, exponentText] = text.split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const point = mantissa.replace('-', '').indexOf('.');
  const intLength = (point < 0 ? mantissa.replace('-', '').length : point) + exponent;
  let out: string;
  if (intLength <= 0) out = '0.' + '0'.repeat(-intLength) + digits;
  else if (intLength >= digits.length) out = digits + '0'.repeat(intLength - digits.length);
  else out = digits.slice(0, intLength) + '.' + digits.slice(intLength);
  return (negative ? '-' : '') + out;
}

function seconds(nanos: bigint): number {
  const millis = nanos / 1_000_000n;
  return Number(millis) / 1000;
}

/** `labels.Compare`. */
function compareLabelSets(a: Label[], b: Label[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i].name !== b[i].name) return compareStrings(a[i].name, b[i].name);
    if (a[i].value !== b[i].value) return compareStrings(a[i].value, b[i].value);
  }
  return a.length - b.length;
}

function toObject(labels: Label[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}

function matches(selector: LogExpr, labels: Label[]): boolean {
  return selector.matchers.every((m) => m.matches(labels.find((l) => l.name === m.name)?.value ?? ''));
}

/** The steps of a query: a range query's start rounded down and end up to the step. */
function querySteps(params: QueryParams): Steps {
  if (params.instant) return { startNanos: params.endNanos, stepNanos: 0n, count: 1 };
  const step = params.stepNanos;
  const start = params.startNanos - (params.startNanos % step);
  const end = params.endNanos % step === 0n ? params.endNanos : params.endNanos + step - (params.endNanos % step);
  return { startNanos: start, stepNanos: step, count: Number((end - start) / step) + 1 };
}

function isTopSort(expr: SampleExpr): boolean {
  return expr.kind === 'vectorAgg' && (expr.op === 'sort' || expr.op === 'sort_desc');
}

function nonEmpty(set: SeriesSet): Array<{ labels: Label[]; values: Float64Array; present: Uint8Array }> {
  return [...set.values()].filter((s) => s.present.some((p) => p === 1));
}

/** Runs a query; throws {@link LogqlQueryError} with Loki's text. */
export function runQuery(streams: () => Iterable<StoredStreamView>, params: QueryParams): QueryData {
  const expr = parseExpr(params.query);
  if (expr.kind === 'log') {
    if (params.instant) throw new LogqlQueryError(UNSUPPORTED_INSTANT);
    if (params.limit > params.maxEntriesLimit) {
      throw new LogqlQueryError(
        `max entries limit per query exceeded, limit > max_entries_limit (${params.limit} > ${params.maxEntriesLimit})`
      );
    }
    return runLogQuery(expr, streams(), params);
  }
  const steps = querySteps(params);
  const ctx: EvalContext = {
    steps,
    *streams(selector: LogExpr) {
      for (const s of streams()) if (matches(selector, s.labels)) yield s;
    },
  };
  const value = evaluate(expr, ctx);
  if (value.kind === 'scalar') {
    if (params.instant)
      return { resultType: 'scalar', result: [seconds(steps.startNanos), formatSampleValue(value.value)] };
    const values: Array<[number, string]> = [];
    for (let i = 0; i < steps.count; i++) {
      values.push([seconds(steps.startNanos + steps.stepNanos * BigInt(i)), formatSampleValue(value.value)]);
    }
    return { resultType: 'matrix', result: [{ metric: {}, values }] };
  }
  const series = nonEmpty(value.set);
  if (series.length > params.maxSeries) throw seriesLimitError(params.maxSeries);
  if (params.instant) {
    if (!isTopSort(expr)) series.sort((a, b) => compareLabelSets(a.labels, b.labels));
    return {
      resultType: 'vector',
      result: series.map((s) => ({
        metric: toObject(s.labels),
        value: [seconds(steps.startNanos), formatSampleValue(s.values[0])],
      })),
    };
  }
  series.sort((a, b) => compareLabelSets(a.labels, b.labels));
  return {
    resultType: 'matrix',
    result: series.map((s) => {
      const values: Array<[number, string]> = [];
      for (let i = 0; i < steps.count; i++) {
        if (s.present[i] === 1)
          values.push([seconds(steps.startNanos + steps.stepNanos * BigInt(i)), formatSampleValue(s.values[i])]);
      }
      return { metric: toObject(s.labels), values };
    }),
  };
}
