/**
 * `npm run demo`: the main job in one command. Two instances of a small shop service
 * (`scripts/demo-service.js`: node:http + pino, no OpenTelemetry code) run under
 * `node --require @otel-loki/exporter/register`, take a few seconds of load, get SIGTERM; then
 * Loki is queried through its HTTP API and what landed is printed: streams and labels, a
 * sample of entries with structured metadata, sent / stored / dropped, the suggested LogQL run
 * on this run's streams (errors by service, one request's logs by trace_id, volume by level)
 * with what it returns, and the LogQL to paste into Grafana.
 *
 * Loki is an embedded LokiTestServer unless `LOKI_URL` is set (`LOKI_TENANT` for a tenant).
 * `DEMO_LOAD_SECONDS` sets the load's duration (default 4).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { LokiTestServer } from '@otel-loki/testing';

const LOAD_SECONDS = Number(process.env.DEMO_LOAD_SECONDS ?? 4);
const CONCURRENCY = 8;
const CHILD_START_TIMEOUT_MILLIS = 15_000;
const CHILD_EXIT_TIMEOUT_MILLIS = 20_000;
const SAMPLE_ROWS = 8;
const NAMESPACE = 'otel-loki-demo';
const RUN_ID = Date.now().toString(36);
const TENANT = process.env.LOKI_TENANT;
const SERVICES = ['shop-frontend', 'shop-checkout'] as const;

const useColor = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const paint = (code: number) => (s: string) => (useColor ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = paint(1);
const dim = paint(2);
const red = paint(31);
const green = paint(32);
const yellow = paint(33);
const cyan = paint(36);
const LEVEL_COLORS: Record<string, (s: string) => string> = { error: red, warn: yellow, info: green, debug: dim };

interface Service {
  name: (typeof SERVICES)[number];
  child: ChildProcess;
  port: number;
  exited: Promise<{ logged: number; code: number | null; signal: string | null; stderr: string }>;
}

interface QueryStream {
  stream: Record<string, string>;
  values: Array<[string, string, { structuredMetadata?: Record<string, string> }?]>;
}

/** Starts one service under the register entry; resolves when it listens. */
function startService(name: Service['name'], lokiUrl: string): Promise<Service> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    OTEL_EXPORTER_LOKI_ENDPOINT: lokiUrl,
    OTEL_EXPORTER_LOKI_TENANT_ID: TENANT,
    OTEL_SERVICE_NAME: name,
    OTEL_RESOURCE_ATTRIBUTES: `service.namespace=${NAMESPACE},service.instance.id=${name}-${RUN_ID},deployment.environment.name=local,service.version=1.0.0`,
    OTEL_BLRP_SCHEDULE_DELAY: '500',
  };
  const script = path.join(__dirname, 'demo-service.js');
  const child = spawn(process.execPath, ['--require', '@otel-loki/exporter/register', script], {
    cwd: path.join(__dirname, '..'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ logged: number; code: number | null; signal: string | null; stderr: string }>(
    (resolve) => {
      child.on('close', (code, signal) =>
        resolve({ logged: Number(/^logged (\d+)$/m.exec(stdout)?.[1] ?? 0), code, signal, stderr })
      );
    }
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${CHILD_START_TIMEOUT_MILLIS} ms: ${stderr}`)),
      CHILD_START_TIMEOUT_MILLIS
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /^listening (\d+)$/m.exec(stdout)?.[1];
      if (port !== undefined) {
        clearTimeout(timer);
        resolve({ name, child, port: Number(port), exited });
      }
    });
    void exited.then((result) =>
      reject(new Error(`${name} exited early (${result.code ?? result.signal}): ${result.stderr}`))
    );
  });
}

/** Sends requests from `CONCURRENCY` loops for `LOAD_SECONDS`; counts answers by status. */
async function generateLoad(frontend: Service, checkout: Service): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const until = Date.now() + LOAD_SECONDS * 1000;
  const loop = async (worker: number): Promise<void> => {
    for (let i = 0; Date.now() < until; i++) {
      const user = `u-${(worker * 7 + i) % 23}`;
      const target =
        i % 5 === 4
          ? `${checkout.port}/checkout`
          : i % 41 === 40
            ? `${frontend.port}/admin`
            : i % 2 === 0
              ? `${frontend.port}/products`
              : `${frontend.port}/cart?item=${i}`;
      const sep = target.includes('?') ? '&' : '?';
      const response = await fetch(`http://127.0.0.1:${target}${sep}user=${user}`);
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, worker) => loop(worker)));
  return statuses;
}

async function queryRange(url: string, query: string, startMillis: number): Promise<QueryStream[]> {
  const params = new URLSearchParams({
    query,
    start: `${startMillis}000000`,
    end: `${Date.now() + 60_000}000000`,
    limit: '5000',
    direction: 'forward',
  });
  // Structured metadata apart from the stream labels (Loki 3's categorize-labels encoding).
  const headers: Record<string, string> = { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' };
  if (TENANT) headers['X-Scope-OrgID'] = TENANT;
  const response = await fetch(`${url.replace(/\/+$/, '')}/loki/api/v1/query_range?${params}`, { headers });
  if (!response.ok)
    throw new Error(`query_range answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return ((await response.json()) as { data: { result: QueryStream[] } }).data.result;
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant metric query (`/loki/api/v1/query`) at `timeMillis`. */
async function queryInstant(url: string, query: string, timeMillis: number): Promise<VectorSample[]> {
  const params = new URLSearchParams({ query, time: `${timeMillis}000000` });
  const headers: Record<string, string> = {};
  if (TENANT) headers['X-Scope-OrgID'] = TENANT;
  const response = await fetch(`${url.replace(/\/+$/, '')}/loki/api/v1/query?${params}`, { headers });
  if (!response.ok) throw new Error(`query answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return ((await response.json()) as { data: { result: VectorSample[] } }).data.result;
}

/** Rows as aligned columns; `widths` may cap a column (its cells are cut with an ellipsis). */
function table(header: string[], rows: string[][], maxWidths: number[] = []): string[] {
  const widths = header.map((h, i) =>
    Math.min(maxWidths[i] ?? Infinity, Math.max(h.length, ...rows.map((r) => r[i].length)))
  );
  const cell = (text: string, i: number): string =>
    text.length > widths[i] ? `${text.slice(0, widths[i] - 1)}…` : text.padEnd(widths[i]);
  return [dim(header.map(cell).join('  ').trimEnd()), ...rows.map((r) => r.map(cell).join('  ').trimEnd())];
}

const STANDARD_METADATA = new Set([
  'service_version',
  'observed_timestamp',
  'severity_number',
  'severity_text',
  'flags',
  'span_id',
  'detected_level',
  'scope_name',
  'scope_version',
]);

async function main(): Promise<void> {
  const started = Date.now();
  const embedded = process.env.LOKI_URL ? undefined : await LokiTestServer.start({ port: 0 });
  const url = process.env.LOKI_URL ?? embedded!.url;
  const out = (line = ''): void => void process.stdout.write(`${line}\n`);
  out(bold('otel-loki demo: logs of an uninstrumented Node.js service, into Loki'));
  out(
    `  ${dim('Loki   ')}  ${url}  ${dim(embedded ? '(embedded LokiTestServer; set LOKI_URL to use a real Loki)' : '(LOKI_URL)')}`
  );
  out(
    `  ${dim('service')}  node --require @otel-loki/exporter/register scripts/demo-service.js ${dim('× 2 (node:http + pino)')}`
  );
  out();

  const services = await Promise.all(SERVICES.map((name) => startService(name, url)));
  const [frontend, checkout] = services;
  const statuses = await generateLoad(frontend, checkout);
  const requests = [...statuses.values()].reduce((a, b) => a + b, 0);
  const stopping = Date.now();
  for (const service of services) service.child.kill('SIGTERM');
  const timeout = setTimeout(() => services.forEach((s) => s.child.kill('SIGKILL')), CHILD_EXIT_TIMEOUT_MILLIS);
  const results = await Promise.all(services.map((s) => s.exited));
  clearTimeout(timeout);
  const sent = results.reduce((sum, r) => sum + r.logged, 0);
  const statusText = [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status} ×${n}`)
    .join(', ');
  out(
    `${bold('Load    ')}  ${requests} requests in ${LOAD_SECONDS} s (${Math.round(requests / LOAD_SECONDS)}/s): ${statusText}`
  );
  out(
    `${bold('Shutdown')}  SIGTERM → last logs flushed, both services exited in ${((Date.now() - stopping) / 1000).toFixed(1)} s`
  );
  for (const [i, r] of results.entries())
    if (r.code !== 0 && r.code !== null) out(red(`  ${SERVICES[i]} exited with ${r.code}: ${r.stderr.slice(0, 500)}`));
  out();

  const selector = `{service_namespace="${NAMESPACE}", service_instance_id=~".+-${RUN_ID}"}`;
  const streams = await queryRange(url, selector, started - 60_000);
  const stored = streams.reduce((sum, s) => sum + s.values.length, 0);

  out(bold('Streams in Loki') + dim('  (stream labels: resource attributes Loki indexes by default)'));
  const labelNames = [...new Set(streams.flatMap((s) => Object.keys(s.stream)))].sort();
  for (const line of table(
    [...labelNames, 'entries'],
    streams.map((s) => [...labelNames.map((n) => s.stream[n] ?? ''), String(s.values.length)])
  ))
    out(`  ${line}`);
  out();

  out(bold('A sample of entries') + dim('  (line, and structured metadata: log attributes, severity, trace context)'));
  const entries = streams.flatMap((s) =>
    s.values.map(([ts, line, extra]) => ({
      service: s.stream.service_name,
      ts,
      line,
      metadata: extra?.structuredMetadata ?? {},
    }))
  );
  const seen = new Set<string>();
  // One entry of each kind of line ("added espresso to cart" and "added matcha to cart" are one).
  const kind = (e: { service: string; line: string }): string => `${e.service} ${e.line.split(' ')[0]}`;
  const distinct = entries.filter((e) => !seen.has(kind(e)) && seen.add(kind(e)));
  // An equal share per service, so that each shows up however many kinds of line the other has.
  const share = Math.ceil(SAMPLE_ROWS / SERVICES.length);
  const sample = SERVICES.flatMap((service) => distinct.filter((e) => e.service === service).slice(0, share))
    .slice(0, SAMPLE_ROWS)
    .sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : 1));
  const columns = process.stdout.columns ?? 160;
  const rows = sample.map((e) => {
    const custom = Object.entries(e.metadata).filter(
      ([k]) =>
        !STANDARD_METADATA.has(k) &&
        k !== 'trace_id' &&
        !k.startsWith('host_') &&
        !k.startsWith('process_') &&
        !k.startsWith('telemetry_')
    );
    return [
      new Date(Number(BigInt(e.ts) / 1_000_000n)).toISOString().slice(11, 23),
      e.service,
      e.metadata.severity_text ?? '',
      e.line,
      (e.metadata.trace_id ?? '').slice(0, 12) + (e.metadata.trace_id ? '…' : ''),
      custom.map(([k, v]) => `${k}=${v}`).join(' '),
    ];
  });
  const lines = table(['time', 'service', 'level', 'line', 'trace_id', 'metadata'], rows, [
    12,
    13,
    5,
    28,
    13,
    Math.max(20, columns - 90),
  ]);
  out(`  ${lines[0]}`);
  for (const [i, line] of lines.slice(1).entries()) {
    const level = rows[i][2];
    out(
      `  ${useColor ? line.replace(level.padEnd(5), (LEVEL_COLORS[level] ?? ((s: string) => s))(level.padEnd(5))) : line}`
    );
  }
  out();

  const dropped = sent - stored;
  const count = (label: string, n: number, color: (s: string) => string): string =>
    `${dim(label)} ${color(bold(String(n)))}`;
  out(
    `${bold('Counts  ')}  ${count('sent', sent, cyan)}   ${count('stored', stored, green)}   ${count('dropped', dropped, dropped === 0 ? green : red)}`
  );
  out();
  // The request that logged the most lines (an order: a warning, then the outcome).
  const byTrace = new Map<string, number>();
  for (const e of entries)
    if (e.metadata.trace_id) byTrace.set(e.metadata.trace_id, (byTrace.get(e.metadata.trace_id) ?? 0) + 1);
  const traceId = [...byTrace].sort((a, b) => b[1] - a[1])[0]?.[0];
  const traced = entries.find((e) => e.metadata.trace_id === traceId);

  // The suggestions below, run now on this run's streams (every entry of the run lies in `range`).
  const now = Date.now();
  const range = `[${Math.ceil((now - started) / 1000) + 60}s]`;
  out(bold('LogQL, run now') + dim(`  (on ${embedded ? 'the embedded LokiTestServer' : url}; this run only)`));
  const ran = (query: string, what: string): void => out(`  ${dim(what.padEnd(20))}${cyan(query)}`);
  const errorsQuery = `sum by (service_name) (count_over_time(${selector} | severity_text="error" ${range}))`;
  ran(errorsQuery, 'errors by service');
  const errors = await queryInstant(url, errorsQuery, now);
  out(
    `  ${' '.repeat(20)}${
      errors.length === 0
        ? dim('no errors')
        : errors.map((r) => `${r.metric.service_name} ${red(bold(r.value[1]))}`).join('   ')
    }`
  );
  if (traceId !== undefined) {
    const requestQuery = `${selector} | trace_id="${traceId}"`;
    ran(requestQuery, "one request's logs");
    const request = (await queryRange(url, requestQuery, started - 60_000))
      .flatMap((st) => st.values.map(([ts, line, extra]) => ({ ts, line, service: st.stream.service_name, extra })))
      .sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : 1));
    for (const e of request) {
      const time = new Date(Number(BigInt(e.ts) / 1_000_000n)).toISOString().slice(11, 23);
      const level = e.extra?.structuredMetadata?.severity_text ?? '';
      out(
        `  ${' '.repeat(20)}${dim(time)}  ${e.service}  ${(LEVEL_COLORS[level] ?? ((x: string) => x))(level.padEnd(5))}  ${e.line}`
      );
    }
  }
  const volumeQuery = `sum by (detected_level) (count_over_time(${selector} ${range}))`;
  ran(volumeQuery, 'volume by level');
  const volume = await queryInstant(url, volumeQuery, now);
  out(
    `  ${' '.repeat(20)}${volume
      .sort((a, b) => Number(b.value[1]) - Number(a.value[1]))
      .map(
        (r) =>
          `${(LEVEL_COLORS[r.metric.detected_level] ?? ((x: string) => x))(r.metric.detected_level)} ${bold(r.value[1])}`
      )
      .join('   ')}`
  );
  out();

  out(bold('In Grafana') + dim(` (Explore → Loki${embedded ? ', against a real Loki' : ''})`));
  const queries: Array<[string, string]> = [
    [`{service_namespace="${NAMESPACE}"}`, 'every demo log'],
    [`{service_name="shop-checkout"} | severity_text="error"`, 'errors (structured metadata filter)'],
    [
      `{service_namespace="${NAMESPACE}"} | trace_id="${traced?.metadata.trace_id ?? '<trace id>'}"`,
      "one request's logs",
    ],
    [
      `sum by (service_name, detected_level) (count_over_time({service_namespace="${NAMESPACE}"}[1m]))`,
      'volume by level',
    ],
  ];
  const width = Math.max(...queries.map(([q]) => q.length));
  for (const [query, what] of queries) out(`  ${cyan(query.padEnd(width))}  ${dim(what)}`);
  if (embedded) out(dim(`\n  Against a real Loki: LOKI_URL=http://localhost:3100 npm run demo`));
  out(dim(`  finished in ${((Date.now() - started) / 1000).toFixed(1)} s`));

  await embedded?.close();
  if (sent === 0 || stored < sent) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
