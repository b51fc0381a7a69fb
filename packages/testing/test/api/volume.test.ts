/** `index/volume` and `index/volume_range`: what Logs Drilldown's service list shows. */
import { expect } from 'chai';
import { LokiTestServer } from '../../src';
import { getJson, MINUTE_NS, pushProto, SECOND_NS } from '../helpers/http';

const TENANT = 'volume';
const NOW_MILLIS = Date.UTC(2026, 10, 29, 12, 0, 0);
const NOW_NS = BigInt(NOW_MILLIS) * 1_000_000n;
const T0 = NOW_NS - 10n * MINUTE_NS;
const HEADERS = { 'x-scope-orgid': TENANT };
const END_SECONDS = NOW_MILLIS / 1000;

/** Bytes of one head chunk of entries without metadata but detected_level=unknown. */
const chunkBytes = (lines: string[]): number =>
  lines.reduce((n, l) => n + Buffer.byteLength(l) + 8, 0) + 'detected_level'.length + 'unknown'.length;

describe('index/volume', () => {
  let loki: LokiTestServer;
  const line = (n: number): string => 'x'.repeat(n);

  beforeEach(async () => {
    loki = await LokiTestServer.start({ authEnabled: true, now: () => NOW_MILLIS });
    const answer = await pushProto(
      loki.url,
      [
        {
          labels: '{service_name="api", env="prod"}',
          entries: [
            { timestampNanos: T0, line: line(100) },
            { timestampNanos: T0 + 60n * SECOND_NS, line: line(100) },
          ],
        },
        { labels: '{service_name="api", env="dev"}', entries: [{ timestampNanos: T0, line: line(50) }] },
        { labels: '{service_name="web", env="prod"}', entries: [{ timestampNanos: T0, line: line(300) }] },
      ],
      TENANT
    );
    expect(answer.status).to.equal(204);
  });
  afterEach(async () => {
    await loki.close();
  });

  const volume = (params: Record<string, string>, path = '/loki/api/v1/index/volume') =>
    getJson(loki.url, path, { start: String(T0 - MINUTE_NS), end: String(NOW_NS), ...params }, HEADERS);

  it('sums bytes per series of the labels the query names, largest first, at the end of the range', async () => {
    const { status, json, body } = await volume({ query: '{service_name=~".+"}' });
    expect(status).to.equal(200);
    expect(body.startsWith('{"status":"success","data":{"resultType":"vector","result":[{"metric":')).to.equal(true);
    expect(json).to.deep.equal({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { service_name: 'web' }, value: [END_SECONDS, String(chunkBytes([line(300)]))] },
          {
            metric: { service_name: 'api' },
            value: [END_SECONDS, String(chunkBytes([line(100), line(100)]) + chunkBytes([line(50)]))],
          },
        ],
      },
    });
  });

  it('keeps only targetLabels, requiring them, and applies limit', async () => {
    const byEnv = await volume({ query: '{service_name="api"}', targetLabels: 'env' });
    expect(byEnv.json.data.result.map((r: any) => r.metric)).to.deep.equal([{ env: 'prod' }, { env: 'dev' }]);
    const top = await volume({ query: '{service_name=~".+"}', limit: '1' });
    expect(top.json.data.result.map((r: any) => r.metric)).to.deep.equal([{ service_name: 'web' }]);
  });

  it('aggregates by label name with aggregateBy=labels', async () => {
    const { json } = await volume({ query: '{env="prod"}', aggregateBy: 'labels' });
    const total = chunkBytes([line(300)]) + chunkBytes([line(100), line(100)]);
    expect(json.data.result).to.deep.equal([
      { metric: { env: '' }, value: [END_SECONDS, String(total)] },
      { metric: { service_name: '' }, value: [END_SECONDS, String(total)] },
    ]);
  });

  it('answers every series for {}', async () => {
    const { json } = await volume({ query: '{}' });
    expect(json.data.result).to.have.length(3);
    expect(json.data.result[0].metric).to.deep.equal({ env: 'prod', service_name: 'web' });
  });

  it('answers a matrix with one prorated sample per step bucket from index/volume_range', async () => {
    const { json } = await volume(
      { query: '{service_name="api", env="prod"}', step: '30' },
      '/loki/api/v1/index/volume_range'
    );
    expect(json.data.resultType).to.equal('matrix');
    const [series] = json.data.result;
    expect(series.metric).to.deep.equal({ env: 'prod', service_name: 'api' });
    // The chunk spans T0 .. T0+60s. Buckets end 1 ms before each 30 s boundary and are
    // truncated to whole seconds: 29 s of 60 s is trunc(0.4833 * 237) = 114 bytes. The bucket
    // that starts at the chunk's last entry overlaps it only at one instant: 0 bytes, still listed.
    const t0 = Number(T0 / 1_000_000n) / 1000;
    expect(series.values).to.deep.equal([
      [t0 + 29.999, '114'],
      [t0 + 59.999, '114'],
      [t0 + 89.999, '0'],
    ]);
    expect(chunkBytes([line(100), line(100)])).to.equal(237);
  });

  it("refuses a bad aggregateBy or limit with Loki's texts", async () => {
    expect(await volume({ query: '{env="prod"}', aggregateBy: 'x' })).to.include({
      status: 400,
      body: 'invalid aggregation option',
    });
    expect(await volume({ query: '{env="prod"}', limit: '-1' })).to.include({
      status: 400,
      body: 'limit must be a positive value',
    });
  });
});
