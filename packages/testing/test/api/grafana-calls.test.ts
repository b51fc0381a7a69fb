/**
 * The requests Grafana's Loki data source and Logs Drilldown send when Explore opens and a
 * service is browsed, with their parameter shapes (nanosecond times from the data source,
 * RFC 3339 from Drilldown), against the recorded Loki 3.4.6 data set: each answer has the
 * shape the Grafana code reads.
 */
import { expect } from 'chai';
import type { LokiTestServer } from '../../src';
import { getJson, request } from '../helpers/http';
import { recording, startRecordedServer } from '../helpers/recorded-answers';

const START_NS = '1795944293000000000';
const END_NS = '1795945553000000000';
const START_ISO = '2026-11-29T09:24:53.000Z';
const END_ISO = '2026-11-29T09:45:53.000Z';

describe('the calls Grafana makes', () => {
  let loki: LokiTestServer;
  const headers = { 'x-scope-orgid': recording().tenant, 'x-query-tags': 'Source=grafana-lokiexplore-app' };
  const get = (path: string, params: Record<string, string>) =>
    getJson(loki.url, `/loki/api/v1/${path}`, params, headers);

  before(async () => {
    loki = await startRecordedServer();
  });
  after(async () => {
    await loki.close();
  });

  it('data source: health check, label browser, query stats', async () => {
    const health = await get('query', { query: 'vector(1)+vector(1)', time: '4000000000', direction: 'backward' });
    expect(health.json.data.result[0].value[1]).to.equal('2');
    // LanguageProvider.start probes detected_labels: not an array in `data`, so it uses `labels`.
    const probe = await get('detected_labels', { start: START_NS, end: END_NS });
    expect(probe.json.data).to.equal(undefined);
    expect((await get('labels', { start: START_NS, end: END_NS })).json.data).to.deep.equal([
      'namespace',
      'region',
      'service_name',
    ]);
    const values = await get('label/service_name/values', {
      start: START_NS,
      end: END_NS,
      query: '{namespace="shop"}',
    });
    expect(values.json.data).to.deep.equal(['catalog', 'checkout', 'mailer']);
    const series = await get('series', { 'match[]': '{service_name="gateway"}', start: START_NS, end: END_NS });
    expect(series.json.data).to.have.length(2);
    const stats = await get('index/stats', { query: '{service_name="checkout"}', start: START_NS, end: END_NS });
    expect(stats.json).to.include({ streams: 2, chunks: 2 });
    expect(stats.json.entries).to.be.within(1, 296);
  });

  it('Logs Drilldown: service list, label and field breakdowns, patterns', async () => {
    const volume = await get('index/volume', {
      query: '{service_name=~".+"}',
      start: START_ISO,
      end: END_ISO,
      limit: '5000',
    });
    expect(volume.json.data.result.map((r: any) => r.metric.service_name)).to.have.members([
      'catalog',
      'checkout',
      'gateway',
      'mailer',
    ]);
    expect(Number(volume.json.data.result[0].value[1])).to.be.greaterThan(0);
    const labels = await get('detected_labels', { query: '{service_name="checkout"}', start: START_ISO, end: END_ISO });
    expect(labels.json.detectedLabels.map((l: any) => l.label)).to.deep.equal(['namespace', 'region', 'service_name']);
    const fields = await get('detected_fields', { query: '{service_name="checkout"}', start: START_ISO, end: END_ISO });
    expect(fields.json.fields.map((f: any) => f.label)).to.include.members(['http_status', 'trace_id', 'level']);
    const levels = await get('detected_field/detected_level/values', {
      query: '{service_name="checkout"}',
      start: START_ISO,
      end: END_ISO,
    });
    expect(levels.json.values).to.include('error');
    const patterns = await request(
      `${loki.url}/loki/api/v1/patterns?query=%7Bservice_name%3D%22checkout%22%7D&start=${START_ISO}&end=${END_ISO}&step=15s`,
      { headers }
    );
    expect(patterns.status).to.equal(404);
  });
});
