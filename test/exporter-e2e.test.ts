/**
 * End to end: LoggerProvider + BatchLogRecordProcessor + LokiLogRecordExporter → Loki → query
 * back. Runs against the embedded LokiTestServer, or against a real Loki when LOKI_URL is set
 * (then LOKI_TENANT, default `e2e`, is the tenant; auth must accept it).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LokiLogRecordExporter } from '@otel-loki/exporter';
import { LokiTestServer } from '@otel-loki/testing';

const REAL_LOKI = process.env.LOKI_URL;
const TENANT = process.env.LOKI_TENANT ?? 'e2e';
const SEVERITY_ERROR = 17;
/** Real Loki makes pushed data queryable within a few seconds; bounded polling. */
const QUERY_ATTEMPTS = 20;
const QUERY_INTERVAL_MILLIS = 500;

interface QueriedEntry {
  labels: Record<string, string>;
  line: string;
  metadata: Record<string, string>;
  timestampNanos: bigint;
}

async function queryLoki(url: string, selector: string, expected: number): Promise<QueriedEntry[]> {
  const params = new URLSearchParams({
    query: selector,
    limit: '1000',
    direction: 'forward',
    start: String(BigInt(Date.now() - 3_600_000) * 1_000_000n),
  });
  let found: QueriedEntry[] = [];
  for (let attempt = 0; attempt < QUERY_ATTEMPTS && found.length < expected; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, QUERY_INTERVAL_MILLIS));
    const res = await fetch(`${url}/loki/api/v1/query_range?${params}`, {
      headers: { 'X-Scope-OrgID': TENANT, 'X-Loki-Response-Encoding-Flags': 'categorize-labels' },
    });
    const body = (await res.json()) as {
      data: {
        result: Array<{
          stream: Record<string, string>;
          values: Array<[string, string, { structuredMetadata?: Record<string, string> }?]>;
        }>;
      };
    };
    found = body.data.result.flatMap((r) =>
      r.values.map(([ts, line, extra]) => ({
        labels: r.stream,
        line,
        metadata: extra?.structuredMetadata ?? {},
        timestampNanos: BigInt(ts),
      }))
    );
  }
  return found;
}

describe('exporter end to end' + (REAL_LOKI ? ` (real Loki at ${REAL_LOKI})` : ' (LokiTestServer)'), () => {
  let server: LokiTestServer | undefined;
  let url: string;

  before(async () => {
    if (REAL_LOKI) url = REAL_LOKI.replace(/\/$/, '');
    else {
      server = await LokiTestServer.start({ port: 0 });
      url = server.url;
    }
  });
  after(async () => server?.close());

  async function entries(selector: string, expected: number): Promise<QueriedEntry[]> {
    if (server === undefined) return queryLoki(url, selector, expected);
    return server
      .entries({ selector })
      .map((e) => ({ labels: e.labels, line: e.line, metadata: e.metadata, timestampNanos: e.timestampNanos }));
  }

  it('records come back as one stream with Loki OTLP labels, metadata, lines, distinct same-ms entries', async () => {
    const service = `e2e-${randomUUID().slice(0, 8)}`;
    const exporter = new LokiLogRecordExporter({ url, tenantId: TENANT });
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'k8s.namespace.name': 'shop', 'host.name': 'h1' }),
      processors: [new BatchLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('e2e-scope', '1.0.0');
    const timestamp = new Date(Date.now() - 1000);

    for (let i = 0; i < 3; i++) {
      logger.emit({
        body: 'same line, same millisecond',
        severityNumber: SEVERITY_ERROR,
        severityText: 'ERROR',
        attributes: { 'http.status': 500 },
        timestamp,
      });
    }
    logger.emit({ body: { event: 'checkout', items: 2 }, timestamp });
    await provider.shutdown();

    const found = await entries(`{service_name="${service}"}`, 4);
    expect(found).to.have.length(4);
    expect(found[0].labels).to.deep.include({ service_name: service, k8s_namespace_name: 'shop' });
    expect(found.map((e) => e.line).sort()).to.deep.equal([
      'same line, same millisecond',
      'same line, same millisecond',
      'same line, same millisecond',
      '{"event":"checkout","items":2}',
    ]);
    const error = found.find((e) => e.line.startsWith('same'));
    expect(error?.metadata).to.include({
      severity_text: 'ERROR',
      severity_number: '17',
      http_status: '500',
      host_name: 'h1',
      scope_name: 'e2e-scope',
      scope_version: '1.0.0',
    });
    expect(new Set(found.map((e) => e.timestampNanos)).size).to.equal(4);
    expect(exporter.stats.exportsSucceeded).to.equal(1);
  });
});
