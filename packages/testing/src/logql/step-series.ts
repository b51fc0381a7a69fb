/**
 * Metric results over the steps of a query: every series holds one value per step and whether it
 * has one there (a series is absent from the vectors of the steps it has no sample at).
 */
import type { Label } from '../internal-types';
import type { LogExpr } from './ast';

/** The steps of an evaluation: `count` times `start + i * step` (nanoseconds). */
export interface Steps {
  startNanos: bigint;
  stepNanos: bigint;
  count: number;
}

/** One series over the steps. */
export interface StepSeries {
  labels: Label[];
  values: Float64Array;
  present: Uint8Array;
}

/** Series by their label key. */
export type SeriesSet = Map<string, StepSeries>;

/** What the evaluator reads: the tenant's streams and the query's steps. */
export interface EvalContext {
  steps: Steps;
  /** Streams (labels and entries sorted by time) whose labels match `selector`. */
  streams(selector: LogExpr): Iterable<{ labels: Label[]; entries: ReadonlyArray<EntryLike> }>;
}

/** The part of a stored entry the engine reads. */
export interface EntryLike {
  timestampNanos: bigint;
  line: string;
  metadata: Label[];
}

const SEPARATOR = '\xff';

/** A string identifying a label set (labels sorted by name). */
export function labelsKey(labels: readonly Label[]): string {
  let key = '';
  for (const l of labels) key += l.name + SEPARATOR + l.value + SEPARATOR;
  return key;
}

/** A new series of `count` steps, absent everywhere. */
export function newSeries(labels: Label[], count: number): StepSeries {
  return { labels, values: new Float64Array(count), present: new Uint8Array(count) };
}

/** Adds a series to a set, or returns the one already there. */
export function seriesFor(set: SeriesSet, labels: Label[], count: number): StepSeries {
  const key = labelsKey(labels);
  let series = set.get(key);
  if (!series) {
    series = newSeries(labels, count);
    set.set(key, series);
  }
  return series;
}
