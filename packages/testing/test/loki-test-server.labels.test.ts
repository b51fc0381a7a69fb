/** `labels`, `label/<name>/values` and `series` as Loki 3.4 answers them (query, start, end, match[]). */
import { expect } from 'chai';
import { LokiTestServer } from '../src';
import { getJson, MINUTE_NS, pushProto, request } from './helpers/http';

const TENANT = 'labels';
const NOW_MILLIS = Date.UTC(2026, 10, 29, 12, 0, 0);
const NOW_NS = BigInt(NOW_MILLIS) * 1_000_000n;
const HEADERS = { 'x-scope-orgid': TENANT };

describe('LokiTestServer: label and series API', () => {
  let loki: LokiTestServer;

  beforeEach(async () => {
    loki = await LokiTestServer.start({ authEnabled: true, now: () => NOW_MILLIS });
    const answer = await pushProto(
      loki.url,
      [
        {
          labels: '{service_name="api", env="prod"}',
          entries: [
            { timestampNanos: NOW_NS - 50n * MINUTE_NS, line: 'early' },
            { timestampNanos: NOW_NS - 10n * MINUTE_NS, line: 'late' },
          ],
        },
        { labels: '{service_name="web", team="a"}', entries: [{ timestampNanos: NOW_NS - 5n * MINUTE_NS, line: 'x' }] },
      ],
      TENANT
    );
    expect(answer.status).to.equal(204);
  });
  afterEach(async () => {
    await loki.close();
  });

  const get = (path: string, params: Record<string, string> = {}) => getJson(loki.url, path, params, HEADERS);

  it('filters label names and values by query, start and end (the last hour by default)', async () => {
    expect((await get('/loki/api/v1/labels')).json.data).to.deep.equal(['env', 'service_name', 'team']);
    expect((await get('/loki/api/v1/labels', { query: '{team="a"}' })).json.data).to.deep.equal([
      'service_name',
      'team',
    ]);
    const values = await get('/loki/api/v1/label/service_name/values', {
      start: String(NOW_NS - 7n * MINUTE_NS),
    });
    expect(values.json.data).to.deep.equal(['web']);
  });

  it('counts a stream whose entries surround the range, as the ingester does', async () => {
    // No entry of the api stream lies in [-40m, -20m], but its first and last entries surround it.
    const values = await get('/loki/api/v1/label/service_name/values', {
      start: String(NOW_NS - 40n * MINUTE_NS),
      end: String(NOW_NS - 20n * MINUTE_NS),
    });
    expect(values.json.data).to.deep.equal(['api']);
  });

  it('refuses a pipeline in the query of labels and label values', async () => {
    for (const path of ['/loki/api/v1/labels', '/loki/api/v1/label/env/values']) {
      expect(await get(path, { query: '{env="prod"} |= "x"' }), path).to.include({
        status: 400,
        body: 'only label matchers are supported',
      });
    }
  });

  it('answers every series without match[] or for {}, and accepts matchers that match the empty string', async () => {
    const all = [
      { env: 'prod', service_name: 'api' },
      { service_name: 'web', team: 'a' },
    ];
    expect((await get('/loki/api/v1/series')).json).to.deep.equal({ status: 'success', data: all });
    expect((await get('/loki/api/v1/series', { 'match[]': '{}' })).json.data).to.deep.equal(all);
    expect((await get('/loki/api/v1/series', { 'match[]': '{team=~".*"}' })).json.data).to.deep.equal(all);
    const query = new URLSearchParams([
      ['match[]', '{env="prod"}'],
      ['match[]', '{team="a"}'],
    ]).toString();
    const both = await request(`${loki.url}/loki/api/v1/series?${query}`, { headers: HEADERS });
    expect(JSON.parse(both.body).data).to.deep.equal(all);
  });

  it("refuses a pipeline or an empty group in series with Loki's texts", async () => {
    expect(await get('/loki/api/v1/series', { 'match[]': '{env="prod"} |= "x"' })).to.include({
      status: 400,
      body: 'only label matchers are supported',
    });
    const query = new URLSearchParams([
      ['match[]', '{}'],
      ['match[]', '{team="a"}'],
    ]).toString();
    const empty = await request(`${loki.url}/loki/api/v1/series?${query}`, { headers: HEADERS });
    expect(empty).to.include({ status: 400, body: '0 matchers in group: {}' });
  });
});
