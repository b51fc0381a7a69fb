/**
 * The standard corpus, generated deterministically (a seeded PRNG, no clock except the base
 * time): one resource of 12 attributes (service, k8s, host, sdk), three instrumentation
 * scopes, records with about 5 attributes, 80–200 character bodies, mixed severities
 * (DEBUG 10 %, INFO 65 %, WARN 15 %, ERROR 10 %), 60 % with trace context, millisecond
 * timestamps with some collisions (as `Date.now()` gives them). The records are real
 * `ReadableLogRecord`s from the OpenTelemetry JS SDK, so both exporters read the same objects.
 */
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { LogRecord } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';

/**
 * `SeverityNumber` values of the logs API, here rather than imported: the 3.x line has no
 * `@opentelemetry/api-logs` (the logs API moved into `@opentelemetry/api`), and the corpus runs
 * under both (`otel3.ts`).
 */
const SeverityNumber = { DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17 } as const;
type SeverityNumber = (typeof SeverityNumber)[keyof typeof SeverityNumber];

/** Records per export batch (`BatchLogRecordProcessor`'s default `maxExportBatchSize`). */
export const BATCH_SIZE = 512;
/** Seed of the corpus PRNG; change it and every figure changes. */
export const CORPUS_SEED = 0x10c1;

/** The resource every record carries (~10 attributes: service, k8s, host, sdk). */
export const RESOURCE_ATTRIBUTES = {
  'service.name': 'checkout',
  'service.namespace': 'shop',
  'service.version': '1.42.0',
  'service.instance.id': 'checkout-7d9f8b6c5-x2k4p',
  'deployment.environment.name': 'production',
  'k8s.namespace.name': 'shop',
  'k8s.pod.name': 'checkout-7d9f8b6c5-x2k4p',
  'k8s.deployment.name': 'checkout',
  'host.name': 'ip-10-0-3-17.eu-west-1.compute.internal',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.version': '2.2.0',
} as const;

export const SCOPES = [
  { name: '@shop/checkout', version: '1.42.0' },
  { name: '@shop/checkout/payments', version: '1.42.0' },
  { name: '@opentelemetry/instrumentation-http', version: '0.208.0' },
] as const;

const SEVERITIES: ReadonlyArray<[number, SeverityNumber, string]> = [
  [0.1, SeverityNumber.DEBUG, 'DEBUG'],
  [0.75, SeverityNumber.INFO, 'INFO'],
  [0.9, SeverityNumber.WARN, 'WARN'],
  [1, SeverityNumber.ERROR, 'ERROR'],
];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const ROUTES = ['/api/cart', '/api/cart/items/:id', '/api/checkout', '/api/orders/:id', '/api/payments', '/health'];
const STATUS = [200, 200, 200, 201, 204, 304, 400, 404, 409, 500, 503];
const WORDS = (
  'request completed order cart item payment authorized declined retry upstream timeout cache hit miss ' +
  'user session token refreshed inventory reserved released shipping quote computed currency converted ' +
  'database query slow connection pool acquired released webhook delivered queue message published'
).split(' ');

/** mulberry32: small, fast, good enough to make a corpus reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/**
 * `chars` random hex digits as one flat string, as the SDK's ID generator makes trace and span
 * IDs (`Buffer#toString('hex')`); a `+=` loop would leave a rope of 32 pieces that every
 * exporter reading the ID character by character pays for and no application makes.
 */
function hex(random: () => number, chars: number): string {
  const digits: string[] = [];
  for (let i = 0; i < chars; i++) digits.push(Math.floor(random() * 16).toString(16));
  return digits.join('');
}

/** With probability `share`, a sampled trace context of random IDs; else none. */
function sampledContext(random: () => number, share: number): Context | undefined {
  if (random() >= share) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: hex(random, 32),
    spanId: hex(random, 16),
    traceFlags: TraceFlags.SAMPLED,
  });
}

function body(random: () => number): string {
  const target = 80 + Math.floor(random() * 121); // 80..200 characters
  let out = `${pick(random, METHODS)} ${pick(random, ROUTES)}`;
  while (out.length < target) {
    const word = random() < 0.15 ? `id=${hex(random, 8)}` : pick(random, WORDS);
    out += ` ${word}`;
  }
  return out.slice(0, target);
}

/** One `logger.emit()` argument of the corpus and the scope index it is emitted with. */
export interface CorpusRecord {
  scope: number;
  record: LogRecord;
}

/**
 * `count` records as `logger.emit()` arguments, deterministic for a seed; timestamps start at
 * `baseMillis` and advance by 0 or 1 ms per record.
 */
export function corpusRecords(count: number, baseMillis: number, seed = CORPUS_SEED): CorpusRecord[] {
  const random = prng(seed);
  const out: CorpusRecord[] = [];
  let millis = baseMillis;
  for (let i = 0; i < count; i++) {
    if (random() < 0.5) millis++;
    const roll = random();
    const [, severityNumber, severityText] = SEVERITIES.find(([p]) => roll < p)!;
    const attributes: Record<string, string | number | boolean> = {
      'http.request.method': pick(random, METHODS),
      'http.route': pick(random, ROUTES),
      'http.response.status_code': pick(random, STATUS),
      'user.id': `u-${Math.floor(random() * 1e6)}`,
      duration_ms: Math.round(random() * 250_000) / 1000,
    };
    if (severityNumber >= SeverityNumber.ERROR)
      attributes['error.type'] = pick(random, ['TimeoutError', 'ECONNRESET', 'ValidationError']);
    const context = sampledContext(random, 0.6);
    out.push({
      scope: Math.floor(random() * SCOPES.length),
      record: {
        timestamp: millis,
        observedTimestamp: millis + 1,
        severityNumber,
        severityText,
        body: body(random),
        attributes,
        context,
      },
    });
  }
  return out;
}

/** The corpus resource as an SDK `Resource`. */
export function corpusResource(): Resource {
  return resourceFromAttributes({ ...RESOURCE_ATTRIBUTES });
}

/**
 * The second corpus, `access` (issue 14): access-log-like records, small and with few
 * attributes. One resource of 11 attributes, one scope, 5 attributes per record (method, path,
 * status, client address, response size), about 90-character bodies in a combined-log-like
 * shape, INFO 90 % / WARN 10 %, half with trace context, millisecond timestamps with collisions.
 */
export const ACCESS_RESOURCE_ATTRIBUTES = {
  'service.name': 'edge-gateway',
  'service.namespace': 'edge',
  'service.version': '3.7.1',
  'service.instance.id': 'edge-gateway-5c8d7f9b4-q7m2z',
  'deployment.environment.name': 'production',
  'k8s.namespace.name': 'edge',
  'k8s.pod.name': 'edge-gateway-5c8d7f9b4-q7m2z',
  'k8s.node.name': 'ip-10-0-7-42.eu-west-1.compute.internal',
  'host.name': 'ip-10-0-7-42.eu-west-1.compute.internal',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.language': 'nodejs',
} as const;

export const ACCESS_SCOPES = [{ name: '@edge/gateway/access-log', version: '3.7.1' }] as const;

const ACCESS_PATHS = ['/', '/api/v1/items', '/api/v1/items/:id', '/api/v1/search', '/static/app.js', '/login'];

/** `count` access-log records as `logger.emit()` arguments (all with scope 0). */
export function accessRecords(count: number, baseMillis: number, seed = CORPUS_SEED): CorpusRecord[] {
  const random = prng(seed ^ 0xacce55);
  const out: CorpusRecord[] = [];
  let millis = baseMillis;
  for (let i = 0; i < count; i++) {
    if (random() < 0.5) millis++;
    const method = pick(random, METHODS);
    const path = pick(random, ACCESS_PATHS).replace(':id', String(Math.floor(random() * 100_000)));
    const status = pick(random, STATUS);
    const client = `10.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
    const size = Math.floor(random() * 50_000);
    const warn = status >= 500 || random() < 0.05;
    const seconds = (random() * 0.5).toFixed(3);
    let body = `${client} - - "${method} ${path} HTTP/1.1" ${status} ${size} ${seconds}s "Mozilla/5.0 (X11; Linux)"`;
    if (body.length < 90) body += ` rid=${hex(random, 90 - body.length - 5)}`;
    const context = sampledContext(random, 0.5);
    out.push({
      scope: 0,
      record: {
        timestamp: millis,
        observedTimestamp: millis + 1,
        severityNumber: warn ? SeverityNumber.WARN : SeverityNumber.INFO,
        severityText: warn ? 'WARN' : 'INFO',
        body,
        attributes: {
          'http.request.method': method,
          'url.path': path,
          'http.response.status_code': status,
          'client.address': client,
          'http.response.body.size': size,
        },
        context,
      },
    });
  }
  return out;
}

/** A corpus as the benchmarks use it: its resource, its scopes and its records. */
export interface Corpus {
  name: 'standard' | 'access';
  resourceAttributes: Readonly<Record<string, string>>;
  scopes: readonly { name: string; version: string }[];
  records(count: number, baseMillis: number): CorpusRecord[];
}

/** The corpora by name: `standard` (figures of issue 6) and `access` (issue 14). */
export const CORPORA: Readonly<Record<Corpus['name'], Corpus>> = {
  standard: {
    name: 'standard',
    resourceAttributes: RESOURCE_ATTRIBUTES,
    scopes: SCOPES,
    records: (count, baseMillis) => corpusRecords(count, baseMillis),
  },
  access: {
    name: 'access',
    resourceAttributes: ACCESS_RESOURCE_ATTRIBUTES,
    scopes: ACCESS_SCOPES,
    records: (count, baseMillis) => accessRecords(count, baseMillis),
  },
};

/** The corpus named by `--corpus=<name>` among `argv` (default `standard`). */
export function corpusFromArgs(argv: readonly string[]): Corpus {
  const arg = argv.find((a) => a.startsWith('--corpus='));
  const name = arg === undefined ? 'standard' : arg.slice('--corpus='.length);
  const corpus = CORPORA[name as Corpus['name']];
  if (corpus === undefined) throw new Error(`unknown corpus ${name} (standard, access)`);
  return corpus;
}

/**
 * `batches` batches of `BATCH_SIZE` `ReadableLogRecord`s, made by the SDK's own `Logger`
 * (one `LoggerProvider`, one resource, the corpus scopes).
 */
export function corpusBatches(
  batches: number,
  baseMillis = Date.now() - 60_000,
  corpus: Corpus = CORPORA.standard
): ReadableLogRecord[][] {
  const collected: ReadableLogRecord[] = [];
  const collector: LogRecordProcessor = {
    onEmit(record: SdkLogRecord) {
      collected.push(record as unknown as ReadableLogRecord);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const resource = resourceFromAttributes({ ...corpus.resourceAttributes });
  const provider = new LoggerProvider({ resource, processors: [collector] });
  const loggers = corpus.scopes.map((s) => provider.getLogger(s.name, s.version));
  for (const { scope, record } of corpus.records(batches * BATCH_SIZE, baseMillis)) loggers[scope].emit(record);
  const out: ReadableLogRecord[][] = [];
  for (let b = 0; b < batches; b++) out.push(collected.slice(b * BATCH_SIZE, (b + 1) * BATCH_SIZE));
  return out;
}
