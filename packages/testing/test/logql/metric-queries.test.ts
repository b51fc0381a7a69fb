/** Metric queries through LokiTestServer.query(): windows, steps, aggregations, operators. */
import { expect } from 'chai';
import type { LokiTestServer, MatrixQueryResult, QueryResult, VectorQueryResult } from '../../src';
import { LogqlQueryError } from '../../src';
import { MINUTE_NS, NOW_NS, SECOND_NS, seconds, serverWith } from './helpers';

/** Ten minutes before the server's clock, on a minute boundary. */
const T0 = NOW_NS - 10n * MINUTE_NS;
const STEP = 60_000;

function matrix(result: QueryResult): Record<string, Array<[number, string]>> {
  expect(result.resultType).to.equal('matrix');
  const out: Record<string, Array<[number, string]>> = {};
  for (const s of (result as MatrixQueryResult).result) out[JSON.stringify(s.metric)] = s.values;
  return out;
}

function vector(result: QueryResult): Array<[Record<string, string>, string]> {
  expect(result.resultType).to.equal('vector');
  return (result as VectorQueryResult).result.map((s) => [s.metric, s.value[1]]);
}

describe('LogQL metric queries', () => {
  let loki: LokiTestServer;

  before(async () => {
    loki = await serverWith([
      {
        stream: { service_name: 'a', env: 'prod' },
        values: [
          [T0 + 10n * SECOND_NS, 'took=100ms size=1KB'],
          [T0 + 70n * SECOND_NS, 'took=300ms size=3KB'],
          [T0 + 130n * SECOND_NS, 'took=2s size=10B'],
        ],
      },
      {
        stream: { service_name: 'b', env: 'dev' },
        values: [
          [T0 + 60n * SECOND_NS, 'took=1s'],
          [T0 + 61n * SECOND_NS, 'took=oops'],
        ],
      },
    ]);
  });
  after(async () => {
    await loki.close();
  });

  const range = (query: string, start = T0, end = T0 + 3n * MINUTE_NS) =>
    loki.query(query, { start, end, stepMillis: STEP });
  const at = (query: string, time = T0 + 3n * MINUTE_NS) => loki.query(query, { time });

  it('counts in windows that exclude their start and include their end', () => {
    const series = matrix(range('count_over_time({service_name="b"}[1m])'));
    expect(series['{"env":"dev","service_name":"b"}']).to.deep.equal([
      [seconds(T0 + MINUTE_NS), '1'],
      [seconds(T0 + 2n * MINUTE_NS), '1'],
    ]);
  });

  it("rounds a range query's start down and its end up to the step", () => {
    const series = matrix(range('count_over_time({service_name="a"}[1m])', T0 + 5n * SECOND_NS, T0 + 125n * SECOND_NS));
    expect(series['{"env":"prod","service_name":"a"}'].map(([t]) => t)).to.deep.equal([
      seconds(T0 + MINUTE_NS),
      seconds(T0 + 2n * MINUTE_NS),
      seconds(T0 + 3n * MINUTE_NS),
    ]);
  });

  it('computes rate and bytes per second over the range', () => {
    expect(vector(at('rate({service_name="a"}[5m])'))).to.deep.equal([[{ env: 'prod', service_name: 'a' }, '0.01']]);
    expect(vector(at('bytes_over_time({service_name="a"}[5m])'))).to.deep.equal([
      [{ env: 'prod', service_name: 'a' }, String('took=100ms size=1KB'.length * 2 + 'took=2s size=10B'.length)],
    ]);
  });

  it('unwraps durations and bytes, dropping the unwrapped label from the series', () => {
    expect(vector(at('sum_over_time({service_name="a"} | logfmt | unwrap duration(took) [5m])'))).to.deep.equal([
      [{ env: 'prod', service_name: 'a', size: '10B' }, '2'],
      [{ env: 'prod', service_name: 'a', size: '1KB' }, '0.1'],
      [{ env: 'prod', service_name: 'a', size: '3KB' }, '0.3'],
    ]);
    expect(vector(at('max_over_time({service_name="a"} | logfmt | unwrap bytes(size) [5m]) by (env)'))).to.deep.equal([
      [{ env: 'prod' }, '3000'],
    ]);
  });

  it('fails on a value that does not convert, naming the series, unless the error is filtered', () => {
    expect(() => at('sum by (env) (sum_over_time({service_name="b"} | logfmt | unwrap duration(took) [5m]))')).to.throw(
      LogqlQueryError,
      /^pipeline error: 'SampleExtractionErr' for series: '\{__error__="SampleExtractionErr", __error_details__="time: invalid duration \\"oops\\"", env="dev", service_name="b", took="oops"\}'/
    );
    expect(
      vector(
        at('sum by (env) (sum_over_time({service_name="b"} | logfmt | unwrap duration(took) | __error__="" [5m]))')
      )
    ).to.deep.equal([[{ env: 'dev' }, '1']]);
  });

  it('aggregates vectors with by/without, topk, sort_desc and count', () => {
    const q = 'count_over_time({env=~".+"}[5m])';
    expect(vector(at(`sum by (env) (${q})`))).to.deep.equal([
      [{ env: 'dev' }, '2'],
      [{ env: 'prod' }, '3'],
    ]);
    expect(vector(at(`sum without (service_name) (${q})`))).to.deep.equal([
      [{ env: 'dev' }, '2'],
      [{ env: 'prod' }, '3'],
    ]);
    expect(vector(at(`topk(1, ${q})`))).to.deep.equal([[{ env: 'prod', service_name: 'a' }, '3']]);
    expect(vector(at(`sort(${q})`)).map(([, v]) => v)).to.deep.equal(['2', '3']);
    expect(vector(at(`sort_desc(${q})`)).map(([, v]) => v)).to.deep.equal(['3', '2']);
    expect(vector(at(`count(${q})`))).to.deep.equal([[{}, '2']]);
    expect(vector(at(`avg(${q})`))).to.deep.equal([[{}, '2.5']]);
  });

  it('computes quantiles and standard deviations as Prometheus does', () => {
    const unwrapped = '{service_name="a"} | logfmt | unwrap duration(took) [5m]';
    expect(vector(at(`quantile_over_time(0.5, ${unwrapped}) by (env)`))).to.deep.equal([[{ env: 'prod' }, '0.3']]);
    expect(vector(at(`quantile_over_time(0.75, ${unwrapped}) by (env)`))).to.deep.equal([[{ env: 'prod' }, '1.15']]);
    expect(vector(at(`stdvar_over_time(${unwrapped}) by (env)`))[0][1]).to.match(/^0\.7[0-9]+$/);
  });

  it('applies arithmetic and comparisons between vectors and scalars', () => {
    const q = 'sum by (env) (count_over_time({env=~".+"}[5m]))';
    expect(vector(at(`${q} * 2 - 1`))).to.deep.equal([
      [{ env: 'dev' }, '3'],
      [{ env: 'prod' }, '5'],
    ]);
    expect(vector(at(`${q} > 2`))).to.deep.equal([[{ env: 'prod' }, '3']]);
    expect(vector(at(`${q} > bool 2`))).to.deep.equal([
      [{ env: 'dev' }, '0'],
      [{ env: 'prod' }, '1'],
    ]);
    expect(vector(at(`${q} / 0`)).map(([, v]) => v)).to.deep.equal(['NaN', 'NaN']);
    expect(at('2 ^ 10')).to.deep.equal({ resultType: 'scalar', result: [seconds(T0 + 3n * MINUTE_NS), '1024'] });
  });

  it('matches vectors on labels, with group_left for many-to-one', () => {
    const perService = 'sum by (env, service_name) (count_over_time({env=~".+"}[5m]))';
    const perEnv = 'sum by (env) (count_over_time({env=~".+"}[5m]))';
    expect(vector(at(`${perService} / on (env) group_left ${perEnv}`))).to.deep.equal([
      [{ env: 'dev', service_name: 'b' }, '1'],
      [{ env: 'prod', service_name: 'a' }, '1'],
    ]);
    expect(vector(at(`${perService} / ignoring (service_name) ${perEnv}`))).to.deep.equal([
      [{ env: 'dev' }, '1'],
      [{ env: 'prod' }, '1'],
    ]);
    expect(vector(at(`${perEnv} and on (env) ${perService} > 2`))).to.deep.equal([[{ env: 'prod' }, '3']]);
    expect(vector(at(`${perEnv} unless on (env) ${perService} > 2`))).to.deep.equal([[{ env: 'dev' }, '2']]);
  });

  it('rewrites labels with label_replace and adds vector()', () => {
    expect(
      vector(
        at(
          'label_replace(sum by (service_name) (count_over_time({env=~".+"}[5m])), "svc", "s-$1", "service_name", "(.*)")'
        )
      )
    ).to.deep.equal([
      [{ service_name: 'a', svc: 's-a' }, '3'],
      [{ service_name: 'b', svc: 's-b' }, '2'],
    ]);
    expect(vector(at('vector(2) + sum(count_over_time({env=~".+"}[5m]))'))).to.deep.equal([[{}, '7']]);
  });

  it("reports absence with the selector's equality labels, and shifts windows with offset", () => {
    const absent = matrix(range('absent_over_time({service_name="none", env=~".+"}[1m])'));
    expect(Object.keys(absent)).to.deep.equal(['{"service_name":"none"}']);
    expect(absent['{"service_name":"none"}']).to.have.length(4);
    const shifted = matrix(range('count_over_time({service_name="b"}[1m] offset 1m)'));
    expect(shifted['{"env":"dev","service_name":"b"}']).to.deep.equal([
      [seconds(T0 + 2n * MINUTE_NS), '1'],
      [seconds(T0 + 3n * MINUTE_NS), '1'],
    ]);
  });
});

describe('LogQL series limit', () => {
  it("refuses more than 500 series with Loki's error", async () => {
    const values: Array<[bigint, string, Record<string, string>]> = [];
    for (let i = 0; i < 501; i++) values.push([T0 + BigInt(i) * 1_000_000n, `line ${i}`, { trace_id: `t${i}` }]);
    const loki = await serverWith([{ stream: { service_name: 'many' }, values }]);
    try {
      expect(() => loki.query('count_over_time({service_name="many"}[5m])', { time: T0 + MINUTE_NS })).to.throw(
        LogqlQueryError,
        /^maximum of series \(500\) reached for a single query$/
      );
      expect(
        vector(loki.query('sum(count_over_time({service_name="many"}[5m]))', { time: T0 + MINUTE_NS }))
      ).to.deep.equal([[{}, '501']]);
    } finally {
      await loki.close();
    }
  });
});
