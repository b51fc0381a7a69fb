/**
 * Operations on vectors, step by step: aggregations (`sum by (x)`, `topk`, `sort_desc`, ...),
 * binary operators (with literals, vector matching, `bool`, `on`/`ignoring`,
 * `group_left`/`group_right`, `and`/`or`/`unless`) and `label_replace`, as Loki's evaluator
 * computes them.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/evaluator.go
 */
import type { Label } from '../internal-types';
import type { BinaryExpr, Grouping, LabelReplaceExpr, VectorAggregation } from './ast';
import { COMPARISON_OPS } from './ast';
import { LogqlQueryError } from './errors';
import { compareLabels, compareStrings } from './labels-builder';
import { labelsKey, seriesFor } from './step-series';
import type { SeriesSet, StepSeries } from './step-series';

interface Sample {
  labels: Label[];
  value: number;
}

interface SignedSample extends Sample {
  sig: string;
}

/** The samples of one step, in the set's order, with their matching signatures. */
function signedVector(set: SeriesSet, i: number, sigs: Map<StepSeries, string>): SignedSample[] {
  const out: SignedSample[] = [];
  for (const s of set.values()) {
    if (s.present[i] === 1) out.push({ labels: s.labels, value: s.values[i], sig: sigs.get(s) as string });
  }
  return out;
}

function groupLabels(labels: Label[], grouping: Grouping): Label[] {
  if (grouping.without) return labels.filter((l) => !grouping.labels.includes(l.name) && l.name !== '__name__');
  return labels.filter((l) => grouping.labels.includes(l.name)).sort(compareLabels);
}

interface Group {
  labels: Label[];
  value: number;
  mean: number;
  count: number;
  kept: Sample[];
}

function put(out: SeriesSet, labels: Label[], i: number, value: number, count: number): void {
  const series = seriesFor(out, labels, count);
  series.values[i] = value;
  series.present[i] = 1;
}

/** A vector aggregation over every step; the result of `sort`/`sort_desc` keeps Loki's order per step. */
export function aggregate(expr: VectorAggregation, input: SeriesSet, count: number): SeriesSet {
  const grouping = expr.grouping ?? { without: false, labels: [] };
  const out: SeriesSet = new Map();
  const keyed = [...input.values()].map((s) => {
    const labels = groupLabels(s.labels, grouping);
    return { series: s, labels, key: labelsKey(labels) };
  });
  const k = expr.param ?? 0;
  for (let i = 0; i < count; i++) {
    const groups = new Map<string, Group>();
    for (const { series, labels, key } of keyed) {
      if (series.present[i] !== 1) continue;
      const v = series.values[i];
      const sample = { labels: series.labels, value: v };
      const g = groups.get(key);
      if (!g) {
        groups.set(key, {
          labels,
          value: expr.op === 'stddev' || expr.op === 'stdvar' ? 0 : v,
          mean: v,
          count: 1,
          kept: [sample],
        });
        continue;
      }
      switch (expr.op) {
        case 'sum':
          g.value += v;
          break;
        case 'avg':
          g.count++;
          g.mean += (v - g.mean) / g.count;
          break;
        case 'max':
          if (g.value < v || Number.isNaN(g.value)) g.value = v;
          break;
        case 'min':
          if (g.value > v || Number.isNaN(g.value)) g.value = v;
          break;
        case 'count':
          g.count++;
          break;
        case 'stddev':
        case 'stdvar': {
          g.count++;
          const delta = v - g.mean;
          g.mean += delta / g.count;
          g.value += delta * (v - g.mean);
          break;
        }
        default:
          g.kept.push(sample);
      }
    }
    for (const g of groups.values()) {
      switch (expr.op) {
        case 'avg':
          put(out, g.labels, i, g.mean, count);
          break;
        case 'count':
          put(out, g.labels, i, g.count, count);
          break;
        case 'stddev':
          put(out, g.labels, i, Math.sqrt(g.value / g.count), count);
          break;
        case 'stdvar':
          put(out, g.labels, i, g.value / g.count, count);
          break;
        case 'topk':
        case 'bottomk':
        case 'sort':
        case 'sort_desc': {
          const desc = expr.op === 'topk' || expr.op === 'sort_desc';
          const sorted = [...g.kept].sort((a, b) => byValue(a.value, b.value, desc));
          const kept = expr.op === 'topk' || expr.op === 'bottomk' ? sorted.slice(0, k) : sorted;
          for (const s of kept) put(out, s.labels, i, s.value, count);
          break;
        }
        default:
          put(out, g.labels, i, g.value, count);
      }
    }
  }
  return out;
}

/** Descending (or ascending) by value, NaN last, as Loki's heaps pop them. */
function byValue(a: number, b: number, desc: boolean): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return desc ? b - a : a - b;
}

/** `MergeBinOp` for two values: the result, or undefined when a comparison filters it out. */
export function applyOp(op: string, l: number, r: number, returnBool: boolean): number | undefined {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return r === 0 ? NaN : l / r;
    case '%':
      return r === 0 ? NaN : l % r;
    case '^':
      return Math.pow(l, r);
    default: {
      const holds =
        op === '=='
          ? l === r
          : op === '!='
            ? l !== r
            : op === '>'
              ? l > r
              : op === '>='
                ? l >= r
                : op === '<'
                  ? l < r
                  : l <= r;
      if (returnBool) return holds ? 1 : 0;
      return holds ? 1 : undefined;
    }
  }
}

/** A binary operation between a vector and a literal (`literalOnLeft` for `2 * vec`). */
export function literalBinary(
  expr: BinaryExpr,
  vec: SeriesSet,
  literal: number,
  literalOnLeft: boolean,
  count: number
): SeriesSet {
  const out: SeriesSet = new Map();
  const comparison = COMPARISON_OPS.has(expr.op);
  for (const s of vec.values()) {
    for (let i = 0; i < count; i++) {
      if (s.present[i] !== 1) continue;
      const v = s.values[i];
      const result = literalOnLeft
        ? applyOp(expr.op, literal, v, expr.returnBool)
        : applyOp(expr.op, v, literal, expr.returnBool);
      if (result === undefined) continue;
      put(out, s.labels, i, comparison && !expr.returnBool ? v : result, count);
    }
  }
  return out;
}

function signature(labels: Label[], expr: BinaryExpr): string {
  const { on, labels: names } = expr.matching;
  return labelsKey(on ? labels.filter((l) => names.includes(l.name)) : labels.filter((l) => !names.includes(l.name)));
}

function resultMetric(left: Label[], right: Label[], expr: BinaryExpr): Label[] {
  const m = expr.matching;
  let labels = left;
  if (m.card === 'one-to-one') {
    labels = m.on ? labels.filter((l) => m.labels.includes(l.name)) : labels.filter((l) => !m.labels.includes(l.name));
  }
  for (const name of m.include) {
    const value = right.find((l) => l.name === name)?.value ?? '';
    labels = labels.filter((l) => l.name !== name);
    if (value !== '') labels = [...labels, { name, value }].sort(compareLabels);
  }
  return labels;
}

/** A binary operation between two vectors, step by step. */
export function vectorBinary(expr: BinaryExpr, left: SeriesSet, right: SeriesSet, count: number): SeriesSet {
  const out: SeriesSet = new Map();
  const leftSig = new Map<StepSeries, string>();
  const rightSig = new Map<StepSeries, string>();
  for (const s of left.values()) leftSig.set(s, signature(s.labels, expr));
  for (const s of right.values()) rightSig.set(s, signature(s.labels, expr));
  for (let i = 0; i < count; i++) {
    let lhs = signedVector(left, i, leftSig);
    let rhs = signedVector(right, i, rightSig);
    if (expr.op === 'and' || expr.op === 'or' || expr.op === 'unless') {
      for (const s of setOperation(expr.op, lhs, rhs)) put(out, s.labels, i, s.value, count);
      continue;
    }
    if (expr.matching.card === 'one-to-many') [lhs, rhs] = [rhs, lhs];
    const rightBySig = new Map<string, SignedSample>();
    for (const s of rhs) {
      if (rightBySig.has(s.sig)) {
        const side = expr.matching.card === 'one-to-many' ? 'left' : 'right';
        throw new LogqlQueryError(
          `found duplicate series on the ${side} hand-side;many-to-many matching not allowed: matching labels must be unique on one side`
        );
      }
      rightBySig.set(s.sig, s);
    }
    const matched = new Map<string, Set<string>>();
    for (const ls of lhs) {
      const rs = rightBySig.get(ls.sig);
      if (!rs) continue;
      const metric = resultMetric(ls.labels, rs.labels, expr);
      const inserted = matched.get(ls.sig);
      if (expr.matching.card === 'one-to-one') {
        if (inserted)
          throw new LogqlQueryError(
            'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)'
          );
        matched.set(ls.sig, new Set());
      } else {
        const key = labelsKey(metric);
        if (inserted?.has(key))
          throw new LogqlQueryError('multiple matches for labels: grouping labels must ensure unique matches');
        (inserted ?? matched.set(ls.sig, new Set()).get(ls.sig))?.add(key);
      }
      const [a, b] = expr.matching.card === 'one-to-many' ? [rs, ls] : [ls, rs];
      const result = applyOp(expr.op, a.value, b.value, expr.returnBool);
      if (result === undefined) continue;
      const value = COMPARISON_OPS.has(expr.op) && !expr.returnBool ? a.value : result;
      put(out, metric, i, value, count);
    }
  }
  return out;
}

function setOperation(op: string, lhs: SignedSample[], rhs: SignedSample[]): SignedSample[] {
  const rightSigs = new Set(rhs.map((s) => s.sig));
  if (op === 'and') return lhs.length === 0 || rhs.length === 0 ? [] : lhs.filter((s) => rightSigs.has(s.sig));
  if (op === 'unless') return lhs.length === 0 || rhs.length === 0 ? lhs : lhs.filter((s) => !rightSigs.has(s.sig));
  const leftSigs = new Set(lhs.map((s) => s.sig));
  return [...lhs, ...rhs.filter((s) => !leftSigs.has(s.sig))];
}

/** Go's `Regexp.ExpandString` for `$1`, `${1}`, `$name`, `${name}` and `$$`. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(
    /\$(\$|\{([A-Za-z0-9_]*)\}|([A-Za-z0-9_]+))/g,
    (_all, whole: string, braced?: string, bare?: string) => {
      if (whole === '$') return '$';
      const name = braced ?? bare ?? '';
      if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
      return m.groups?.[name] ?? '';
    }
  );
}

/** `label_replace(v, dst, replacement, src, regex)`. */
export function labelReplace(expr: LabelReplaceExpr, input: SeriesSet, count: number): SeriesSet {
  const out: SeriesSet = new Map();
  for (const s of input.values()) {
    const src = s.labels.find((l) => l.name === expr.src)?.value ?? '';
    const m = expr.regex.exec(src);
    let labels = s.labels;
    if (m) {
      const value = expand(expr.replacement, m);
      labels = s.labels.filter((l) => l.name !== expr.dst);
      if (value !== '') labels = [...labels, { name: expr.dst, value }].sort((a, b) => compareStrings(a.name, b.name));
    }
    for (let i = 0; i < count; i++) if (s.present[i] === 1) put(out, labels, i, s.values[i], count);
  }
  return out;
}
