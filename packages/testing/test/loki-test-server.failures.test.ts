/** Injected failures: statuses with or without Retry-After, resets, delays, hangs, predicates. */
import { expect } from 'chai';
import * as sinon from 'sinon';
import { LokiTestServer } from '../src';
import type { RequestInfo } from '../src';
import { getJson, nowNs, pushProto } from './helpers/http';

const DELAY_MILLIS = 5000;

describe('LokiTestServer: failure injection', () => {
  let loki: LokiTestServer;
  let clock: sinon.SinonFakeTimers | undefined;

  beforeEach(async () => {
    loki = await LokiTestServer.start({ authEnabled: true });
  });
  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    await loki.close();
  });

  const push = (line: string, tenant = 't'): ReturnType<typeof pushProto> =>
    pushProto(loki.url, [{ labels: '{job="x"}', entries: [{ timestampNanos: nowNs(), line }] }], tenant);

  /** Resolves when the server has read the next push request (a predicate that never fails it). */
  const nextArrival = (): Promise<void> =>
    new Promise((resolve) =>
      loki.failWhen(
        () => {
          resolve();
          return false;
        },
        { status: 599 },
        { times: 1 }
      )
    );

  it('fails the next pushes in order, then handles requests normally again', async () => {
    loki.failNext([
      { status: 429, retryAfterSeconds: 1 },
      { status: 503, body: 'overloaded' },
    ]);
    const first = await push('one');
    const second = await push('two');
    const third = await push('three');
    expect([first.status, first.headers['retry-after']]).to.deep.equal([429, '1']);
    expect([second.status, second.body, second.headers['retry-after']]).to.deep.equal([503, 'overloaded', undefined]);
    expect(third.status).to.equal(204);
    expect(loki.entries().map((e) => e.line)).to.deep.equal(['three']);
    expect(loki.requests.map((r) => r.injected?.status)).to.deep.equal([429, 503, undefined]);
    expect(loki.counters.injected.status).to.equal(2);
  });

  it('resets the connection without answering', async () => {
    loki.failNext({ reset: true });
    const error = await push('lost').then(
      () => undefined,
      (err: NodeJS.ErrnoException) => err
    );
    expect(error?.code).to.be.oneOf(['ECONNRESET', 'EPIPE']);
    expect(loki.entries()).to.be.empty;
    expect(loki.counters.injected.reset).to.equal(1);
  });

  it('delays an answer by delayMillis (fake timers), then answers the given status', async () => {
    loki.failNext({ delayMillis: DELAY_MILLIS, status: 503 });
    const arrived = nextArrival();
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let answered = false;
    const answer = push('late').then((a) => {
      answered = true;
      return a;
    });
    await arrived;
    await clock.tickAsync(DELAY_MILLIS - 1);
    expect(answered).to.equal(false);
    await clock.tickAsync(1);
    expect((await answer).status).to.equal(503);
  });

  it('delays and then handles the request normally when only delayMillis is given', async () => {
    loki.failNext({ delayMillis: DELAY_MILLIS });
    const arrived = nextArrival();
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const answer = push('slow but stored');
    await arrived;
    await clock.tickAsync(DELAY_MILLIS);
    expect((await answer).status).to.equal(204);
    expect(loki.entries().map((e) => e.line)).to.deep.equal(['slow but stored']);
  });

  it('keeps a hung request open until the server closes', async () => {
    loki.failNext({ hang: true });
    const arrived = nextArrival();
    const outcome = push('hung').then(
      (a) => `answered ${a.status}`,
      (err: NodeJS.ErrnoException) => `failed ${err.code ?? err.message}`
    );
    await arrived;
    expect(loki.requests[0].status).to.equal(undefined);
    await loki.close();
    expect(await outcome).to.match(/^failed (ECONNRESET|socket hang up)/);
    loki = await LokiTestServer.start();
  });

  it('fails requests matching a predicate, a limited number of times', async () => {
    loki.failWhen((request: RequestInfo) => request.tenant === 'unlucky', { status: 500 }, { times: 2 });
    const statuses = [];
    for (const tenant of ['unlucky', 'lucky', 'unlucky', 'unlucky']) statuses.push((await push(tenant, tenant)).status);
    expect(statuses).to.deep.equal([500, 204, 500, 204]);
  });

  it('applies failNext to pushes only, and failWhen to any request', async () => {
    loki.failNext({ status: 500 });
    const query = await getJson(loki.url, '/loki/api/v1/labels', {}, { 'x-scope-orgid': 't' });
    expect(query.status).to.equal(200);
    expect((await push('a')).status).to.equal(500);
    loki.failWhen((r) => r.kind === 'query', { status: 502 });
    expect((await getJson(loki.url, '/loki/api/v1/labels', {}, { 'x-scope-orgid': 't' })).status).to.equal(502);
    loki.clearFailures();
    expect((await getJson(loki.url, '/loki/api/v1/labels', {}, { 'x-scope-orgid': 't' })).status).to.equal(200);
  });

  it('refuses invalid failure specifications with errors naming the field', () => {
    expect(() => loki.failNext({})).to.throw(TypeError, /give status, reset, hang or delayMillis/);
    expect(() => loki.failNext({ status: 200, reset: true })).to.throw(TypeError, /at most one/);
    expect(() => loki.failNext([{ status: 1000 }])).to.throw(RangeError, /failNext\[0\]\.status/);
    expect(() => loki.failNext({ status: 503, retryAfterSeconds: -1 })).to.throw(RangeError, /retryAfterSeconds/);
    expect(() => loki.failWhen(() => true, { status: 500 }, { times: 0 })).to.throw(RangeError, /times/);
  });
});
