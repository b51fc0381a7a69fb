/** `/loki/api/v1/query` and `query_range` over HTTP: parameters, statuses and answer shapes. */
import { expect } from 'chai';
import type { LokiTestServer } from '../../src';
import { getJson } from '../helpers/http';
import { MINUTE_NS, NOW_NS, SECOND_NS, serverWith } from './helpers';

const T0 = NOW_NS - 5n * MINUTE_NS;

describe('LogQL over HTTP', () => {
  let loki: LokiTestServer;

  before(async () => {
    loki = await serverWith([
      { stream: { service_name: 'api' }, values: [[T0, 'GET /a 200']] },
      {
        stream: { service_name: 'ticks' },
        values: [0n, 1n, 2n, 5n].map((s): [bigint, string] => [T0 + s * SECOND_NS, `tick ${s}`]),
      },
    ]);
  });
  after(async () => {
    await loki.close();
  });

  const rangeParams = { start: (T0 - MINUTE_NS).toString(), end: NOW_NS.toString() };

  it('answers a range metric query as a matrix with the default step', async () => {
    const { status, json } = await getJson(loki.url, '/loki/api/v1/query_range', {
      query: 'count_over_time({service_name="api"}[10m])',
      ...rangeParams,
    });
    expect(status).to.equal(200);
    expect(json.data.resultType).to.equal('matrix');
    // (end - start) / 250 = 1.44 s, so Loki's default step is 1 s: one point per second from T0 on.
    expect(json.data.result[0].values).to.have.length(Number((NOW_NS - T0) / 1_000_000_000n) + 1);
  });

  it('answers an instant query as a vector at `time`', async () => {
    const { status, json } = await getJson(loki.url, '/loki/api/v1/query', {
      query: 'sum(count_over_time({service_name="api"}[10m]))',
      time: NOW_NS.toString(),
    });
    expect(status).to.equal(200);
    expect(json.data).to.deep.equal({
      resultType: 'vector',
      result: [{ metric: {}, value: [Number(NOW_NS / 1_000_000n) / 1000, '1'] }],
    });
  });

  const refusals: Array<[string, string, Record<string, string>, number, string]> = [
    [
      'a zero step',
      '/loki/api/v1/query_range',
      { query: 'rate({service_name="api"}[1m])', step: '0', ...rangeParams },
      400,
      'zero or negative query resolution step widths are not accepted. Try a positive integer',
    ],
    [
      'too many points',
      '/loki/api/v1/query_range',
      { query: 'rate({service_name="api"}[1m])', step: '0.001', ...rangeParams },
      400,
      'exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter',
    ],
    [
      'a bad time',
      '/loki/api/v1/query',
      { query: 'rate({service_name="api"}[1m])', time: 'noon' },
      400,
      'strconv.ParseInt: parsing "noon": invalid syntax',
    ],
    [
      'a bad line template (a pipeline error Loki meets when it builds the stage)',
      '/loki/api/v1/query_range',
      { query: '{service_name="api"} | line_format "{{ .a | nope }}"', ...rangeParams },
      500,
      'invalid line template: template: line:1: function "nope" not defined',
    ],
    [
      'a limit over max_entries_limit_per_query on a log query',
      '/loki/api/v1/query_range',
      { query: '{service_name="api"}', limit: '5001', ...rangeParams },
      400,
      'max entries limit per query exceeded, limit > max_entries_limit (5001 > 5000)',
    ],
  ];
  for (const [what, path, params, status, body] of refusals) {
    it(`answers ${status} to ${what}`, async () => {
      const answer = await getJson(loki.url, path, params);
      expect({ status: answer.status, body: answer.body }).to.deep.equal({ status, body });
    });
  }

  it('keeps log entries at least `interval` apart, in the query direction', async () => {
    const lines = async (direction: string) => {
      const { json } = await getJson(loki.url, '/loki/api/v1/query_range', {
        query: '{service_name="ticks"}',
        interval: '2s',
        direction,
        ...rangeParams,
      });
      return json.data.result[0].values.map((v: string[]) => v[1]);
    };
    expect(await lines('forward')).to.deep.equal(['tick 0', 'tick 2', 'tick 5']);
    expect(await lines('backward')).to.deep.equal(['tick 5', 'tick 2', 'tick 0']);
    const negative = await getJson(loki.url, '/loki/api/v1/query_range', {
      query: '{service_name="ticks"}',
      interval: '-1',
    });
    expect({ status: negative.status, body: negative.body }).to.deep.equal({
      status: 400,
      body: 'interval must be >= 0',
    });
  });

  it('ignores the limit of a metric query, as Loki does', async () => {
    const { status } = await getJson(loki.url, '/loki/api/v1/query_range', {
      query: 'rate({service_name="api"}[1m])',
      limit: '6000',
      step: '60',
      ...rangeParams,
    });
    expect(status).to.equal(200);
  });
});
