/** `detected_fields`, `detected_field/<name>/values` and `detected_labels`: what Logs Drilldown lists. */
import { expect } from 'chai';
import { LokiTestServer } from '../../src';
import { getJson, MINUTE_NS, pushProto, SECOND_NS } from '../helpers/http';
import { recording, startRecordedServer } from '../helpers/recorded-answers';

const TENANT = 'fields';
const NOW_MILLIS = Date.UTC(2026, 10, 29, 12, 0, 0);
const NOW_NS = BigInt(NOW_MILLIS) * 1_000_000n;
const T0 = NOW_NS - 10n * MINUTE_NS;
const HEADERS = { 'x-scope-orgid': TENANT };

describe('detected fields and labels', () => {
  let loki: LokiTestServer;

  beforeEach(async () => {
    loki = await LokiTestServer.start({ authEnabled: true, now: () => NOW_MILLIS });
    const answer = await pushProto(
      loki.url,
      [
        {
          labels: '{service_name="api", env="prod", build="101"}',
          entries: [
            {
              timestampNanos: T0,
              line: '{"level":"info","env":"x","http":{"status":200,"took":"1.5s"},"size":"2KB","ratio":1.0,"tags":["a"],"none":null}',
              metadata: [{ name: 'trace_id', value: 'aaa' }],
            },
            {
              timestampNanos: T0 + SECOND_NS,
              line: '{"level":"error","env":"y","http":{"status":500,"took":"20ms"},"size":"35738B","ratio":0.5}',
              metadata: [{ name: 'trace_id', value: 'bbb' }],
            },
          ],
        },
        {
          labels: '{service_name="worker", env="prod", build="102", pod="7"}',
          entries: [
            { timestampNanos: T0 + 2n * SECOND_NS, line: 'level=warn took=83ms msg="job done" empty= ok=true' },
          ],
        },
      ],
      TENANT
    );
    expect(answer.status).to.equal(204);
  });
  afterEach(async () => {
    await loki.close();
  });

  const get = (path: string, params: Record<string, string>) =>
    getJson(loki.url, path, { start: String(T0 - MINUTE_NS), end: String(NOW_NS), ...params }, HEADERS);

  it('lists JSON fields (nested keys joined with _, with their jsonPath as current Loki gives it), structured metadata, types and cardinalities', async () => {
    const { status, json } = await get('/loki/api/v1/detected_fields', { query: '{service_name="api"}' });
    expect(status).to.equal(200);
    expect(json).to.deep.equal({
      fields: [
        { label: 'detected_level', type: 'string', cardinality: 2, parsers: null },
        // `env` clashes with a stream label.
        { label: 'env_extracted', type: 'string', cardinality: 2, parsers: ['json'], jsonPath: ['env'] },
        { label: 'http_status', type: 'int', cardinality: 2, parsers: ['json'], jsonPath: ['http', 'status'] },
        { label: 'http_took', type: 'duration', cardinality: 2, parsers: ['json'], jsonPath: ['http', 'took'] },
        { label: 'level', type: 'string', cardinality: 2, parsers: ['json'], jsonPath: ['level'] },
        // Numbers are read as written: 1.0 stays "1.0" (float), arrays and nulls are skipped.
        { label: 'ratio', type: 'float', cardinality: 2, parsers: ['json'], jsonPath: ['ratio'] },
        { label: 'size', type: 'bytes', cardinality: 2, parsers: ['json'], jsonPath: ['size'] },
        { label: 'trace_id', type: 'string', cardinality: 2, parsers: null },
      ],
      limit: 1000,
    });
  });

  it("gives no jsonPath with lokiVersion '3.4', as Loki 3.4.6", async () => {
    await loki.close();
    loki = await LokiTestServer.start({ authEnabled: true, now: () => NOW_MILLIS, lokiVersion: '3.4' });
    await pushProto(
      loki.url,
      [{ labels: '{service_name="api"}', entries: [{ timestampNanos: T0, line: '{"http":{"status":200}}' }] }],
      TENANT
    );
    const { json } = await get('/loki/api/v1/detected_fields', { query: '{service_name="api"}' });
    expect(json.fields.find((f: any) => f.label === 'http_status')).to.deep.equal({
      label: 'http_status',
      type: 'int',
      cardinality: 1,
      parsers: ['json'],
    });
  });

  it('reads logfmt lines, skipping empty values, and honours limit and line_limit', async () => {
    const { json } = await get('/loki/api/v1/detected_fields', { query: '{service_name="worker"}' });
    expect(json.fields.map((f: any) => [f.label, f.type, f.parsers])).to.deep.equal([
      ['detected_level', 'string', null],
      ['level', 'string', ['logfmt']],
      ['msg', 'string', ['logfmt']],
      ['ok', 'boolean', ['logfmt']],
      ['took', 'duration', ['logfmt']],
    ]);
    const limited = await get('/loki/api/v1/detected_fields', { query: '{env="prod"}', limit: '2' });
    expect(limited.json.fields).to.have.length(2);
    expect(limited.json.limit).to.equal(2);
    // line_limit=1: only the newest line (the worker's logfmt line) is read.
    const newest = await get('/loki/api/v1/detected_fields', { query: '{env="prod"}', line_limit: '1' });
    expect(newest.json.fields.map((f: any) => f.label))
      .to.include('took')
      .and.not.include('http_status');
  });

  it('answers {} when nothing matches, and 400 for an invalid query', async () => {
    const none = await get('/loki/api/v1/detected_fields', { query: '{service_name="none"}' });
    expect(none).to.include({ status: 200, body: '{}' });
    const bad = await get('/loki/api/v1/detected_fields', { query: '{service_name="api"' });
    expect(bad.status).to.equal(400);
    expect(bad.body).to.match(/^parse error at line 1, col 20: syntax error: unexpected \$end/);
  });

  it('samples the lines a whole pipeline keeps, and refuses a metric query', async () => {
    const errors = await get('/loki/api/v1/detected_fields', {
      query: '{service_name="api"} | json | http_status >= 500',
    });
    expect(errors.json.fields.find((f: any) => f.label === 'level')).to.deep.equal({
      label: 'level',
      type: 'string',
      cardinality: 1,
      parsers: ['json'],
      jsonPath: ['level'],
    });
    expect(
      await get('/loki/api/v1/detected_fields', { query: 'count_over_time({service_name="api"}[1m])' })
    ).to.include({
      status: 400,
      body: 'only log selector is supported',
    });
  });

  it('lists the values of one field, byte sizes rewritten as humanize writes them', async () => {
    const sizes = await get('/loki/api/v1/detected_field/size/values', { query: '{service_name="api"}' });
    expect(sizes.json).to.deep.equal({ values: ['2.0kB', '36kB'], limit: 1000 });
    const traces = await get('/loki/api/v1/detected_field/trace_id/values', { query: '{service_name="api"}' });
    expect(traces.json).to.deep.equal({ values: ['aaa', 'bbb'], limit: 1000 });
  });

  it('lists stream labels with their cardinality, leaving out labels whose values are all numbers but pod', async () => {
    const all = await get('/loki/api/v1/detected_labels', {});
    expect(all.json).to.deep.equal({
      detectedLabels: [
        { label: 'env', cardinality: 1 },
        { label: 'pod', cardinality: 1 },
        { label: 'service_name', cardinality: 2 },
      ],
    });
    const one = await get('/loki/api/v1/detected_labels', { query: '{service_name="api"}' });
    expect(one.json.detectedLabels.map((l: any) => l.label)).to.deep.equal(['env', 'service_name']);
  });

  it('finds the fields of the recorded Loki 3.4.6 data set by parser', async () => {
    await loki.close();
    loki = await startRecordedServer();
    const headers = { 'x-scope-orgid': recording().tenant };
    const range = { start: '1795944293000000000', end: '1795945553000000000' };
    const fields = async (query: string): Promise<string[]> =>
      (await getJson(loki.url, '/loki/api/v1/detected_fields', { query, ...range }, headers)).json.fields.map(
        (f: any) => `${f.label}:${f.type}:${f.parsers ?? 'metadata'}`
      );
    expect(await fields('{service_name="catalog"}')).to.deep.equal([
      'cache:string:logfmt',
      'detected_level:string:metadata',
      'level:string:logfmt',
      'msg:string:logfmt',
      'pod:string:metadata',
      'size:bytes:logfmt',
      'status:int:logfmt',
      'took:duration:logfmt',
      'trace_id:string:metadata',
      'ts:int:logfmt',
      'user:string:logfmt',
      'user_id:string:metadata',
    ]);
    // Access-log lines are neither JSON nor key=value: only structured metadata is found.
    expect(await fields('{service_name="gateway"}')).to.deep.equal([
      'detected_level:string:metadata',
      'pod:string:metadata',
      'trace_id:string:metadata',
      'user_id:string:metadata',
    ]);
  });
});
