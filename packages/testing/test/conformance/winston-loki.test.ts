/**
 * Conformance with winston-loki 6 (protobuf + native snappy, or JSON): what it sends is read
 * back through the query API. Where it sends something Loki refuses or alters, the test asserts
 * Loki's behaviour and says so in its name (FINDING).
 */
import { expect } from 'chai';
import * as sinon from 'sinon';
import * as winston from 'winston';
import LokiTransport from 'winston-loki';
import { LokiTestServer } from '../../src';
import { queryRange } from '../helpers/http';

const TENANT = 'winston';
const CATEGORIZE = { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' };

interface Harness {
  logger: winston.Logger;
  transport: LokiTransport;
  errors: unknown[];
  /** Waits until the transport has taken `n` records, then closes it (final flush). */
  flush(n: number): Promise<void>;
}

describe('conformance: winston-loki', () => {
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

  function harness(options: Partial<ConstructorParameters<typeof LokiTransport>[0]>): Harness {
    const errors: unknown[] = [];
    const transport = new LokiTransport({
      host: loki.url,
      headers: { 'X-Scope-OrgID': TENANT },
      gracefulShutdown: false,
      batching: true,
      interval: 60,
      onConnectionError: (err) => errors.push(err),
      ...options,
    });
    let logged = 0;
    transport.on('logged', () => logged++);
    const logger = winston.createLogger({ transports: [transport] });
    return {
      logger,
      transport,
      errors,
      flush: async (n) => {
        // Bounded: winston hands records over within a few event-loop turns.
        for (let turn = 0; turn < 100 && logged < n; turn++) await new Promise((resolve) => setImmediate(resolve));
        expect(logged, 'records taken by the transport').to.equal(n);
        await transport.close();
      },
    };
  }

  const read = async (query: string): Promise<any> => (await queryRange(loki.url, query, TENANT, {}, CATEGORIZE)).json;

  it('protobuf: lines, labels and millisecond timestamps are stored and read back (the line is message + JSON of the rest, level included)', async () => {
    const before = Date.now();
    const { logger, flush } = harness({ labels: { app: 'shop' } });
    logger.info('order placed');
    logger.warn('stock low', { sku: 'A1' });
    await flush(2);
    expect(loki.requests[0]).to.include({ format: 'protobuf', status: 204 });
    expect(loki.requests[0].headers['content-type']).to.equal('application/x-protobuf');
    const json = await read('{app="shop"}');
    const streams = json.data.result.map((s: any) => s.stream);
    expect(streams).to.deep.include({ app: 'shop', level: 'info', service_name: 'shop' });
    expect(streams).to.deep.include({ app: 'shop', level: 'warn', service_name: 'shop' });
    const values = json.data.result.flatMap((s: any) => s.values);
    expect(values.map((v: any) => v[1]).sort()).to.deep.equal([
      'order placed {"level":"info"}',
      'stock low {"sku":"A1","level":"warn"}',
    ]);
    for (const [ts] of values) {
      expect(BigInt(ts) % 1_000_000n, 'whole milliseconds').to.equal(0n);
      expect(Number(BigInt(ts) / 1_000_000n)).to.be.within(before, Date.now());
    }
  });

  it('FINDING: protobuf mode drops winston meta; only JSON mode sends it, as structured metadata', async () => {
    const proto = harness({ labels: { app: 'proto' } });
    proto.logger.info('with meta', { user: 'ann' });
    await proto.flush(1);
    const json = harness({ labels: { app: 'json' }, json: true });
    json.logger.info('with meta', { user: 'ann', attempts: 2 });
    await json.flush(1);
    const protoEntry = (await read('{app="proto"}')).data.result[0].values[0];
    const jsonEntry = (await read('{app="json"}')).data.result[0].values[0];
    expect(protoEntry[2]).to.deep.equal({ structuredMetadata: { detected_level: 'info' } });
    expect(jsonEntry[1]).to.equal('with meta {"user":"ann","attempts":2,"level":"info"}');
    // Metadata named as a stream label (`level`) reads back as `level_extracted`, as Loki's
    // LabelsBuilder.Add renames it (pkg/logql/log/labels.go) before categorizing.
    expect(jsonEntry[2]).to.deep.equal({
      structuredMetadata: { user: 'ann', attempts: '2', level_extracted: 'info', detected_level: 'info' },
    });
    expect(loki.requests.filter((r) => r.kind === 'push').map((r) => r.format)).to.deep.equal(['protobuf', 'json']);
  });

  it('FINDING: protobuf mode does not escape label values; a quote makes Loki refuse the batch (400) and the logs are lost', async () => {
    const { logger, flush, errors } = harness({ labels: { app: 'say "hi"' } });
    logger.info('never stored');
    await flush(1);
    expect(loki.requests[0].status).to.equal(400);
    expect(loki.requests[0].responseBody).to.equal(
      `couldn't parse labels: 1:25: parse error: unexpected identifier "hi" in label set, expected "," or "}"`
    );
    expect((errors[0] as { statusCode?: number }).statusCode).to.equal(400);
    expect(loki.entries()).to.be.empty;
  });

  it('FINDING: protobuf mode does not check label names; a dotted name is refused (400 unexpected character inside braces)', async () => {
    const { logger, flush } = harness({ labels: { 'service.name': 'shop' } });
    logger.info('never stored');
    await flush(1);
    expect(loki.requests[0].status).to.equal(400);
    expect(loki.requests[0].responseBody).to.match(
      /^couldn't parse labels: 1:\d+: parse error: unexpected character inside braces: '\.'$/
    );
  });

  it('FINDING: without a labels option, protobuf mode sends job="undefined" (JSON mode leaves job out)', async () => {
    const proto = harness({});
    proto.logger.info('no labels');
    await proto.flush(1);
    const json = harness({ json: true });
    json.logger.info('no labels json');
    await json.flush(1);
    const streams = loki.entries({ tenant: TENANT }).map((e) => e.stream);
    expect(streams).to.deep.equal([
      '{job="undefined", level="info", service_name="undefined"}',
      '{level="info", service_name="unknown_service"}',
    ]);
  });

  it('FINDING: JSON mode meta values with quotes are stored still JSON-escaped (Loki keeps structured metadata raw)', async () => {
    const { logger, flush } = harness({ labels: { app: 'quotes' }, json: true });
    logger.info('quoted', { said: 'say "hi"' });
    await flush(1);
    const entry = (await read('{app="quotes"}')).data.result[0].values[0];
    expect(entry[1]).to.equal('quoted {"said":"say \\"hi\\"","level":"info"}');
    expect(entry[2].structuredMetadata.said).to.equal('say \\"hi\\"');
  });

  it('FINDING: two equal records in the same millisecond are stored once (Date.now() timestamps, Loki dedup)', async () => {
    clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const { logger, flush } = harness({ labels: { app: 'dup' } });
    logger.info('retrying');
    logger.info('retrying');
    await flush(2);
    expect(loki.requests[0].streams?.[0].entries).to.have.length(2);
    expect(loki.entries({ selector: '{app="dup"}' })).to.have.length(1);
    expect(loki.counters.entriesDeduplicated).to.equal(1);
  });
});
