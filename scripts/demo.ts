/**
 * `npm run demo`: the main job in one command. Sends logs to Loki with `LokiLogger` — into an
 * embedded Loki-compatible server (`LokiTestServer`), or into the Loki at `LOKI_URL` — then
 * queries them back through Loki's HTTP API and prints what landed.
 */
import { LokiLogger } from '@otel-loki/push';
import type { LogEntry } from '@otel-loki/push';
import { LokiTestServer } from '@otel-loki/testing';

const TENANT = process.env.LOKI_TENANT;
const RUN_ID = Date.now().toString(36);
const color = process.stdout.isTTY ? (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: number, s: string) => s;
const bold = (s: string): string => color(1, s);
const dim = (s: string): string => color(2, s);

interface QueryStream {
  stream: Record<string, string>;
  values: Array<[string, string, Record<string, unknown>?]>;
}

async function queryBack(url: string, selector: string, startNanos: bigint): Promise<QueryStream[]> {
  const params = new URLSearchParams({
    query: selector,
    start: startNanos.toString(),
    end: (BigInt(Date.now() + 60_000) * 1_000_000n).toString(),
    limit: '1000',
    direction: 'forward',
  });
  // Ask for structured metadata apart from stream labels (Loki 3's categorize-labels encoding).
  const headers: Record<string, string> = { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' };
  if (TENANT) headers['X-Scope-OrgID'] = TENANT;
  const response = await fetch(`${url.replace(/\/+$/, '')}/loki/api/v1/query_range?${params}`, { headers });
  if (!response.ok) throw new Error(`query_range answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  const body = (await response.json()) as { data: { result: QueryStream[] } };
  return body.data.result;
}

async function main(): Promise<void> {
  const embedded = process.env.LOKI_URL ? undefined : await LokiTestServer.start({ port: 0 });
  const url = process.env.LOKI_URL ?? embedded!.url;
  console.log(bold('otel-loki demo'));
  console.log(`Loki: ${url} ${dim(embedded ? '(embedded LokiTestServer; set LOKI_URL to use a real Loki)' : '(LOKI_URL)')}\n`);

  const logger = new LokiLogger({ url, tenantId: TENANT });
  const start = BigInt(Date.now() - 1000) * 1_000_000n;
  let sent = 0;
  try {
    await logger.sendLog({
      message: 'Application started',
      labels: { job: 'demo', run: RUN_ID, environment: 'development' },
      metadata: { version: '1.0.0' },
    });
    sent++;
    const levels = ['info', 'info', 'warn', 'error'];
    const batch: LogEntry[] = Array.from({ length: 40 }, (_, i) => ({
      message: `GET /orders/${1000 + i} ${i % 7 === 0 ? 500 : 200} ${5 + ((i * 37) % 90)}ms`,
      labels: { job: 'demo', run: RUN_ID, level: levels[i % levels.length] },
      metadata: { trace_id: (BigInt(i + 1) * 0x9e3779b97f4a7c15n).toString(16).padStart(32, '0').slice(-32), order_id: String(1000 + i) },
    }));
    const result = await logger.sendBatch(batch);
    sent += result.entries;
    console.log(`sent ${bold(String(sent))} entries in ${result.requests + 1} requests (${result.streams} streams in the batch)\n`);
  } finally {
    await logger.close();
  }

  const selector = `{job="demo", run="${RUN_ID}"}`;
  const streams = await queryBack(url, selector, start);
  let stored = 0;
  for (const s of streams) stored += s.values.length;
  console.log(bold('Streams in Loki'));
  const rows = streams.map((s) => [
    Object.entries(s.stream)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', '),
    String(s.values.length),
  ]);
  const width = Math.max(6, ...rows.map((r) => r[0].length));
  console.log(`  ${'labels'.padEnd(width)}  entries`);
  for (const [labels, count] of rows) console.log(`  ${labels.padEnd(width)}  ${count.padStart(7)}`);

  console.log('\n' + bold('A sample of entries'));
  for (const s of streams.slice(0, 2)) {
    for (const [ts, line, metadata] of s.values.slice(0, 3)) {
      const iso = new Date(Number(BigInt(ts) / 1_000_000n)).toISOString();
      console.log(`  ${dim(iso)}  ${line}  ${dim(metadata ? JSON.stringify(metadata) : '')}`);
    }
  }
  console.log(`\nsent ${sent}, stored ${stored}, dropped ${sent - stored}`);
  console.log(`In Grafana (Explore → Loki): ${bold(selector)}`);
  await embedded?.close();
  if (stored !== sent) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
