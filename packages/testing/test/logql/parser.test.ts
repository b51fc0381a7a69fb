/** LogQL parsing: precedence, Loki's syntax error texts and its checks after parsing. */
import { expect } from 'chai';
import { parseExpr } from '../../src/logql/parser';
import type { BinaryExpr, Expr } from '../../src/logql/ast';
import { LogqlQueryError } from '../../src/logql/errors';

function errorOf(query: string): string {
  try {
    parseExpr(query);
  } catch (err) {
    expect(err).to.be.instanceOf(LogqlQueryError);
    return (err as Error).message;
  }
  throw new Error(`${query} parsed`);
}

/** The expression as nested operators, e.g. `(1 + (2 * 3))` with literals folded away by using vectors. */
function shape(expr: Expr): string {
  if (expr.kind === 'binary') return `(${shape(expr.left)} ${expr.op} ${shape(expr.right)})`;
  if (expr.kind === 'vector') return String(expr.value);
  return expr.kind;
}

describe('LogQL parser', () => {
  it('binds * tighter than +, and ^ tighter than *, as expr.y declares', () => {
    expect(shape(parseExpr('vector(1) + vector(2) * vector(3)'))).to.equal('(1 + (2 * 3))');
    expect(shape(parseExpr('vector(2) * vector(3) ^ vector(2)'))).to.equal('(2 * (3 ^ 2))');
  });

  it('makes ^ right-associative and - left-associative', () => {
    expect(shape(parseExpr('vector(2) ^ vector(3) ^ vector(2)'))).to.equal('(2 ^ (3 ^ 2))');
    expect(shape(parseExpr('vector(5) - vector(2) - vector(1)'))).to.equal('((5 - 2) - 1)');
  });

  it('puts or below and/unless, and those below comparisons', () => {
    const expr = parseExpr('vector(1) or vector(2) and vector(3) > vector(4)') as BinaryExpr;
    expect(shape(expr)).to.equal('(1 or (2 and (3 > 4)))');
  });

  it('folds literal arithmetic at parse time', () => {
    expect(parseExpr('1 + 2 * 3')).to.deep.equal({ kind: 'literal', value: 7 });
  });

  it('reads bool and on/ignoring/group_left modifiers', () => {
    const expr = parseExpr(
      'sum by (a, b) (rate({x="y"}[1m])) > bool on (a) group_left (b) sum by (a) (rate({x="y"}[1m]))'
    ) as BinaryExpr;
    expect(expr.returnBool).to.equal(true);
    expect(expr.matching).to.deep.equal({ on: true, labels: ['a'], card: 'many-to-one', include: ['b'] });
  });

  it('answers syntax errors with the column of the offending token, as goyacc does', () => {
    expect(errorOf('{service_name="checkout"')).to.equal(
      'parse error at line 1, col 25: syntax error: unexpected $end, expecting } or ,'
    );
    expect(errorOf('count_over_time({service_name="checkout"})')).to.equal(
      'parse error at line 1, col 42: syntax error: unexpected )'
    );
    expect(errorOf('{a="b"} | logfmt | status > "x"')).to.equal(
      'parse error at line 1, col 29: syntax error: unexpected STRING'
    );
    expect(errorOf('{a="b"}\n| json | foo >')).to.equal('parse error at line 2, col 15: syntax error: unexpected $end');
  });

  it('refuses a log query where a metric is expected at the token after it', () => {
    expect(errorOf('sum by (x) ({a="b"})')).to.equal('parse error at line 1, col 20: syntax error: unexpected )');
  });

  it('allows by/without only on the range aggregations Loki allows', () => {
    expect(errorOf('sum_over_time({a="b"} | unwrap x [1m]) by (y)')).to.equal(
      'parse error : grouping not allowed for sum_over_time aggregation'
    );
    expect(errorOf('count_over_time({a="b"}[1m]) by (y)')).to.equal(
      'parse error : grouping not allowed for count_over_time aggregation'
    );
    expect(() => parseExpr('max_over_time({a="b"} | unwrap x [1m]) by (y)')).not.to.throw();
  });

  it('requires unwrap exactly where Loki does', () => {
    expect(errorOf('avg_over_time({a="b"}[1m])')).to.equal(
      'parse error : invalid aggregation avg_over_time without unwrap'
    );
    expect(errorOf('count_over_time({a="b"} | unwrap x [1m])')).to.equal(
      'parse error : invalid aggregation count_over_time with unwrap'
    );
  });

  it('checks parameters of topk and quantile_over_time', () => {
    expect(errorOf('topk(sum(rate({a="b"}[1m])))')).to.equal('parse error : parameter required for operation topk');
    expect(errorOf('topk(0, sum(rate({a="b"}[1m])))')).to.equal(
      'parse error : invalid parameter (must be greater than 0) topk(0'
    );
    expect(errorOf('quantile_over_time({a="b"} | unwrap x [1m])')).to.equal(
      'parse error : parameter required for operation quantile_over_time'
    );
  });

  it('refuses selectors that match everything, after parsing', () => {
    const message =
      'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. ' +
      'For instance, app=~".*" does not meet this requirement, but app=~".+" will';
    expect(errorOf('{}')).to.equal(message);
    expect(errorOf('{a=~".*", b!="x"}')).to.equal(message);
    expect(() => parseExpr('{a=~".+"}')).not.to.throw();
  });

  it('reports a regex that does not compile as Go does', () => {
    expect(errorOf('{a=~"("}')).to.match(/^parse error : error parsing regexp: missing closing \)/);
  });

  it('reads durations and bytes after numbers in label filters', () => {
    const expr = parseExpr('{a="b"} | json | d > 1s500ms and size <= 40KB') as Extract<Expr, { kind: 'log' }>;
    expect(expr.stages[1]).to.deep.equal({
      kind: 'labelFilter',
      filter: {
        type: 'and',
        left: { type: 'duration', name: 'd', op: '>', value: 1.5e9 },
        right: { type: 'bytes', name: 'size', op: '<=', value: 40_000 },
      },
    });
  });

  it('groups label filters as goyacc does: `,` shifts, `and` binds tighter than `or`', () => {
    const log = (q: string) => (parseExpr(q) as Extract<Expr, { kind: 'log' }>).stages[0];
    const names = (node: unknown): string => {
      const n = node as { type: string; left?: unknown; right?: unknown; name?: string };
      if (n.type === 'and' || n.type === 'or') return `(${names(n.left)} ${n.type} ${names(n.right)})`;
      return n.name as string;
    };
    expect(names((log('{a="b"} | x>1 , y>1 or z>1') as { filter: unknown }).filter)).to.equal('(x and (y or z))');
    expect(names((log('{a="b"} | x>1 and y>1 or z>1') as { filter: unknown }).filter)).to.equal('((x and y) or z)');
    expect(names((log('{a="b"} | x>1 or y>1 z>1') as { filter: unknown }).filter)).to.equal('(x or (y and z))');
  });
});
