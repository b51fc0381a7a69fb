/**
 * Credentials never leak from the exporter: not in diag lines, error messages, an error's
 * cause, inspect/JSON of the exporter or its stats; and header injection through the
 * environment is refused at configuration time.
 */
import { expect } from 'chai';
import { inspect } from 'node:util';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LokiLogRecordExporter } from '@otel-loki/exporter';
import { LokiTestServer } from '@otel-loki/testing';

const SECRETS = ['hunter2-password', 'bearer-token-xyz', 'header-secret-abc', 'env-secret-def'];

/** Captures every diag line, every argument rendered as inspect would. */
function captureDiag(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (message: string, ...args: unknown[]): void => {
      lines.push(`${level} ${message} ${args.map((a) => inspect(a, { depth: 10 })).join(' ')}`);
    };
  const logger: DiagLogger = {
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    debug: record('debug'),
    verbose: record('verbose'),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return { lines, restore: () => diag.disable() };
}

function expectNoSecret(text: string, what: string): void {
  for (const secret of SECRETS) expect(text, `${what} leaks ${secret}`).not.to.include(secret);
}

/** One finished record, read from a real logger through an in-memory processor. */
function record(): ReadableLogRecord {
  let captured: ReadableLogRecord | undefined;
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'security' }),
    processors: [
      { onEmit: (r) => (captured = r as never), forceFlush: async () => undefined, shutdown: async () => undefined },
    ],
  });
  provider.getLogger('s').emit({ body: 'hello' });
  return captured!;
}

async function exportThrough(exporter: LokiLogRecordExporter): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'security' }),
    processors: [new BatchLogRecordProcessor({ exporter })],
  });
  provider.getLogger('s').emit({ body: 'hello' });
  await provider.forceFlush();
  await provider.shutdown();
}

describe('security: credentials never leak from the exporter', () => {
  let server: LokiTestServer;
  let captured: ReturnType<typeof captureDiag>;

  beforeEach(async () => {
    server = await LokiTestServer.start({ port: 0 });
    captured = captureDiag();
  });
  afterEach(async () => {
    captured.restore();
    await server.close();
  });

  const configurations = (url: URL): Array<[string, ConstructorParameters<typeof LokiLogRecordExporter>[0]]> => [
    ['credentials in the URL', { url: `http://admin:${SECRETS[0]}@${url.host}` }],
    ['a bearer token', { url: url.href, bearerToken: SECRETS[1] }],
    ['basic auth', { url: url.href, basicAuth: { username: 'u', password: SECRETS[0] } }],
    ['an Authorization header', { url: url.href, headers: { authorization: `Bearer ${SECRETS[2]}` } }],
  ];

  it('when Loki refuses the push (401), in diag, errors, causes and inspect output', async () => {
    for (const [what, options] of configurations(new URL(server.url))) {
      server.failWhen(() => true, { status: 401, body: 'no org id' });
      const exporter = new LokiLogRecordExporter({ ...options, retryBufferBytes: 0 });
      await exportThrough(exporter);
      const printed = [
        inspect(exporter, { depth: 10, showHidden: true }),
        JSON.stringify(exporter.stats),
        ...captured.lines,
      ].join('\n');
      expectNoSecret(printed, what);
      server.clearFailures();
    }
    expect(captured.lines.join('\n')).to.match(/401/);
  });

  it('when Loki cannot be reached, in the error passed to the processor and its cause', async () => {
    const closed = await LokiTestServer.start({ port: 0 });
    const url = new URL(closed.url);
    await closed.close();
    for (const [what, options] of configurations(url)) {
      const exporter = new LokiLogRecordExporter({ ...options, retryBufferBytes: 0, retryDeadlineMillis: 300 });
      const failure = await new Promise<Error | undefined>((resolve) =>
        exporter.export([record()], (result) => resolve(result.error))
      );
      await exporter.shutdown();
      expect(failure, what).to.be.instanceOf(Error);
      expect(failure!.message, what).to.match(/Could not reach Loki/);
      const printed = [
        inspect(failure, { depth: 10, showHidden: true }),
        inspect(exporter, { depth: 10 }),
        ...captured.lines,
      ];
      expectNoSecret(printed.join('\n'), what);
    }
  });

  it('takes credentials from OTEL_EXPORTER_LOKI_HEADERS without echoing them', async () => {
    const saved = process.env.OTEL_EXPORTER_LOKI_HEADERS;
    process.env.OTEL_EXPORTER_LOKI_HEADERS = `Authorization=Bearer%20${SECRETS[3]},X-Evil=a%0D%0AInjected:%20${SECRETS[3]}`;
    try {
      const exporter = new LokiLogRecordExporter({ url: server.url });
      await exportThrough(exporter);
      const [request] = server.requests;
      expect(request.headers.authorization).to.equal(`Bearer ${SECRETS[3]}`);
      expect(request.headers).not.to.have.property('x-evil');
      expect(request.headers).not.to.have.property('injected');
      expectNoSecret(
        [inspect(exporter, { depth: 10 }), JSON.stringify(exporter.stats), ...captured.lines].join('\n'),
        'env headers'
      );
      expect(captured.lines.join('\n')).to.match(/OTEL_EXPORTER_LOKI_HEADERS: ignored 1 entry/);
    } finally {
      if (saved === undefined) delete process.env.OTEL_EXPORTER_LOKI_HEADERS;
      else process.env.OTEL_EXPORTER_LOKI_HEADERS = saved;
    }
  });
});
