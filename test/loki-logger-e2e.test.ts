/**
 * End to end: push with LokiLogger, read back through Loki's HTTP query API. Runs against the
 * embedded LokiTestServer (auth on) by default, and unchanged against a real Loki 3.x when
 * LOKI_URL is set (LOKI_TENANT, default `e2e`, is sent as X-Scope-OrgID). The same assertions
 * must hold on both: that is how the test server's fidelity is checked.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { LokiLogger } from '@otel-loki/push';
import type { LokiClientOptions } from '@otel-loki/push';
import { LokiTestServer } from '@otel-loki/testing';

const REAL_LOKI = process.env.LOKI_URL?.replace(/\/$/, '');
const TENANT = process.env.LOKI_TENANT ?? 'e2e';
/** A real Loki makes pushed data queryable within moments; polling is bounded. */
const QUERY_ATTEMPTS = 20;
const QUERY_INTERVAL_MILLIS = 500;
const NANOS_PER_MILLI = 1_000_000n;

interface Queried {
  labels: Record<string, string>;
  timestampNanos: bigint;
  line: string;
  metadata: Record<string, string>;
}

async function getJson(
  url: string,
  path: string,
  params: Record<string, string>,
  headers: Record<string, string> = {}
): Promise<any> {
  const response = await fetch(`${url}${path}?${new URLSearchParams(params)}`, {
    headers: { 'X-Scope-OrgID': TENANT, ...headers },
  });
  expect(response.status, `${path} answered ${response.status}`).to.equal(200);
  return response.json();
}

/** query_range with categorize-labels, polled until `expected` entries are visible. */
async function query(url: string, selector: string, expected: number): Promise<Queried[]> {
  const params = {
    query: selector,
    limit: '1000',
    direction: 'forward',
    start: String(BigInt(Date.now() - 3_600_000) * NANOS_PER_MILLI),
    end: String(BigInt(Date.now() + 60_000) * NANOS_PER_MILLI),
  };
  let found: Queried[] = [];
  for (let attempt = 0; attempt < QUERY_ATTEMPTS && found.length < expected; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, QUERY_INTERVAL_MILLIS));
    const body = await getJson(url, '/loki/api/v1/query_range', params, {
      'X-Loki-Response-Encoding-Flags': 'categorize-labels',
    });
    expect(body.status).to.equal('success');
    expect(body.data.resultType).to.equal('streams');
    found = body.data.result.flatMap(
      (stream: {
        stream: Record<string, string>;
        values: Array<[string, string, { structuredMetadata?: Record<string, string> }]>;
      }) =>
        stream.values.map(([ts, line, extra]) => ({
          labels: stream.stream,
          timestampNanos: BigInt(ts),
          line,
          metadata: extra?.structuredMetadata ?? {},
        }))
    );
  }
  return found.sort((a, b) => (a.timestampNanos < b.timestampNanos ? -1 : a.timestampNanos > b.timestampNanos ? 1 : 0));
}

describe('LokiLogger end to end' + (REAL_LOKI ? ` (real Loki at ${REAL_LOKI})` : ' (LokiTestServer)'), () => {
  let server: LokiTestServer | undefined;
  let url: string;
  let run: string;
  const loggers: LokiLogger[] = [];

  before(async () => {
    if (REAL_LOKI) {
      url = REAL_LOKI;
    } else {
      server = await LokiTestServer.start({ authEnabled: true });
      url = server.url;
    }
  });
  beforeEach(() => {
    run = randomUUID().slice(0, 8);
  });
  afterEach(async () => {
    await Promise.all(loggers.splice(0).map((logger) => logger.close()));
  });
  after(async () => {
    await server?.close();
  });

  const logger = (options: Partial<LokiClientOptions> = {}): LokiLogger => {
    const created = new LokiLogger({ url, tenantId: TENANT, ...options });
    loggers.push(created);
    return created;
  };

  it('sendLog: labels, line, nanosecond timestamp and structured metadata come back as sent', async () => {
    const timestamp = BigInt(Date.now() - 1000) * NANOS_PER_MILLI + 123_456n;
    const result = await logger().sendLog({
      message: 'order 42 placed',
      labels: { service_name: 'e2e-shop', run, env: 'café' },
      metadata: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', note: 'say "hi"\nbye' },
      timestamp,
    });
    expect(result.status).to.equal(204);
    const [entry, ...rest] = await query(url, `{run="${run}"}`, 1);
    expect(rest).to.be.empty;
    expect(entry.labels).to.deep.equal({ service_name: 'e2e-shop', run, env: 'café' });
    expect(entry.line).to.equal('order 42 placed');
    expect(entry.timestampNanos).to.equal(timestamp);
    expect(entry.metadata).to.include({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', note: 'say "hi"\nbye' });
  });

  it('sendBatch: entries grouped by labels come back in time order, per stream', async () => {
    const base = BigInt(Date.now() - 5000) * NANOS_PER_MILLI;
    await logger().sendBatch(
      [
        { message: 'third', labels: { service_name: 'e2e-batch', run, part: 'a' }, timestamp: base + 2n },
        { message: 'first', labels: { service_name: 'e2e-batch', run, part: 'a' }, timestamp: base },
        { message: 'other', labels: { service_name: 'e2e-batch', run, part: 'b' }, timestamp: base + 1n },
      ],
      { groupByLabels: true }
    );
    const found = await query(url, `{run="${run}"}`, 3);
    expect(found.map((e) => [e.labels.part, e.line])).to.deep.equal([
      ['a', 'first'],
      ['b', 'other'],
      ['a', 'third'],
    ]);
  });

  it('a stream without service_name gets one from the discovery labels (app), as Loki 3.x does', async () => {
    await logger().sendLog({ message: 'discovered', labels: { app: `e2e-app-${run}`, run } });
    const [entry] = await query(url, `{run="${run}"}`, 1);
    expect(entry.labels).to.deep.equal({ app: `e2e-app-${run}`, run, service_name: `e2e-app-${run}` });
  });

  it('the same timestamp and line sent twice is stored once (Loki deduplication)', async () => {
    const entry = {
      message: 'retried',
      labels: { service_name: 'e2e-dedup', run },
      timestamp: BigInt(Date.now()) * NANOS_PER_MILLI,
    };
    await logger().sendLog(entry);
    await logger().sendLog(entry);
    // Both pushes were answered before this query: the ingester has already dropped the duplicate.
    const found = await query(url, `{run="${run}"}`, 1);
    expect(found.map((e) => e.line)).to.deep.equal(['retried']);
  });

  it('JSON format: structured metadata with a quote is stored with its JSON escape (Loki keeps JSON metadata raw)', async () => {
    await logger({ format: 'json' }).sendLog({
      message: 'json line "quoted"',
      labels: { service_name: 'e2e-json', run },
      metadata: { plain: 'ok', quoted: 'a"b' },
    });
    const [entry] = await query(url, `{run="${run}"}`, 1);
    expect(entry.line).to.equal('json line "quoted"');
    expect(entry.metadata).to.include({ plain: 'ok', quoted: 'a\\"b' });
  });

  it('line filters and the label values API see what was pushed', async () => {
    await logger().sendBatch([
      { message: 'GET /health 200', labels: { service_name: 'e2e-filter', run } },
      { message: 'GET /cart 500', labels: { service_name: 'e2e-filter', run } },
    ]);
    const errors = await query(url, `{run="${run}"} |= "500"`, 1);
    expect(errors.map((e) => e.line)).to.deep.equal(['GET /cart 500']);
    const values = await getJson(url, '/loki/api/v1/label/run/values', {
      start: String(BigInt(Date.now() - 600_000) * NANOS_PER_MILLI),
    });
    expect(values.data).to.include(run);
  });
});
