/**
 * Conformance with pino-loki 3 (JSON over fetch), used in-process as a pino destination: what it
 * sends is read back through the query API. Where it sends something Loki refuses or alters,
 * the test asserts Loki's behaviour and says so in its name (FINDING).
 */
import { once } from 'node:events';
import { expect } from 'chai';
import pino from 'pino';
import { pinoLoki } from 'pino-loki';
import * as sinon from 'sinon';
import { LokiTestServer } from '../../src';
import { queryRange } from '../helpers/http';

const TENANT = 'pino';
const CATEGORIZE = { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' };

type PinoLokiOptions = Parameters<typeof pinoLoki>[0];

describe('conformance: pino-loki', () => {
  let loki: LokiTestServer;
  let consoleError: sinon.SinonStub | undefined;

  beforeEach(async () => {
    loki = await LokiTestServer.start({ authEnabled: true });
  });
  afterEach(async () => {
    consoleError?.restore();
    consoleError = undefined;
    await loki.close();
  });

  /** Logs through pino-loki (batching on), then ends the stream, which flushes and waits for the push. */
  async function logWith(options: Partial<PinoLokiOptions>, log: (logger: pino.Logger) => void): Promise<void> {
    const stream = pinoLoki({
      host: loki.url,
      headers: { 'X-Scope-OrgID': TENANT },
      batching: { interval: 60 },
      ...options,
    } as PinoLokiOptions);
    const logger = pino({ level: 'debug' }, stream);
    log(logger);
    const closed = once(stream, 'close');
    stream.end();
    await closed;
  }

  const read = async (query: string): Promise<any> => (await queryRange(loki.url, query, TENANT, {}, CATEGORIZE)).json;

  it('JSON: each record is its own stream, the line is the pino JSON without hostname, read back as sent', async () => {
    const before = Date.now();
    await logWith({ labels: { application: 'billing' } }, (logger) => {
      logger.info({ orderId: 7 }, 'invoice sent');
      logger.error('payment failed');
    });
    const [push] = loki.requests;
    expect(push).to.include({ format: 'json', status: 204 });
    expect(push.streams).to.have.length(2);
    const json = await read('{application="billing"}');
    const streams = json.data.result.map((s: any) => s.stream);
    expect(streams.map((s: any) => [s.level, s.application, s.service_name])).to.deep.equal([
      ['error', 'billing', 'billing'],
      ['info', 'billing', 'billing'],
    ]);
    expect(streams[0].hostname).to.be.a('string');
    const lines = json.data.result.flatMap((s: any) => s.values.map((v: any) => JSON.parse(v[1])));
    expect(lines.map((l: any) => l.msg).sort()).to.deep.equal(['invoice sent', 'payment failed']);
    expect(lines.find((l: any) => l.msg === 'invoice sent'))
      .to.include({ orderId: 7, level: 30 })
      .and.not.have.property('hostname');
    for (const [ts] of json.data.result.flatMap((s: any) => s.values)) {
      expect(Number(BigInt(ts) / 1_000_000n)).to.be.within(before, Date.now());
    }
  });

  it('sends the `meta` key as structured metadata, non-strings as JSON text (FINDING: an array arrives with its quotes still escaped)', async () => {
    await logWith({ labels: { application: 'meta' } }, (logger) =>
      logger.info({ meta: { traceId: 'abc', attempt: 2, tags: ['a'] } }, 'with meta')
    );
    const entry = (await read('{application="meta"}')).data.result[0].values[0];
    expect(entry[2].structuredMetadata).to.deep.equal({
      traceId: 'abc',
      attempt: '2',
      tags: '[\\"a\\"]',
      detected_level: 'info',
    });
    expect(JSON.parse(entry[1]).meta).to.deep.equal({ traceId: 'abc', attempt: 2, tags: ['a'] });
  });

  it('FINDING: pino level 40 is sent as the label level="warning"; Loki derives detected_level "warn" from it', async () => {
    await logWith({ labels: { application: 'levels' } }, (logger) => logger.warn('careful'));
    const result = (await read('{application="levels"}')).data.result[0];
    expect(result.stream.level).to.equal('warning');
    expect(result.values[0][2].structuredMetadata.detected_level).to.equal('warn');
  });

  it('FINDING: a meta value with quotes or a newline is stored still JSON-escaped (Loki keeps structured metadata raw)', async () => {
    await logWith({ labels: { application: 'escapes' } }, (logger) =>
      logger.info({ meta: { said: 'say "hi"\nbye' } }, 'quoted')
    );
    const entry = (await read('{application="escapes"}')).data.result[0].values[0];
    expect(entry[2].structuredMetadata.said).to.equal('say \\"hi\\"\\nbye');
  });

  it('FINDING: a non-string label value is stored as its JSON text (Loki reads it raw)', async () => {
    await logWith({ labels: { application: 'raw', port: 8080 } as unknown as Record<string, string> }, (logger) =>
      logger.info('numeric label')
    );
    expect(loki.entries({ selector: '{application="raw"}' })[0].labels.port).to.equal('8080');
  });

  it('FINDING: propsToLabels copies property names as label names; a dotted one makes Loki refuse the push (400), reported only on console', async () => {
    consoleError = sinon.stub(console, 'error');
    await logWith({ labels: { application: 'props' }, propsToLabels: ['trace.id'] }, (logger) =>
      logger.info({ 'trace.id': 'abc' }, 'lost')
    );
    expect(loki.requests[0].status).to.equal(400);
    expect(loki.requests[0].responseBody).to.match(
      /^couldn't parse labels: 1:\d+: parse error: unexpected character inside braces: '\.'$/
    );
    expect(loki.entries()).to.be.empty;
    expect(consoleError.calledOnce).to.equal(true);
    expect(String(consoleError.firstCall.args[0])).to.contain("couldn't parse labels");
  });

  it('FINDING: a 429 from Loki is not retried; the batch is dropped after one attempt', async () => {
    consoleError = sinon.stub(console, 'error');
    loki.failNext({ status: 429, retryAfterSeconds: 1 });
    await logWith({ labels: { application: 'limited' } }, (logger) => logger.info('dropped'));
    expect(loki.requests.filter((r) => r.kind === 'push')).to.have.length(1);
    expect(loki.entries()).to.be.empty;
  });
});
