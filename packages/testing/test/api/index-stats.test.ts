/** `index/stats`: what Grafana shows as "this query will process approximately …". */
import { expect } from 'chai';
import { LokiTestServer } from '../../src';
import { getJson, MINUTE_NS, pushProto, SECOND_NS } from '../helpers/http';

const TENANT = 'stats';
const NOW_MILLIS = Date.UTC(2026, 10, 29, 12, 0, 0);
const NOW_NS = BigInt(NOW_MILLIS) * 1_000_000n;
const T0 = NOW_NS - 10n * MINUTE_NS;
const HEADERS = { 'x-scope-orgid': TENANT };

describe('index/stats', () => {
  let loki: LokiTestServer;

  beforeEach(async () => {
    loki = await LokiTestServer.start({ authEnabled: true, now: () => NOW_MILLIS });
    const answer = await pushProto(
      loki.url,
      [
        {
          labels: '{service_name="api", env="prod"}',
          entries: [
            { timestampNanos: T0, line: 'hello', metadata: [{ name: 'trace_id', value: 'abc' }] },
            { timestampNanos: T0 + 100n * SECOND_NS, line: 'world!' },
          ],
        },
        { labels: '{service_name="web", env="prod"}', entries: [{ timestampNanos: T0, line: 'x' }] },
      ],
      TENANT
    );
    expect(answer.status).to.equal(204);
  });
  afterEach(async () => {
    await loki.close();
  });

  const stats = (params: Record<string, string>) =>
    getJson(
      loki.url,
      '/loki/api/v1/index/stats',
      { start: String(T0 - MINUTE_NS), end: String(NOW_NS), ...params },
      HEADERS
    );

  it('counts streams, chunks, entries and uncompressed bytes as the ingester does', async () => {
    const { status, body, json } = await stats({ query: '{service_name="api"}' });
    expect(status).to.equal(200);
    // Lines 5 + 6 bytes, 8 bytes per metadata pair (trace_id and detected_level on the first entry,
    // detected_level on the second), and each distinct metadata string once:
    // trace_id, abc, detected_level, unknown.
    const bytes = 5 + 6 + 8 * 3 + ('trace_id'.length + 'abc'.length + 'detected_level'.length + 'unknown'.length);
    expect(json).to.deep.equal({ streams: 1, chunks: 1, bytes, entries: 2 });
    expect(body).to.equal(`{"streams":1,"chunks":1,"bytes":${bytes},"entries":2}`);
  });

  it('counts entries pushed after an earlier answer', async () => {
    const before = (await stats({ query: '{service_name="web"}' })).json;
    await pushProto(
      loki.url,
      [{ labels: '{service_name="web", env="prod"}', entries: [{ timestampNanos: T0 + SECOND_NS, line: 'yy' }] }],
      TENANT
    );
    const after = (await stats({ query: '{service_name="web"}' })).json;
    expect(after.entries).to.equal(before.entries + 1);
    expect(after.bytes).to.equal(before.bytes + 2 + 8);
  });

  it('prorates a chunk by the share of its time span inside the range, as Loki estimates', async () => {
    // The api stream spans T0 .. T0+100s; [T0+25s, end] covers 75% of it.
    const { json } = await stats({ query: '{service_name="api"}', start: String(T0 + 25n * SECOND_NS) });
    expect(json.entries).to.equal(1); // trunc(0.75 * 2)
    expect(json.streams).to.equal(1);
  });

  it('sums every matching stream', async () => {
    const { json } = await stats({ query: '{env="prod"}' });
    expect(json).to.include({ streams: 2, chunks: 2, entries: 3 });
  });

  it('answers zeros when nothing matches', async () => {
    const { json } = await stats({ query: '{service_name="none"}' });
    expect(json).to.deep.equal({ streams: 0, chunks: 0, bytes: 0, entries: 0 });
  });

  it("refuses pipelines and empty-compatible selectors with Loki's errors, and a missing tenant with 401", async () => {
    expect(await stats({ query: '{env="prod"} |= "x"' })).to.include({
      status: 400,
      body: 'only label matchers are supported',
    });
    const empty = await stats({ query: '{env=~".*"}' });
    expect(empty.status).to.equal(400);
    expect(empty.body).to.match(/queries require at least one regexp or equality matcher/);
    const anonymous = await getJson(loki.url, '/loki/api/v1/index/stats', { query: '{env="prod"}' });
    expect(anonymous).to.include({ status: 401, body: 'no org id' });
  });
});
