/** The `cors` option: preflights of the push and query paths, headers on answers, refusals. */
import { expect } from 'chai';
import { encodePushRequest, snappyCompress } from '@otel-loki/push';
import { LokiTestServer } from '../src';
import { nowNs, request } from './helpers/http';

const PAGE = 'http://localhost:5173';
const OTHER = 'http://evil.example';

describe('LokiTestServer: cors', () => {
  let loki: LokiTestServer;
  afterEach(async () => {
    await loki?.close();
  });

  const preflight = (path: string, origin: string) =>
    request(`${loki.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-scope-orgid, authorization',
      },
    });
  const push = (origin?: string) =>
    request(loki.pushUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', ...(origin ? { origin } : {}) },
      body: Buffer.from(
        snappyCompress(
          encodePushRequest([{ labels: '{job="page"}', entries: [{ timestampNanos: nowNs(), line: 'x' }] }])
        )
      ),
    });

  it('answers the preflight of the push path for an allowed origin, without recording it', async () => {
    loki = await LokiTestServer.start({ cors: { origins: [PAGE] } });
    const answer = await preflight('/loki/api/v1/push', PAGE);
    expect(answer.status).to.equal(204);
    expect(answer.headers).to.include({
      'access-control-allow-origin': PAGE,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type, x-scope-orgid, authorization',
      vary: 'Origin',
    });
    expect(loki.requests).to.have.length(0);
    expect(loki.counters.pushRequests).to.equal(0);
  });

  it('adds the origin and exposes Retry-After on answers to an allowed page (pushes and queries)', async () => {
    loki = await LokiTestServer.start({ cors: { origins: [PAGE] } });
    const pushed = await push(PAGE);
    expect(pushed.status).to.equal(204);
    expect(pushed.headers).to.include({
      'access-control-allow-origin': PAGE,
      'access-control-expose-headers': 'retry-after',
    });
    const queried = await request(`${loki.url}/loki/api/v1/labels`, { headers: { origin: PAGE } });
    expect(queried.headers['access-control-allow-origin']).to.equal(PAGE);
    expect((await preflight('/loki/api/v1/query_range', PAGE)).headers['access-control-allow-methods']).to.equal(
      'GET, POST'
    );
    expect(loki.entries()).to.have.length(1);
  });

  it('gives another origin no CORS header (403 to its preflight), and with no option none at all', async () => {
    loki = await LokiTestServer.start({ cors: { origins: [PAGE] } });
    expect((await preflight('/loki/api/v1/push', OTHER)).status).to.equal(403);
    expect((await push(OTHER)).headers['access-control-allow-origin']).to.equal(undefined);
    await loki.close();

    loki = await LokiTestServer.start();
    expect((await push(PAGE)).headers['access-control-allow-origin']).to.equal(undefined);
    expect((await preflight('/loki/api/v1/push', PAGE)).status).to.not.equal(204);
  });

  it("'*' allows any origin", async () => {
    loki = await LokiTestServer.start({ cors: { origins: '*' } });
    expect((await preflight('/loki/api/v1/push', OTHER)).headers['access-control-allow-origin']).to.equal('*');
  });

  it('refuses a bad option by name, before listening', async () => {
    await expectRejected(LokiTestServer.start({ cors: { origins: ['http://x/path'] } }), /^cors\.origins\[0\]:/);
    await expectRejected(LokiTestServer.start({ cors: { origins: 'any' as never } }), /^cors\.origins:/);
    await expectRejected(LokiTestServer.start({ cors: { origins: '*', credentials: true } }), /credentials/);
  });
});

async function expectRejected(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err
  );
  expect(error).to.be.instanceOf(TypeError);
  expect((error as Error).message).to.match(pattern);
}
