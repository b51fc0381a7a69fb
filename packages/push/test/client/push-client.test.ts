import { expect } from 'chai';
import * as sinon from 'sinon';
import { LokiPushClient } from '../../src/client/push-client';
import { LokiPushError } from '../../src/client/errors';
import { decodePushRequest } from '../../src/wire/push-request-decoder';
import { snappyUncompress } from '../../src/wire/snappy';
import type { PushStream } from '../../src/types';
import { settleWithFakeTimers } from '../helpers/fake-clock';
import { ScriptedServer } from '../helpers/scripted-server';
import { readPushRequest } from '../helpers/proto-reader';
import { snappyBlockDecompress } from '../helpers/snappy-reader';

const T0 = 1_700_000_000_000_000_000n;
const STREAMS: PushStream[] = [
  {
    labels: '{job="api"}',
    entries: [
      { timestampNanos: T0, line: 'one' },
      { timestampNanos: T0 + 1n, line: 'two' },
    ],
  },
];
const TOO_LARGE_BODY =
  'rpc error: code = ResourceExhausted desc = grpc: received message larger than max (4916259 vs. 4194304)';

describe('LokiPushClient (loopback server)', () => {
  let server: ScriptedServer;
  let client: LokiPushClient | undefined;
  let clock: sinon.SinonFakeTimers | undefined;

  beforeEach(async () => {
    server = await ScriptedServer.start();
  });

  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    await client?.close();
    client = undefined;
    await server.close();
  });

  const useFakeTimers = (): sinon.SinonFakeTimers => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.now() });
    return clock;
  };

  describe('the request', () => {
    it('POSTs snappy protobuf to /loki/api/v1/push with content type, user agent and tenant', async () => {
      client = new LokiPushClient({ url: server.url, tenantId: 'team-a' });
      const result = await client.push(STREAMS);
      expect(result).to.deep.include({ status: 204, requests: 1, attempts: 1, entries: 2, streams: 1 });
      const [req] = server.requests;
      expect(req.method).to.equal('POST');
      expect(req.url).to.equal('/loki/api/v1/push');
      expect(req.headers['content-type']).to.equal('application/x-protobuf');
      expect(req.headers['x-scope-orgid']).to.equal('team-a');
      expect(req.headers['user-agent']).to.match(/^otel-loki-push\/\d+\.\d+\.\d+/);
      expect(result.wireBytes).to.equal(req.body.length);
      const decoded = readPushRequest(snappyBlockDecompress(req.body));
      expect(decoded[0].labels).to.equal('{job="api"}');
      expect(decoded[0].entries.map((e) => [e.seconds * 1_000_000_000n + e.nanos, e.line])).to.deep.equal([
        [T0, 'one'],
        [T0 + 1n, 'two'],
      ]);
      expect(result.bytes).to.equal(snappyBlockDecompress(req.body).length);
    });

    it('sends no X-Scope-OrgID without a tenant, and a per-push tenant overrides the client one', async () => {
      client = new LokiPushClient({ url: server.url, tenantId: 'default-t' });
      await client.push(STREAMS, { tenantId: 'other' });
      const plain = new LokiPushClient({ url: server.url });
      await plain.push(STREAMS);
      await plain.close();
      expect(server.requests.map((r) => r.headers['x-scope-orgid'])).to.deep.equal(['other', undefined]);
    });

    it('refuses a bad per-push tenant before any I/O', async () => {
      client = new LokiPushClient({ url: server.url });
      let error: unknown;
      await client.push(STREAMS, { tenantId: 'a b' }).catch((e) => (error = e));
      expect(error).to.be.instanceOf(TypeError);
      expect(server.requests).to.have.length(0);
    });

    it('sends JSON when format is json', async () => {
      client = new LokiPushClient({ url: server.url, format: 'json' });
      await client.push([
        { labels: '{job="api"}', entries: [{ timestampNanos: T0, line: 'l', metadata: [{ name: 'm', value: 'v' }] }] },
      ]);
      const [req] = server.requests;
      expect(req.headers['content-type']).to.equal('application/json');
      expect(JSON.parse(req.body.toString())).to.deep.equal({
        streams: [{ stream: { job: 'api' }, values: [[T0.toString(), 'l', { m: 'v' }]] }],
      });
    });

    it('keeps a gateway path prefix and sends basic auth from URL credentials', async () => {
      const url = new URL(server.url);
      client = new LokiPushClient({ url: `http://user:pa%40ss@${url.host}/gw/` });
      await client.push(STREAMS);
      expect(server.requests[0].url).to.equal('/gw/loki/api/v1/push');
      expect(server.requests[0].headers.authorization).to.equal(
        'Basic ' + Buffer.from('user:pa@ss').toString('base64')
      );
    });

    it('calls a headers function before every request (rotating tokens)', async () => {
      let n = 0;
      client = new LokiPushClient({ url: server.url, headers: async () => ({ authorization: `Bearer token-${++n}` }) });
      await client.push(STREAMS);
      await client.push(STREAMS);
      expect(server.requests.map((r) => r.headers.authorization)).to.deep.equal(['Bearer token-1', 'Bearer token-2']);
    });

    it('refuses CR/LF from a headers function before sending', async () => {
      client = new LokiPushClient({ url: server.url, headers: () => ({ 'x-a': 'v\nx' }) });
      let error: unknown;
      await client.push(STREAMS).catch((e) => (error = e));
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.match(
        /headers\(\)\["x-a"\]: header values must not contain CR, LF, NUL or other control characters/
      );
      expect(server.requests).to.have.length(0);
    });

    it('reuses one kept-alive connection for consecutive pushes', async () => {
      client = new LokiPushClient({ url: server.url });
      for (let i = 0; i < 3; i++) await client.push(STREAMS);
      expect(new Set(server.requests.map((r) => r.remotePort)).size).to.equal(1);
      expect(server.requests[0].headers.connection).to.equal('keep-alive');
    });

    it('splits a large send into requests under maxRequestBytes, all delivered in order', async () => {
      const entries = Array.from({ length: 400 }, (_, i) => ({
        timestampNanos: T0 + BigInt(i),
        line: `line ${i} `.padEnd(100, '.'),
      }));
      client = new LokiPushClient({ url: server.url, maxRequestBytes: 8 * 1024 });
      const result = await client.push([{ labels: '{job="big"}', entries }]);
      expect(result.requests).to.be.greaterThan(4);
      expect(server.requests).to.have.length(result.requests);
      const lines = server.requests.flatMap((r) =>
        decodePushRequest(snappyUncompress(r.body)).flatMap((s) => s.entries.map((e) => e.line))
      );
      expect(lines).to.deep.equal(entries.map((e) => e.line));
      for (const r of server.requests) expect(snappyUncompress(r.body).length).to.be.at.most(8 * 1024);
    });
  });

  describe('answers', () => {
    it('treats 200 as success', async () => {
      server.answer({ status: 200 });
      client = new LokiPushClient({ url: server.url });
      expect((await client.push(STREAMS)).status).to.equal(200);
    });

    it('treats 260 as a final failure: the data was dropped', async () => {
      server.answer({ status: 260, body: 'ingestion blocked' });
      client = new LokiPushClient({ url: server.url });
      const error = await client.push(STREAMS).then(
        () => undefined,
        (e: unknown) => e
      );
      expect(error).to.be.instanceOf(LokiPushError);
      expect(error).to.deep.include({ reason: 'ingestion-blocked', status: 260, retryable: false, attempts: 1 });
      expect((error as LokiPushError).message).to.match(/ingestion is blocked.*dropped/);
      expect(server.requests).to.have.length(1);
    });

    for (const status of [400, 401, 403, 404, 413, 422]) {
      it(`does not retry ${status} and reports Loki's first line`, async () => {
        server.answer({ status, body: `reason for ${status}\nsecond line` });
        client = new LokiPushClient({ url: server.url });
        const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;
        expect(error).to.be.instanceOf(LokiPushError);
        expect(error).to.deep.include({
          status,
          retryable: false,
          attempts: 1,
          body: `reason for ${status}`,
          reason: 'http',
        });
        expect(error.message).to.match(new RegExp(`^Loki rejected the push \\(${status}\\): reason for ${status}`));
        expect(error.entriesFailed).to.equal(2);
        expect(error.failedStreams).to.deep.equal(STREAMS);
        expect(server.requests).to.have.length(1);
      });
    }

    it('caps the body excerpt', async () => {
      server.answer({ status: 400, body: 'x'.repeat(100_000) });
      client = new LokiPushClient({ url: server.url });
      const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;
      expect(error.body!.length).to.be.at.most(513);
    });

    it('retries 429, 500, 502, 503 and 504 with doubling jittered backoff, then succeeds', async () => {
      server.answer({ status: 429 }, { status: 500 }, { status: 502 }, { status: 503 }, { status: 504 });
      client = new LokiPushClient({ url: server.url });
      const fake = useFakeTimers();
      sinon.stub(Math, 'random').returns(1);
      const start = Date.now();
      try {
        const result = await settleWithFakeTimers(fake, client.push(STREAMS));
        expect(result).to.deep.include({ status: 204, attempts: 6, requests: 1 });
      } finally {
        (Math.random as sinon.SinonStub).restore();
      }
      // 500 + 1000 + 2000 + 4000 + 5000 (capped) ms of fake time.
      expect(Date.now() - start).to.equal(12_500);
      expect(server.requests).to.have.length(6);
    });

    it('honours Retry-After from a proxy', async () => {
      server.answer({ status: 429, headers: { 'retry-after': '3' } });
      client = new LokiPushClient({ url: server.url });
      const fake = useFakeTimers();
      const start = Date.now();
      await settleWithFakeTimers(fake, client.push(STREAMS));
      expect(Date.now() - start).to.equal(3000);
    });

    it('gives up at the deadline with a retryable error naming the attempts', async () => {
      server.answer(...Array.from({ length: 50 }, () => ({ status: 503, body: 'overloaded' })));
      client = new LokiPushClient({ url: server.url, retryDeadlineMillis: 10_000 });
      const fake = useFakeTimers();
      const start = Date.now();
      const error = (await settleWithFakeTimers(fake, client.push(STREAMS)).catch((e: unknown) => e)) as LokiPushError;
      expect(error).to.be.instanceOf(LokiPushError);
      expect(error).to.deep.include({ status: 503, retryable: true, body: 'overloaded' });
      expect(error.attempts).to.be.within(4, 8);
      expect(server.requests).to.have.length(error.attempts);
      expect(Date.now() - start).to.be.below(10_000);
      expect(error.message).to.match(/Gave up after \d+ attempt\(s\)/);
    });

    it('does not wait for a Retry-After beyond the deadline', async () => {
      server.answer({ status: 429, headers: { 'retry-after': '60' } });
      client = new LokiPushClient({ url: server.url, retryDeadlineMillis: 5_000 });
      const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;
      expect(error).to.deep.include({ status: 429, retryable: true, attempts: 1 });
    });

    it('maxRetries: 0 makes one attempt per request and reports the Retry-After asked for', async () => {
      server.answer({ status: 429, headers: { 'retry-after': '7' } }, { status: 503 });
      client = new LokiPushClient({ url: server.url });
      const first = (await client.push(STREAMS, { maxRetries: 0 }).catch((e: unknown) => e)) as LokiPushError;
      const second = (await client.push(STREAMS, { maxRetries: 0 }).catch((e: unknown) => e)) as LokiPushError;
      expect(first).to.deep.include({ status: 429, retryable: true, attempts: 1, retryAfterMillis: 7000 });
      expect(first.failedStreams).to.deep.equal(STREAMS);
      expect(second).to.deep.include({ status: 503, retryable: true, attempts: 1, retryAfterMillis: undefined });
      expect(server.requests).to.have.length(2);
      const invalid = await client.push(STREAMS, { maxRetries: -1 }).catch((e: unknown) => e);
      expect(invalid).to.be.instanceOf(RangeError);
    });

    it('retries a connection reset', async () => {
      server.answer({ reset: true }, { reset: true });
      client = new LokiPushClient({ url: server.url });
      const fake = useFakeTimers();
      const result = await settleWithFakeTimers(fake, client.push(STREAMS));
      expect(result.attempts).to.equal(3);
    });

    it('times out a hung request and retries it', async () => {
      server.answer({ hang: true });
      client = new LokiPushClient({ url: server.url, timeoutMillis: 200 });
      const result = await client.push(STREAMS);
      expect(result).to.deep.include({ status: 204, attempts: 2 });
    });

    it('reports connection refused with the URL and no credentials', async () => {
      const closed = await ScriptedServer.start();
      const url = new URL(closed.url);
      await closed.close();
      client = new LokiPushClient({
        url: `http://u:secret@${url.host}`,
        retryDeadlineMillis: 1500,
        initialBackoffMillis: 100,
      });
      const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;
      expect(error).to.deep.include({ reason: 'network', retryable: true, status: undefined });
      expect(error.attempts).to.be.at.least(2);
      expect(error.message).to.include(`Could not reach Loki at http://${url.host}/loki/api/v1/push: ECONNREFUSED`);
      expect(error.message).not.to.include('secret');
    });

    it('halves a push Loki finds over its 4 MiB message limit instead of retrying it', async () => {
      server.answer({ status: 500, body: TOO_LARGE_BODY }, { status: 204 }, { status: 500, body: TOO_LARGE_BODY });
      const entries = Array.from({ length: 8 }, (_, i) => ({ timestampNanos: T0 + BigInt(i), line: `e${i}` }));
      client = new LokiPushClient({ url: server.url });
      const result = await client.push([{ labels: '{job="x"}', entries }]);
      // 8 entries → 500; 4 → 204; 4 → 500; 2 → 204; 2 → 204.
      const counts = server.requests.map((r) => decodePushRequest(snappyUncompress(r.body))[0].entries.length);
      expect(counts).to.deep.equal([8, 4, 4, 2, 2]);
      expect(result).to.deep.include({ entries: 8, requests: 3 });
    });

    it('fails (without retrying) a single entry that is still too large', async () => {
      server.answer({ status: 500, body: TOO_LARGE_BODY });
      client = new LokiPushClient({ url: server.url });
      const error = (await client
        .push([{ labels: '{a="b"}', entries: [{ timestampNanos: T0, line: 'x' }] }])
        .catch((e: unknown) => e)) as LokiPushError;
      expect(error).to.deep.include({ status: 500, retryable: false, attempts: 1 });
    });

    it('delivers the other requests of a split send when one fails, and says which failed', async () => {
      server.answer({ status: 204 }, { status: 400, body: 'entry too far behind' }, { status: 204 });
      const entries = Array.from({ length: 30 }, (_, i) => ({ timestampNanos: T0 + BigInt(i), line: 'z'.repeat(100) }));
      client = new LokiPushClient({ url: server.url, maxRequestBytes: 1200 });
      const error = (await client.push([{ labels: '{job="x"}', entries }]).catch((e: unknown) => e)) as LokiPushError;
      expect(server.requests.length).to.be.at.least(3);
      expect(error.status).to.equal(400);
      expect(error.entriesSent + error.entriesFailed).to.equal(30);
      expect(error.entriesFailed).to.be.greaterThan(0);
      expect(error.entriesSent).to.be.greaterThan(0);
    });

    it('stops on abort', async () => {
      server.answer({ hang: true });
      client = new LokiPushClient({ url: server.url });
      const controller = new AbortController();
      const pending = client.push(STREAMS, { signal: controller.signal }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 50));
      controller.abort();
      const error = (await pending) as LokiPushError;
      expect(error).to.deep.include({ reason: 'aborted', retryable: false });
    });

    it('refuses to push after close', async () => {
      client = new LokiPushClient({ url: server.url });
      await client.close();
      const error = await client.push(STREAMS).catch((e: unknown) => e);
      expect((error as Error).message).to.match(/after close/);
      client = undefined;
    });
  });
});

describe('LokiPushClient security', () => {
  let server: ScriptedServer;
  beforeEach(async () => {
    server = await ScriptedServer.start();
  });
  afterEach(async () => server.close());

  it('does not follow a redirect, and names where it pointed (without credentials)', async () => {
    server.answer({ status: 302, headers: { location: 'https://user:pw@elsewhere.example/loki/api/v1/push' } });
    const client = new LokiPushClient({ url: server.url });
    const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;
    await client.close();
    expect(error).to.deep.include({ status: 302, retryable: false, attempts: 1 });
    expect(error.message).to.equal(
      'Loki answered 302 redirecting to https://elsewhere.example/loki/api/v1/push; redirects are not followed: set url to the address that accepts pushes'
    );
    expect(server.requests).to.have.length(1);
  });

  it('never shows credentials or TLS keys when the client or its config is printed', async () => {
    const { inspect } = await import('node:util');
    const secrets = ['hunter2', 'sekret-token', 'PRIVATE KEY BODY', 'x-api-secret-value'];
    const clients = [
      new LokiPushClient({ url: `http://admin:${secrets[0]}@127.0.0.1:1` }),
      new LokiPushClient({
        url: 'http://127.0.0.1:1',
        bearerToken: secrets[1],
        key: `-----BEGIN PRIVATE KEY-----\n${secrets[2]}`,
      }),
      new LokiPushClient({ url: 'http://127.0.0.1:1', headers: { 'x-api-key': secrets[3] } }),
    ];
    for (const client of clients) {
      const printed = [
        inspect(client, { depth: 10, showHidden: true }),
        JSON.stringify(client.config),
        String(client.config.staticHeaders),
      ].join('\n');
      for (const secret of secrets) expect(printed).not.to.include(secret);
      expect(printed).to.include('[redacted]');
      await client.close();
    }
  });

  it('keeps credentials out of network errors and their cause', async () => {
    const client = new LokiPushClient({
      url: 'http://admin:hunter2@127.0.0.1:1',
      bearerToken: undefined,
      retryDeadlineMillis: 300,
      initialBackoffMillis: 50,
    });
    const error = (await client.push(STREAMS).catch((e: unknown) => e)) as LokiPushError;
    await client.close();
    const { inspect } = await import('node:util');
    expect(inspect(error, { depth: 10 })).not.to.include('hunter2');
    expect(error.reason).to.equal('network');
  });
});
