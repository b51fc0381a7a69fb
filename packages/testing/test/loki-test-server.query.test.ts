/** The read API of LokiTestServer: shapes, parameters and refusals as Loki 3.x answers them. */
import { expect } from 'chai';
import { LokiTestServer } from '../src';
import { getJson, MINUTE_NS, nowNs, pushProto, queryRange, SECOND_NS } from './helpers/http';

const TENANT = 'reader';
const CATEGORIZE = { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' };

describe('LokiTestServer: query API', () => {
  let loki: LokiTestServer;
  const base = nowNs() - 10n * MINUTE_NS;

  beforeEach(async () => {
    loki = await LokiTestServer.start({ authEnabled: true });
    const answer = await pushProto(
      loki.url,
      [
        {
          labels: '{service_name="checkout", env="prod"}',
          entries: [
            { timestampNanos: base, line: 'order placed', metadata: [{ name: 'trace_id', value: 'abc' }] },
            { timestampNanos: base + SECOND_NS, line: 'payment failed' },
            {
              timestampNanos: base + 2n * SECOND_NS,
              line: 'order shipped',
              metadata: [{ name: 'trace_id', value: 'abc' }],
            },
          ],
        },
        {
          labels: '{service_name="cart", env="dev"}',
          entries: [{ timestampNanos: base + 3n * SECOND_NS, line: 'cart viewed' }],
        },
      ],
      TENANT
    );
    expect(answer.status).to.equal(204);
  });
  afterEach(async () => {
    await loki.close();
  });

  const lines = (json: any): string[] => json.data.result.flatMap((s: any) => s.values.map((v: string[]) => v[1]));

  it("answers a selector with Loki's stream shape, metadata merged into the stream labels by default", async () => {
    const { status, json } = await queryRange(loki.url, '{service_name="checkout"}', TENANT);
    expect(status).to.equal(200);
    expect(json.status).to.equal('success');
    expect(json.data.resultType).to.equal('streams');
    expect(json.data).to.not.have.property('encodingFlags');
    const streams = json.data.result.map((s: any) => s.stream);
    expect(streams).to.deep.include({
      service_name: 'checkout',
      env: 'prod',
      trace_id: 'abc',
      detected_level: 'unknown',
    });
    expect(streams).to.deep.include({ service_name: 'checkout', env: 'prod', detected_level: 'unknown' });
    expect(json.data.result.find((s: any) => s.stream.trace_id).values[0]).to.deep.equal([
      base.toString(),
      'order placed',
    ]);
  });

  it('returns structured metadata apart with X-Loki-Response-Encoding-Flags: categorize-labels', async () => {
    const { json } = await queryRange(loki.url, '{service_name="checkout"}', TENANT, {}, CATEGORIZE);
    expect(json.data.encodingFlags).to.deep.equal(['categorize-labels']);
    expect(json.data.result).to.have.length(1);
    expect(json.data.result[0].stream).to.deep.equal({ service_name: 'checkout', env: 'prod' });
    expect(json.data.result[0].values[0]).to.deep.equal([
      base.toString(),
      'order placed',
      { structuredMetadata: { trace_id: 'abc', detected_level: 'unknown' } },
    ]);
  });

  it('returns structured metadata sorted by name, as Loki does, whatever the push order', async () => {
    const ts = base + 4n * SECOND_NS;
    const metadata = [
      { name: 'user', value: 'u-0' },
      { name: 'count', value: '5' },
    ];
    await pushProto(
      loki.url,
      [{ labels: '{service_name="sorter"}', entries: [{ timestampNanos: ts, line: 'x', metadata }] }],
      TENANT
    );
    const { body } = await queryRange(loki.url, '{service_name="sorter"}', TENANT, {}, CATEGORIZE);
    expect(body).to.include('{"structuredMetadata":{"count":"5","detected_level":"unknown","user":"u-0"}}');
    const [stored] = loki.entries({ tenant: TENANT, selector: '{service_name="sorter"}' });
    expect(Object.keys(stored.metadata)).to.deep.equal(['count', 'detected_level', 'user']);
  });

  for (const [query, expected] of [
    ['{env="prod"}', ['order placed', 'payment failed', 'order shipped']],
    ['{env!="prod", service_name=~".+"}', ['cart viewed']],
    ['{service_name=~"ca.*t"}', ['cart viewed']],
    ['{service_name=~"art"}', []],
    ['{service_name=~"c.*"}', ['order placed', 'payment failed', 'order shipped', 'cart viewed']],
    ['{service_name!~"check.*", env=~".+"}', ['cart viewed']],
    ['{env="prod"} |= "order"', ['order placed', 'order shipped']],
    ['{env="prod"} != "order"', ['payment failed']],
    ['{env=~".+"} |~ "(placed|viewed)"', ['order placed', 'cart viewed']],
    ['{env=~".+"} !~ "order .*" |= "e"', ['payment failed', 'cart viewed']],
  ] as Array<[string, string[]]>) {
    it(`selects ${query}`, async () => {
      const { json } = await queryRange(loki.url, query, TENANT, {}, CATEGORIZE);
      expect(lines(json).sort()).to.deep.equal([...expected].sort());
    });
  }

  it('applies limit and direction: backward (default) returns the newest entries', async () => {
    const backward = await queryRange(
      loki.url,
      '{env="prod"}',
      TENANT,
      { limit: '2', direction: 'backward' },
      CATEGORIZE
    );
    const forward = await queryRange(loki.url, '{env="prod"}', TENANT, { limit: '2' }, CATEGORIZE);
    expect(lines(backward.json)).to.deep.equal(['order shipped', 'payment failed']);
    expect(lines(forward.json)).to.deep.equal(['order placed', 'payment failed']);
  });

  it('includes start and excludes end', async () => {
    const { json } = await queryRange(
      loki.url,
      '{env="prod"}',
      TENANT,
      { start: String(base + SECOND_NS), end: String(base + 2n * SECOND_NS) },
      CATEGORIZE
    );
    expect(lines(json)).to.deep.equal(['payment failed']);
  });

  it('reads start and end as RFC 3339 and as Unix seconds too', async () => {
    const seconds = String(Number(base / SECOND_NS) - 1);
    const rfc = new Date(Number((base + 5n * SECOND_NS) / 1_000_000n)).toISOString();
    const { json } = await queryRange(loki.url, '{env="prod"}', TENANT, { start: seconds, end: rfc }, CATEGORIZE);
    expect(lines(json)).to.have.length(3);
  });

  it('defaults to the last hour ending now', async () => {
    const { json } = await getJson(
      loki.url,
      '/loki/api/v1/query_range',
      { query: '{env="prod"}' },
      { 'x-scope-orgid': TENANT }
    );
    expect(lines(json)).to.have.length(3);
  });

  it('keeps tenants apart', async () => {
    const { json } = await queryRange(loki.url, '{env="prod"}', 'someone-else');
    expect(json.data.result).to.deep.equal([]);
  });

  it('answers 401 `no org id` without a tenant when auth is on', async () => {
    const { status, body } = await getJson(loki.url, '/loki/api/v1/query_range', { query: '{env="prod"}' });
    expect({ status, body }).to.deep.equal({ status: 401, body: 'no org id' });
  });

  const refusals: Array<[string, Record<string, string>, RegExp]> = [
    [
      'a log query on /query',
      { query: '{env="prod"}' },
      /^log queries are not supported as an instant query type, please change your query to a range query type$/,
    ],
    [
      'a matcher set that matches everything',
      { query: '{env=~".*"}' },
      /^parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value/,
    ],
    [
      'a parser stage with a syntax error',
      { query: '{env="prod"} | json |' },
      /^parse error at line 1, col 22: syntax error: unexpected \$end$/,
    ],
    [
      'a metric query on query_range with grouping where Loki refuses it',
      { query: 'count_over_time({env="prod"}[5m]) by (env)' },
      /^parse error : grouping not allowed for count_over_time aggregation$/,
    ],
    [
      'a lone negative matcher',
      { query: '{env!="prod"}' },
      /^parse error : queries require at least one regexp or equality matcher/,
    ],
    [
      'an empty selector',
      { query: '{}' },
      // Loki 3.4.6's answer (recorded): `{}` parses, then fails the matcher check.
      /^parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value/,
    ],
    ['a negative limit', { query: '{env="prod"}', limit: '-1' }, /^limit must be a positive value$/],
    [
      'a limit over max_entries_limit_per_query',
      { query: '{env="prod"}', limit: '5001' },
      /^max entries limit per query exceeded, limit > max_entries_limit \(5001 > 5000\)$/,
    ],
    ['a bad direction', { query: '{env="prod"}', direction: 'sideways' }, /^invalid direction 'sideways'$/],
    [
      'end before start',
      { query: '{env="prod"}', start: '2000', end: '1000' },
      /^end timestamp must not be before or equal to start time$/,
    ],
    [
      'an unparseable start',
      { query: '{env="prod"}', start: 'yesterday' },
      /^could not parse 'start' parameter: strconv\.ParseInt: parsing "yesterday": invalid syntax$/,
    ],
  ];
  for (const [what, params, message] of refusals) {
    it(`answers 400 to ${what}`, async () => {
      const path = what.includes('/query') ? '/loki/api/v1/query' : '/loki/api/v1/query_range';
      const { status, body } = await getJson(loki.url, path, params, { 'x-scope-orgid': TENANT });
      expect(status).to.equal(400);
      expect(body).to.match(message);
    });
  }

  it('lists label names and values of streams in range, sorted', async () => {
    const names = await getJson(loki.url, '/loki/api/v1/labels', {}, { 'x-scope-orgid': TENANT });
    const values = await getJson(loki.url, '/loki/api/v1/label/service_name/values', {}, { 'x-scope-orgid': TENANT });
    const filtered = await getJson(
      loki.url,
      '/loki/api/v1/label/service_name/values',
      { query: '{env="dev"}' },
      { 'x-scope-orgid': TENANT }
    );
    expect(names.json).to.deep.equal({ status: 'success', data: ['env', 'service_name'] });
    expect(values.json).to.deep.equal({ status: 'success', data: ['cart', 'checkout'] });
    expect(filtered.json).to.deep.equal({ status: 'success', data: ['cart'] });
  });

  it('omits data when no label matches (Loki: omitempty)', async () => {
    const values = await getJson(loki.url, '/loki/api/v1/label/nothing/values', {}, { 'x-scope-orgid': TENANT });
    expect(values.json).to.deep.equal({ status: 'success' });
  });

  it('lists series for match[] selectors', async () => {
    const { json } = await getJson(
      loki.url,
      '/loki/api/v1/series',
      { 'match[]': '{env="dev"}' },
      { 'x-scope-orgid': TENANT }
    );
    expect(json).to.deep.equal({ status: 'success', data: [{ env: 'dev', service_name: 'cart' }] });
  });

  it('accepts POSTed form parameters on query_range', async () => {
    const response = await fetch(`${loki.url}/loki/api/v1/query_range`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-scope-orgid': TENANT },
      body: new URLSearchParams({ query: '{env="dev"}', start: String(base), end: String(nowNs()) }).toString(),
    });
    const json: any = await response.json();
    expect(lines(json)).to.deep.equal(['cart viewed']);
  });

  it('filters stored entries for tests with entries({selector})', () => {
    expect(
      loki.entries({ tenant: TENANT, selector: '{service_name="checkout"} |= "order"' }).map((e) => e.line)
    ).to.deep.equal(['order placed', 'order shipped']);
    expect(() => loki.entries({ selector: 'sum(rate({a="b"}[1m]))' })).to.throw(/entries\(\): metric query/);
  });
});
