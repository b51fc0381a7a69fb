/**
 * With the OpenTelemetry JS SDK: LoggerProvider with BatchLogRecordProcessor and
 * SimpleLogRecordProcessor, NodeSDK, and the real push client against a loopback server.
 * Only APIs common to the 2.x and 3.x lines are used, so test/otel3 runs this file too.
 */
import { expect } from 'chai';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchLogRecordProcessor, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { decodePushRequest, snappyUncompress } from '@otel-loki/push';
import type { PushStream } from '@otel-loki/push';
import { exporterWithFake } from './helpers/fake-client';
import { LokiLogRecordExporter } from '../src/loki-log-record-exporter';

const SEVERITY_WARN = 13;
const RESOURCE = resourceFromAttributes({
  'service.name': 'checkout',
  'k8s.namespace.name': 'shop',
  'host.name': 'h1',
});
/** A minute ago, with a millisecond part: inside Loki's window whenever the test runs. */
const TIMESTAMP = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000 + 678);

/** The 3.x line has `logs` in @opentelemetry/api; the 2.x line in @opentelemetry/api-logs. */
function globalLogs(): { getLogger(name: string): { emit(record: Record<string, unknown>): void } } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require('@opentelemetry/api') as { logs?: ReturnType<typeof globalLogs> };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return api.logs ?? (require('@opentelemetry/api-logs') as { logs: ReturnType<typeof globalLogs> }).logs;
}

describe('with the OpenTelemetry SDK', () => {
  it('LoggerProvider + BatchLogRecordProcessor: records land as one stream, exact timestamps', async () => {
    const { exporter, client } = exporterWithFake();
    const provider = new LoggerProvider({
      resource: RESOURCE,
      processors: [new BatchLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('orders', '2.0.0');

    logger.emit({
      body: 'order placed',
      severityNumber: SEVERITY_WARN,
      severityText: 'WARN',
      attributes: { 'order.id': 42 },
      timestamp: TIMESTAMP,
    });
    logger.emit({ body: 'order placed', timestamp: TIMESTAMP });
    await provider.forceFlush();

    expect(client.streams).to.have.length(1);
    const stream = client.streams[0];
    expect(stream.labels).to.equal('{k8s_namespace_name="shop", service_name="checkout"}');
    const nanos = BigInt(TIMESTAMP.getTime()) * 1_000_000n;
    expect(stream.entries.map((e) => e.timestampNanos)).to.deep.equal([nanos, nanos + 1n]);
    const metadata = Object.fromEntries((stream.entries[0].metadata ?? []).map((p) => [p.name, p.value]));
    expect(metadata).to.include({
      order_id: '42',
      severity_number: '13',
      severity_text: 'WARN',
      host_name: 'h1',
      scope_name: 'orders',
      scope_version: '2.0.0',
    });
    expect(metadata.observed_timestamp).to.match(/^\d{19}$/);
    await provider.shutdown();
    expect(client.closed).to.equal(true);
  });

  it('LoggerProvider + SimpleLogRecordProcessor: one push per record', async () => {
    const { exporter, client } = exporterWithFake();
    const provider = new LoggerProvider({
      resource: RESOURCE,
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('simple');

    logger.emit({ body: 'one' });
    logger.emit({ body: 'two' });
    await provider.forceFlush();
    await exporter.forceFlush();

    expect(client.pushes.map((p) => p.streams[0].entries[0].line)).to.deep.equal(['one', 'two']);
    await provider.shutdown();
  });

  it('NodeSDK with logRecordProcessors', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports
    const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
    const { exporter, client } = exporterWithFake();
    const sdk = new NodeSDK({
      resource: RESOURCE,
      logRecordProcessors: [new BatchLogRecordProcessor({ exporter })],
      instrumentations: [],
      traceExporter: undefined,
      autoDetectResources: false,
    });
    sdk.start();
    try {
      globalLogs().getLogger('node-sdk').emit({ body: 'through the SDK' });
    } finally {
      await sdk.shutdown();
    }

    expect(client.streams.flatMap((s) => s.entries.map((e) => e.line))).to.deep.equal(['through the SDK']);
    expect(client.streams[0].labels).to.include('service_name="checkout"');
    expect(client.closed).to.equal(true);
  });

  describe('with the real push client', () => {
    let server: http.Server;
    let url: string;
    const received: Array<{ tenant: string | undefined; streams: PushStream[] }> = [];

    before(async () => {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = snappyUncompress(new Uint8Array(Buffer.concat(chunks)));
          received.push({
            tenant: req.headers['x-scope-orgid'] as string | undefined,
            streams: decodePushRequest(body),
          });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('pushes snappy protobuf to /loki/api/v1/push with the tenant header', async () => {
      const exporter = new LokiLogRecordExporter({ url, tenantId: 'team-a' });
      const provider = new LoggerProvider({
        resource: RESOURCE,
        processors: [new BatchLogRecordProcessor({ exporter })],
      });

      provider.getLogger('real').emit({ body: { msg: 'hi', n: 1 }, timestamp: TIMESTAMP });
      await provider.shutdown();

      expect(received).to.have.length(1);
      expect(received[0].tenant).to.equal('team-a');
      expect(received[0].streams[0].labels).to.equal('{k8s_namespace_name="shop", service_name="checkout"}');
      expect(received[0].streams[0].entries[0].line).to.equal('{"msg":"hi","n":1}');
    });
  });
});
