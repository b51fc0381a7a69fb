/**
 * End to end through the Node SDK: NodeSDK + BatchLogRecordProcessor + LokiLogRecordExporter →
 * LokiTestServer, with trace context from an active span carried into Loki's metadata.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { logs } from '@opentelemetry/api-logs';
import { trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LokiLogRecordExporter } from '@otel-loki/exporter';
import { LokiTestServer } from '@otel-loki/testing';

describe('exporter end to end through NodeSDK (LokiTestServer)', () => {
  let server: LokiTestServer;
  const savedEnv = { ...process.env };

  before(async () => {
    server = await LokiTestServer.start({ port: 0 });
    // No OTLP traces/metrics exporters: nothing else should try to reach localhost:4318.
    process.env.OTEL_TRACES_EXPORTER = 'none';
    process.env.OTEL_METRICS_EXPORTER = 'none';
    process.env.OTEL_LOGS_EXPORTER = 'none';
  });
  after(async () => {
    process.env = savedEnv;
    await server.close();
  });

  it("delivers logs emitted through the logs API, with the active span's trace context", async () => {
    const service = `nodesdk-${randomUUID().slice(0, 8)}`;
    const exporter = new LokiLogRecordExporter({ url: server.url });
    const sdk = new NodeSDK({
      resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test' }),
      logRecordProcessors: [new BatchLogRecordProcessor({ exporter })],
      // A tracer provider that records spans but exports none, so logs carry trace context.
      spanProcessors: [new NoopSpanProcessor()],
      instrumentations: [],
      autoDetectResources: false,
    });
    sdk.start();
    try {
      const logger = logs.getLogger('checkout', '2.0.0');
      let traceId = '';
      let spanId = '';
      trace.getTracer('t').startActiveSpan('handle', (span) => {
        traceId = span.spanContext().traceId;
        spanId = span.spanContext().spanId;
        logger.emit({ body: 'inside a span', severityText: 'INFO', severityNumber: 9 });
        span.end();
      });
      logger.emit({ body: 'outside a span', attributes: { 'order.id': 42 } });
      await sdk.shutdown();

      const found = server.entries({ selector: `{service_name="${service}"}` });
      expect(found.map((e) => e.line)).to.have.members(['inside a span', 'outside a span']);
      expect(found[0].labels).to.include({ service_name: service, deployment_environment_name: 'test' });
      const inside = found.find((e) => e.line === 'inside a span')!;
      expect(traceId).to.match(/^[0-9a-f]{32}$/);
      expect(inside.metadata).to.include({
        trace_id: traceId,
        span_id: spanId,
        scope_name: 'checkout',
        scope_version: '2.0.0',
        severity_text: 'INFO',
      });
      expect(found.find((e) => e.line === 'outside a span')!.metadata).to.include({ order_id: '42' });
    } finally {
      await sdk.shutdown().catch(() => undefined);
    }
  });
});
