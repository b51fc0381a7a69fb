/** Push rules of LokiTestServer beyond the observed table, each with Loki's status and message. */
import * as zlib from 'node:zlib';
import { expect } from 'chai';
import { encodePushRequest, snappyCompress } from '@otel-loki/push';
import type { PushStream } from '@otel-loki/push';
import { LokiTestServer } from '../src';
import { encodeRawPushRequest } from './helpers/proto-writer';
import { HOUR_NS, jsonStream, nowNs, pushJson, pushProto, pushRaw, request } from './helpers/http';

const PROTOBUF = 'application/x-protobuf';
const MIB = 1024 * 1024;

describe('LokiTestServer: push', () => {
  let loki: LokiTestServer;
  afterEach(async () => {
    await loki?.close();
  });
  const start = async (options: Parameters<typeof LokiTestServer.start>[0] = {}): Promise<void> => {
    loki = await LokiTestServer.start(options);
  };
  const one = (
    labels: string,
    line = 'x',
    ts = nowNs(),
    metadata?: Array<{ name: string; value: string }>
  ): PushStream => ({
    labels,
    entries: [{ timestampNanos: ts, line, metadata }],
  });

  describe('endpoints and encodings', () => {
    it('accepts protobuf on the legacy /api/prom/push path', async () => {
      await start();
      const body = Buffer.from(snappyCompress(encodePushRequest([one('{job="legacy"}')])));
      const answer = await pushRaw(loki.url, body, { 'content-type': PROTOBUF }, '/api/prom/push');
      expect(answer.status).to.equal(204);
      expect(loki.entries()).to.have.length(1);
    });

    it('reads the legacy JSON format on /api/prom/push ({labels, entries:[{ts, line}]})', async () => {
      await start();
      const ts = new Date().toISOString().replace('Z', '123456Z');
      const body = JSON.stringify({ streams: [{ labels: '{job="old"}', entries: [{ ts, line: 'legacy line' }] }] });
      const answer = await pushRaw(loki.url, body, { 'content-type': 'application/json' }, '/api/prom/push');
      expect(answer.status).to.equal(204);
      expect(loki.entries()[0]).to.include({ line: 'legacy line', stream: '{job="old", service_name="old"}' });
      expect(loki.entries()[0].timestampNanos % 1_000_000n).to.equal(123456n);
    });

    it('accepts raw DEFLATE as Content-Encoding: deflate, and refuses the zlib format (Go flate.NewReader)', async () => {
      await start();
      const json = JSON.stringify({ streams: [jsonStream({ job: 'd' }, [[nowNs(), 'deflated']])] });
      const raw = await pushRaw(loki.url, zlib.deflateRawSync(json), {
        'content-type': 'application/json',
        'content-encoding': 'deflate',
      });
      const wrapped = await pushRaw(loki.url, zlib.deflateSync(json), {
        'content-type': 'application/json',
        'content-encoding': 'deflate',
      });
      expect(raw.status).to.equal(204);
      expect(wrapped.status).to.equal(400);
      expect(wrapped.body).to.match(/^flate: corrupt input/);
    });

    it('answers a broken gzip body with 400 `gzip: invalid header`', async () => {
      await start();
      const answer = await pushRaw(loki.url, 'not gzip', { 'content-type': PROTOBUF, 'content-encoding': 'gzip' });
      expect(answer).to.include({ status: 400, body: 'gzip: invalid header' });
    });

    it('answers an unparseable Content-Type with Go mime errors (400)', async () => {
      await start();
      const answer = await pushRaw(loki.url, '{}', { 'content-type': 'json' });
      expect(answer).to.include({ status: 400, body: 'mime: expected slash after first token' });
    });

    it('answers a body over maxRecvMsgSizeBytes with 413', async () => {
      await start({ maxRecvMsgSizeBytes: 100 });
      const answer = await pushJson(loki.url, { streams: [jsonStream({ job: 'x' }, [[nowNs(), 'y'.repeat(200)]])] });
      expect(answer.status).to.equal(413);
      expect(answer.body).to.match(/^request body too large: \d+ bytes, limit: 100 bytes$/);
      expect(loki.entries()).to.be.empty;
    });

    it('answers GET on the push endpoint with 405, an unknown path with 404 and /ready with `ready`', async () => {
      await start();
      expect((await request(loki.pushUrl)).status).to.equal(405);
      expect(await request(`${loki.url}/nope`)).to.include({ status: 404, body: '404 page not found' });
      expect(await request(`${loki.url}/ready`)).to.include({ status: 200, body: 'ready' });
    });

    it('answers 501 on Loki endpoints it does not emulate (OTLP ingestion), rather than a misleading 404', async () => {
      await start();
      const answer = await request(`${loki.url}/otlp/v1/logs`, { method: 'POST', body: '{}' });
      expect(answer).to.include({
        status: 501,
        body: '/otlp/v1/logs is a Loki endpoint that @otel-loki/testing does not emulate',
      });
    });

    it('writes errors as Go http.Error does: text/plain, nosniff, trailing newline', async () => {
      await start();
      const answer = await pushJson(loki.url, { streams: [] });
      expect(answer.headers['content-type']).to.equal('text/plain; charset=utf-8');
      expect(answer.headers['x-content-type-options']).to.equal('nosniff');
      expect(loki.requests[0].responseBody).to.equal('error at least one valid stream is required for ingestion');
    });
  });

  describe('tenants', () => {
    it('stores under `fake` and ignores X-Scope-OrgID when auth is off', async () => {
      await start();
      await pushProto(loki.url, [one('{job="x"}')], 'someone');
      expect(loki.entries().map((e) => e.tenant)).to.deep.equal(['fake']);
    });

    it('keeps tenants apart when auth is on', async () => {
      await start({ authEnabled: true });
      await pushProto(loki.url, [one('{job="x"}', 'for a')], 'a');
      await pushProto(loki.url, [one('{job="x"}', 'for b')], 'b');
      expect(loki.entries({ tenant: 'a' }).map((e) => e.line)).to.deep.equal(['for a']);
      expect(loki.entries({ tenant: 'b' }).map((e) => e.line)).to.deep.equal(['for b']);
    });

    it("refuses '.' and '..' as tenants with dskit's message", async () => {
      await start({ authEnabled: true });
      const answer = await pushProto(loki.url, [one('{job="x"}')], '..');
      expect(answer).to.include({ status: 400, body: "tenant ID is '.' or '..'" });
    });
  });

  describe('labels', () => {
    it('takes service_name from the first present discovery label, in Loki order', async () => {
      await start();
      await pushProto(loki.url, [one('{job="j", app="a", container="c"}')]);
      await pushProto(loki.url, [one('{job="only-job"}')]);
      await pushProto(loki.url, [one('{service_name="given", app="a"}')]);
      expect(loki.entries().map((e) => e.labels.service_name)).to.deep.equal(['a', 'only-job', 'given']);
    });

    it('refuses a stream without labels when discovery is off: `error at least one label pair is required per stream`', async () => {
      await start({ limits: { discoverServiceName: [] } });
      const answer = await pushProto(loki.url, [one('{}')]);
      expect(answer).to.include({ status: 400, body: 'error at least one label pair is required per stream' });
    });

    it('refuses a label name over maxLabelNameLength', async () => {
      await start({ limits: { maxLabelNameLength: 12 } });
      const answer = await pushProto(loki.url, [one('{service_name="s", much_too_long="v"}')]);
      expect(answer).to.include({
        status: 400,
        body: `stream '{service_name="s", much_too_long="v"}' has label name too long: 'much_too_long'`,
      });
    });

    it('refuses invalid UTF-8 bytes in a protobuf label string: `invalid UTF-8 rune`', async () => {
      await start();
      const labels = Buffer.concat([Buffer.from('{job="a'), Buffer.from([0xff]), Buffer.from('"}')]);
      const body = encodeRawPushRequest([{ labels, entries: [{ timestampNanos: nowNs(), line: 'x' }] }]);
      const answer = await pushRaw(loki.url, Buffer.from(snappyCompress(body)), { 'content-type': PROTOBUF });
      expect(answer).to.include({ status: 400, body: "couldn't parse labels: 1:6: parse error: invalid UTF-8 rune" });
    });

    it('reports a grammar error the way Prometheus does', async () => {
      await start();
      const answer = await pushProto(loki.url, [one('{a="1" b="2"}')]);
      expect(answer).to.include({
        status: 400,
        body: `couldn't parse labels: 1:8: parse error: unexpected identifier "b" in label set, expected "," or "}"`,
      });
    });

    it('refuses the whole request when one stream has a label syntax error (nothing stored)', async () => {
      await start();
      const answer = await pushProto(loki.url, [one('{job="ok"}'), one('{job=bad}')]);
      expect(answer.status).to.equal(400);
      expect(loki.entries()).to.be.empty;
    });

    it('stores the valid stream and lists the invalid one when a stream fails label validation', async () => {
      await start();
      const answer = await pushProto(loki.url, [one('{job="ok"}', 'kept'), one('{job="a", job="b"}', 'dropped')]);
      expect(answer.status).to.equal(400);
      expect(answer.body).to.contain("has duplicate label name: 'job'");
      expect(loki.entries().map((e) => e.line)).to.deep.equal(['kept']);
    });
  });

  describe('entries', () => {
    it('groups repeated messages as Loki does: `N errors like: ...`', async () => {
      await start();
      const old = nowNs() - 8n * 24n * HOUR_NS;
      const answer = await pushProto(loki.url, [
        {
          labels: '{job="x"}',
          entries: [
            { timestampNanos: old, line: 'a' },
            { timestampNanos: old + 1n, line: 'b' },
          ],
        },
      ]);
      expect(answer.status).to.equal(400);
      expect(answer.body).to.match(
        /^2 errors like: entry for stream '\{job="x", service_name="x"\}' has timestamp too old: /
      );
    });

    it('truncates long lines instead of refusing them with maxLineSizeTruncate', async () => {
      await start({ limits: { maxLineSize: 5, maxLineSizeTruncate: true } });
      const answer = await pushProto(loki.url, [one('{job="x"}', 'abcdefgh')]);
      expect(answer.status).to.equal(204);
      expect(loki.entries()[0].line).to.equal('abcde');
    });

    it('refuses structured metadata over maxStructuredMetadataSize', async () => {
      await start({ limits: { maxStructuredMetadataSize: 8 } });
      const answer = await pushProto(loki.url, [one('{job="x"}', 'l', nowNs(), [{ name: 'name', value: 'value' }])]);
      expect(answer).to.include({
        status: 400,
        body:
          "stream '{job=\"x\", service_name=\"x\"}' has structured metadata too large: '9' bytes, limit: '8' bytes. " +
          'Please see `limits_config.max_structured_metadata_size` or contact your Loki administrator to increase it.',
      });
    });

    it('refuses structured metadata when allowStructuredMetadata is off', async () => {
      await start({ limits: { allowStructuredMetadata: false } });
      const answer = await pushProto(loki.url, [one('{job="x"}', 'l', nowNs(), [{ name: 'a', value: 'b' }])]);
      expect(answer.status).to.equal(400);
      expect(answer.body).to.match(/includes structured metadata, but this feature is disallowed/);
    });

    it('adds detected_level structured metadata, as Loki 3.x does', async () => {
      await start();
      await pushProto(loki.url, [one('{job="x"}', 'level=error msg=boom')]);
      await pushProto(loki.url, [one('{job="y", level="WARN"}', 'plain')]);
      expect(loki.entries().map((e) => e.metadata.detected_level)).to.deep.equal(['error', 'warn']);
    });

    it('skips a duplicate only when metadata also matches (current Loki)', async () => {
      await start();
      const ts = nowNs();
      await pushProto(loki.url, [one('{job="x"}', 'same', ts, [{ name: 'a', value: '1' }])]);
      await pushProto(loki.url, [one('{job="x"}', 'same', ts, [{ name: 'a', value: '2' }])]);
      expect(loki.entries().map((e) => e.metadata.a)).to.deep.equal(['1', '2']);
    });

    it("skips a duplicate whatever its metadata with lokiVersion '3.4' (Loki 3.4.6, observed)", async () => {
      await start({ lokiVersion: '3.4' });
      const ts = nowNs();
      await pushProto(loki.url, [one('{job="x"}', 'same', ts, [{ name: 'a', value: '1' }])]);
      await pushProto(loki.url, [one('{job="x"}', 'same', ts, [{ name: 'a', value: '2' }])]);
      expect(loki.entries().map((e) => e.metadata.a)).to.deep.equal(['1']);
    });

    it('lets duplicateCheckIgnoresMetadata override lokiVersion', async () => {
      await start({ lokiVersion: '3.4', duplicateCheckIgnoresMetadata: false });
      const ts = nowNs();
      await pushProto(loki.url, [one('{job="x"}', 'same', ts, [{ name: 'a', value: '1' }])]);
      await pushProto(loki.url, [one('{job="x"}', 'same', ts, [{ name: 'a', value: '2' }])]);
      expect(loki.entries()).to.have.length(2);
    });

    it("keeps a level label's value as detected_level with lokiVersion '3.4', normalizes it otherwise", async () => {
      await start({ lokiVersion: '3.4' });
      await pushProto(loki.url, [one('{job="x", level="WARNING"}', 'plain'), one('{job="y"}', '[WARN] disk full')]);
      expect(loki.entries().map((e) => e.metadata.detected_level)).to.deep.equal(['WARNING', 'unknown']);
    });

    it('skips a duplicate of any stored entry, not only the newest', async () => {
      await start();
      const ts = nowNs();
      await pushProto(loki.url, [
        {
          labels: '{job="x"}',
          entries: [
            { timestampNanos: ts - 10n, line: 'first' },
            { timestampNanos: ts, line: 'second' },
          ],
        },
      ]);
      const answer = await pushProto(loki.url, [one('{job="x"}', 'first', ts - 10n)]);
      expect(answer.status).to.equal(204);
      expect(loki.entries().map((e) => e.line)).to.deep.equal(['first', 'second']);
    });
  });

  describe('limits answering 429 and 500', () => {
    it("refuses a push over the ingestion rate with 429 and Loki's message, and refills with time", async () => {
      let clock = 1_700_000_000_000;
      loki = await LokiTestServer.start({
        now: () => clock,
        limits: { ingestionRateBytesPerSecond: 100, ingestionBurstSizeBytes: 100, discoverLogLevels: false },
      });
      const ts = BigInt(clock) * 1_000_000n;
      expect((await pushProto(loki.url, [one('{job="x"}', 'a'.repeat(80), ts)])).status).to.equal(204);
      const limited = await pushProto(loki.url, [one('{job="x"}', 'b'.repeat(80), ts + 1n)]);
      expect(limited).to.include({
        status: 429,
        body:
          "Ingestion rate limit exceeded for user fake (limit: 100 bytes/sec) while attempting to ingest '1' lines totaling '80' bytes, " +
          'reduce log volume or contact your Loki administrator to see if the limit can be increased',
      });
      clock += 1000;
      expect((await pushProto(loki.url, [one('{job="x"}', 'c'.repeat(80), ts + 2n)])).status).to.equal(204);
      expect(loki.entries().map((e) => e.line[0])).to.deep.equal(['a', 'c']);
    });

    it("drops pushes while ingestion is blocked, answering 260 (a 2xx!) with Loki's message", async () => {
      const until = Date.UTC(2100, 0, 1);
      await start({ limits: { blockIngestionUntilMillis: until } });
      const answer = await pushProto(loki.url, [one('{job="x"}')]);
      expect(answer).to.include({
        status: 260,
        body: "ingestion blocked for user fake until '2100-01-01T00:00:00Z' with status code '260'",
      });
      expect(loki.entries()).to.be.empty;
    });

    it('answers 204 while dropping everything when the block status code is 200', async () => {
      await start({ limits: { blockIngestionUntilMillis: Date.UTC(2100, 0, 1), blockIngestionStatusCode: 200 } });
      expect((await pushProto(loki.url, [one('{job="x"}')])).status).to.equal(204);
      expect(loki.entries()).to.be.empty;
    });

    it('always refuses a push larger than the burst (429)', async () => {
      await start({ limits: { ingestionRateBytesPerSecond: 1e9, ingestionBurstSizeBytes: 10 } });
      const answer = await pushProto(loki.url, [one('{job="x"}', 'eleven byte')]);
      expect(answer.status).to.equal(429);
    });

    it('refuses a new stream over maxStreamsPerTenant with 429, storing the other streams', async () => {
      await start({ limits: { maxStreamsPerTenant: 1 } });
      const answer = await pushProto(loki.url, [one('{job="first"}'), one('{job="second"}')]);
      expect(answer).to.include({
        status: 429,
        body:
          'Maximum active stream limit exceeded when trying to create stream {job="second", service_name="second"}, ' +
          'reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator ' +
          "to see if the limit can be increased, user: 'fake'",
      });
      expect(loki.entries().map((e) => e.labels.job)).to.deep.equal(['first']);
    });

    it('answers a push over 4 MiB decompressed with 500 ResourceExhausted, and it still spends rate budget', async () => {
      await start({ limits: { ingestionRateBytesPerSecond: 1, ingestionBurstSizeBytes: 6 * MIB } });
      const lines = Array.from({ length: 20 }, (_, i) => ({
        timestampNanos: nowNs() + BigInt(i),
        line: String(i).padEnd(240 * 1024, 'x'),
      }));
      const big = await pushProto(loki.url, [{ labels: '{job="x"}', entries: lines }]);
      expect(big.status).to.equal(500);
      expect(big.body).to.match(
        /^rpc error: code = ResourceExhausted desc = grpc: received message larger than max \(\d+ vs\. 4194304\)$/
      );
      expect(loki.entries()).to.be.empty;
      const retry = await pushProto(loki.url, [{ labels: '{job="x"}', entries: lines }]);
      expect(retry.status).to.equal(429);
    });
  });

  describe('records', () => {
    it('records each request with its decoded body and answer, and counts', async () => {
      await start({ authEnabled: true });
      await pushProto(loki.url, [one('{job="x"}', 'hello')], 't1');
      const [received] = loki.requests;
      expect(received).to.include({
        method: 'POST',
        path: '/loki/api/v1/push',
        kind: 'push',
        tenant: 't1',
        format: 'protobuf',
        status: 204,
      });
      expect(received.streams?.[0].entries[0].line).to.equal('hello');
      expect(received.headers['x-scope-orgid']).to.equal('t1');
      expect(loki.counters).to.deep.include({ requests: 1, pushRequests: 1, byStatus: { 204: 1 }, entriesStored: 1 });
    });

    it('forgets everything on reset()', async () => {
      await start();
      await pushProto(loki.url, [one('{job="x"}')]);
      loki.reset();
      expect([loki.entries().length, loki.requests.length, loki.counters.requests]).to.deep.equal([0, 0, 0]);
    });
  });
});
