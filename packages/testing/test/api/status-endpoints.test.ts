/** `status/buildinfo`, `format_query`, `patterns` and the endpoints still answered 501. */
import { expect } from 'chai';
import { LokiTestServer } from '../../src';
import { getJson, request } from '../helpers/http';

describe('status/buildinfo, format_query, patterns', () => {
  let loki: LokiTestServer;

  beforeEach(async () => {
    loki = await LokiTestServer.start({ authEnabled: true, lokiVersion: '3.4' });
  });
  afterEach(async () => {
    await loki.close();
  });

  it('names the emulated Loki version in buildinfo, without a tenant', async () => {
    const { status, json, body } = await getJson(loki.url, '/loki/api/v1/status/buildinfo');
    expect(status).to.equal(200);
    expect(json).to.include({ version: '3.4.6', goVersion: 'go1.23.12' });
    expect(Object.keys(json)).to.deep.equal(['version', 'revision', 'branch', 'buildUser', 'buildDate', 'goVersion']);
    expect(body.startsWith('{"version":"3.4.6"')).to.equal(true);
  });

  it("formats a selector with line filters as Loki's Prettify does, without a tenant", async () => {
    const format = (query: string) => getJson(loki.url, '/loki/api/v1/format_query', { query });
    expect((await format('{ app = "api",env=~`p.*` }|="error" !~ `x\\d`')).json).to.deep.equal({
      status: 'success',
      data: '{app="api", env=~"p.*"} |= "error" !~ "x\\\\d"',
    });
    const long = `{service_name="checkout"} |= "${'a'.repeat(40)}" != "${'b'.repeat(40)}"`;
    expect((await format(long)).json.data).to.equal(
      `{service_name="checkout"}\n  |= "${'a'.repeat(40)}" != "${'b'.repeat(40)}"`
    );
  });

  it('returns other valid queries trimmed, as given (Loki reflows them; this server does not)', async () => {
    const { json } = await getJson(loki.url, '/loki/api/v1/format_query', {
      query: '  sum by (level) (count_over_time({app="api"} | json [5m]))  ',
    });
    expect(json).to.deep.equal({
      status: 'success',
      data: 'sum by (level) (count_over_time({app="api"} | json [5m]))',
    });
  });

  it('answers 400 invalid-query for a syntax error', async () => {
    const { status, json } = await getJson(loki.url, '/loki/api/v1/format_query', { query: '{app="api"' });
    expect(status).to.equal(400);
    expect(json).to.deep.equal({
      status: 'invalid-query',
      error: 'parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,',
    });
  });

  it('answers patterns with 404 and an empty body, as Loki without a pattern ingester does', async () => {
    const answer = await request(`${loki.url}/loki/api/v1/patterns?query=%7Bapp%3D%22x%22%7D`, {
      headers: { 'x-scope-orgid': 't' },
    });
    expect(answer).to.include({ status: 404, body: '' });
  });

  it('still answers 501 with a message for Loki endpoints it does not emulate', async () => {
    for (const path of [
      '/loki/api/v1/index/shards',
      '/loki/api/v1/tail',
      '/loki/api/v1/rules',
      '/api/prom/query',
      '/api/prom/label/job/values',
      '/prometheus/api/v1/rules',
    ]) {
      const answer = await request(loki.url + path, { headers: { 'x-scope-orgid': 't' } });
      expect(answer, path).to.include({
        status: 501,
        body: `${path} is a Loki endpoint that @otel-loki/testing does not emulate`,
      });
    }
  });
});

describe('metadata endpoints: tenant and POST', () => {
  let loki: LokiTestServer;

  beforeEach(async () => {
    loki = await LokiTestServer.start({ authEnabled: true });
  });
  afterEach(async () => {
    await loki.close();
  });

  it('answers 401 `no org id` without a tenant on every endpoint that reads data', async () => {
    for (const path of [
      '/loki/api/v1/index/stats',
      '/loki/api/v1/index/volume',
      '/loki/api/v1/index/volume_range',
      '/loki/api/v1/detected_labels',
      '/loki/api/v1/detected_fields',
      '/loki/api/v1/detected_field/level/values',
      '/loki/api/v1/patterns',
    ]) {
      expect(await request(`${loki.url}${path}?query=%7Bapp%3D%22x%22%7D`), path).to.include({
        status: 401,
        body: 'no org id',
      });
    }
  });

  it('reads the parameters of a POST form body, as Loki does', async () => {
    const answer = await request(`${loki.url}/loki/api/v1/index/stats`, {
      method: 'POST',
      headers: { 'x-scope-orgid': 't', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7Bapp%3D%22x%22%7D',
    });
    expect(answer).to.include({ status: 200, body: '{"streams":0,"chunks":0,"bytes":0,"entries":0}' });
    const format = await request(`${loki.url}/loki/api/v1/format_query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7Bapp%3D%22x%22%7D',
    });
    expect(JSON.parse(format.body)).to.deep.equal({ status: 'success', data: '{app="x"}' });
  });
});
