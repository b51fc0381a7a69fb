/**
 * The LogQL syntax tree, shaped after Loki's `syntax/ast.go`.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/syntax/ast.go
 */

export type MatchType = '=' | '!=' | '=~' | '!~';

/** A label matcher (`name="value"`), Prometheus' `labels.Matcher`. */
export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
  matches(value: string): boolean;
}

/** A line filter (`|= "x"`, `!~ "re"`, `|= ip("...")`, `|= "a" or "b"`). */
export interface LineFilter {
  kind: 'lineFilter';
  test(line: string): boolean;
}

/** A label filter: a matcher, `ip()`, a typed comparison, or `and`/`or` of two filters. */
export type LabelFilterNode =
  | { type: 'matcher'; matcher: Matcher }
  | { type: 'ip'; name: string; negate: boolean; cidr: string }
  | { type: 'duration' | 'bytes' | 'number'; name: string; op: CompareOp; value: number }
  | { type: 'and' | 'or'; left: LabelFilterNode; right: LabelFilterNode };

export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

/** One `name="expression"` of `| json a="x.y"` or `| logfmt a="b"`. */
export interface Extraction {
  name: string;
  expression: string;
}

/** `label_format` items: a rename (`a=b`) or a template (`a="{{.b}}"`). */
export interface LabelFormatItem {
  name: string;
  rename?: string;
  template?: string;
}

/** A `drop`/`keep` item: a name, or a matcher. */
export interface LabelSelectorItem {
  name: string;
  matcher?: Matcher;
}

export type Stage =
  | LineFilter
  | { kind: 'json'; extractions?: Extraction[] }
  | { kind: 'logfmt'; strict: boolean; keepEmpty: boolean; extractions?: Extraction[] }
  | { kind: 'regexp'; source: string }
  | { kind: 'pattern'; source: string }
  | { kind: 'unpack' }
  | { kind: 'labelFilter'; filter: LabelFilterNode }
  | { kind: 'lineFormat'; template: string }
  | { kind: 'labelFormat'; items: LabelFormatItem[] }
  | { kind: 'decolorize' }
  | { kind: 'drop'; items: LabelSelectorItem[] }
  | { kind: 'keep'; items: LabelSelectorItem[] };

/** A log query: stream matchers and a pipeline. */
export interface LogExpr {
  kind: 'log';
  matchers: Matcher[];
  stages: Stage[];
}

/** `| unwrap x`, `| unwrap duration(x)`, with label filters after it. */
export interface Unwrap {
  label: string;
  conversion: '' | 'bytes' | 'duration' | 'duration_seconds';
  postFilters: LabelFilterNode[];
}

/** `{...} | pipeline [5m] offset 1m`, possibly unwrapped. */
export interface LogRange {
  selector: LogExpr;
  rangeNanos: number;
  offsetNanos: number;
  unwrap?: Unwrap;
}

export interface Grouping {
  without: boolean;
  labels: string[];
}

export type RangeOp =
  | 'count_over_time'
  | 'rate'
  | 'rate_counter'
  | 'bytes_over_time'
  | 'bytes_rate'
  | 'avg_over_time'
  | 'sum_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'stdvar_over_time'
  | 'stddev_over_time'
  | 'quantile_over_time'
  | 'first_over_time'
  | 'last_over_time'
  | 'absent_over_time';

export type VectorOp =
  'sum' | 'avg' | 'min' | 'max' | 'count' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'sort' | 'sort_desc';

export type BinaryOp =
  'or' | 'and' | 'unless' | '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '>' | '>=' | '<' | '<=';

export interface RangeAggregation {
  kind: 'range';
  op: RangeOp;
  range: LogRange;
  grouping?: Grouping;
  param?: number;
}

export interface VectorAggregation {
  kind: 'vectorAgg';
  op: VectorOp;
  inner: SampleExpr;
  grouping?: Grouping;
  param?: number;
}

export interface VectorMatching {
  on: boolean;
  labels: string[];
  card: 'one-to-one' | 'many-to-one' | 'one-to-many';
  include: string[];
}

export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  left: SampleExpr;
  right: SampleExpr;
  returnBool: boolean;
  matching: VectorMatching;
}

export interface LiteralExpr {
  kind: 'literal';
  value: number;
}

export interface VectorExpr {
  kind: 'vector';
  value: number;
}

export interface LabelReplaceExpr {
  kind: 'labelReplace';
  inner: SampleExpr;
  dst: string;
  replacement: string;
  src: string;
  regex: RegExp;
}

export type SampleExpr =
  RangeAggregation | VectorAggregation | BinaryExpr | LiteralExpr | VectorExpr | LabelReplaceExpr;

export type Expr = LogExpr | SampleExpr;

export const LOGICAL_OPS: ReadonlySet<string> = new Set(['and', 'or', 'unless']);
export const COMPARISON_OPS: ReadonlySet<string> = new Set(['==', '!=', '>', '>=', '<', '<=']);
