/**
 * Evaluates a metric expression over the steps of a query: range aggregations read the store,
 * everything above them combines step vectors. A `sum` directly over a `count_over_time`,
 * `rate`, `bytes_*` or `sum_over_time` pushes its grouping into the extraction, as Loki does.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/evaluator.go
 */
import type { RangeOp, SampleExpr } from './ast';
import { evalRangeAggregation } from './range-aggregation';
import { newSeries } from './step-series';
import type { EvalContext, SeriesSet } from './step-series';
import { aggregate, applyOp, labelReplace, literalBinary, vectorBinary } from './vector-ops';

/** A scalar, or series over the steps. */
export type Evaluated = { kind: 'scalar'; value: number } | { kind: 'series'; set: SeriesSet };

const INJECTABLE = new Set<RangeOp>(['bytes_over_time', 'bytes_rate', 'sum_over_time', 'rate', 'count_over_time']);

function asSeries(value: Evaluated, count: number): SeriesSet {
  if (value.kind === 'series') return value.set;
  const series = newSeries([], count);
  series.values.fill(value.value);
  series.present.fill(1);
  return new Map([['', series]]);
}

/** Evaluates `expr` over `ctx.steps`. */
export function evaluate(expr: SampleExpr, ctx: EvalContext): Evaluated {
  const count = ctx.steps.count;
  switch (expr.kind) {
    case 'literal':
      return { kind: 'scalar', value: expr.value };
    case 'vector':
      return { kind: 'series', set: asSeries({ kind: 'scalar', value: expr.value }, count) };
    case 'range':
      return { kind: 'series', set: evalRangeAggregation(expr, ctx) };
    case 'vectorAgg': {
      const inner = expr.inner;
      const pushDown =
        expr.op === 'sum' && inner.kind === 'range' && inner.grouping === undefined && INJECTABLE.has(inner.op);
      const input =
        pushDown && inner.kind === 'range'
          ? evalRangeAggregation(inner, ctx, expr.grouping)
          : asSeries(evaluate(inner, ctx), count);
      return { kind: 'series', set: aggregate(expr, input, count) };
    }
    case 'labelReplace':
      return { kind: 'series', set: labelReplace(expr, asSeries(evaluate(expr.inner, ctx), count), count) };
    case 'binary': {
      const left = evaluate(expr.left, ctx);
      const right = evaluate(expr.right, ctx);
      if (left.kind === 'scalar' && right.kind === 'scalar') {
        return { kind: 'scalar', value: applyOp(expr.op, left.value, right.value, true) ?? NaN };
      }
      if (left.kind === 'scalar' && right.kind === 'series') {
        return { kind: 'series', set: literalBinary(expr, right.set, left.value, true, count) };
      }
      if (right.kind === 'scalar' && left.kind === 'series') {
        return { kind: 'series', set: literalBinary(expr, left.set, right.value, false, count) };
      }
      return { kind: 'series', set: vectorBinary(expr, asSeries(left, count), asSeries(right, count), count) };
    }
  }
}
