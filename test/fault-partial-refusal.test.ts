/**
 * Partial refusal: a batch in which a few records would make Loki answer 400. The exporter
 * fixes them before sending (timestamps outside the window, lines over max_line_size, too
 * many labels, metadata over the limits, U+FFFD in label values), so nothing is refused and
 * everything is stored. A 400 that still comes back (a Loki configured stricter than the
 * exporter knows) is not retried, and is reported once, with Loki's reason.
 */
import { expect } from 'chai';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { LokiLogRecordExporter } from '@otel-loki/exporter';
import { LokiTestServer } from '@otel-loki/testing';
import { pipeline, report } from './helpers/pipeline';

const DAY_MILLIS = 24 * 3600 * 1000;
const GOOD = 50;

/** Every diag line, by level. */
function captureDiag(): { errors: string[]; warnings: string[] } {
  const lines = { errors: [] as string[], warnings: [] as string[] };
  const join = (args: unknown[]): string => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  const logger: DiagLogger = {
    error: (...args: unknown[]) => lines.errors.push(join(args)),
    warn: (...args: unknown[]) => lines.warnings.push(join(args)),
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return lines;
}

describe('fault: records Loki would refuse', function () {
  this.timeout(30_000);
  let server: LokiTestServer;
  afterEach(async () => {
    diag.disable();
    await server?.close();
  });

  it('are fixed client-side: no 400, every record stored, each fix counted', async () => {
    server = await LokiTestServer.start({ port: 0 });
    const exporter = new LokiLogRecordExporter({ url: server.url });
    const { provider, logger } = pipeline(exporter, 'partial');
    captureDiag();

    for (let i = 0; i < GOOD; i++) logger.emit({ body: `good ${i}`, attributes: { id: `g${i}` } });
    logger.emit({ body: 'eight days old', timestamp: Date.now() - 8 * DAY_MILLIS, attributes: { id: 'old' } });
    logger.emit({ body: 'an hour ahead', timestamp: Date.now() + 3600_000, attributes: { id: 'future' } });
    logger.emit({ body: 'x'.repeat(300 * 1024), attributes: { id: 'long' } });
    logger.emit({
      body: 'many metadata',
      attributes: { id: 'wide', ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'v'])) },
    });
    logger.emit({ body: 'big metadata', attributes: { id: 'heavy', blob: 'm'.repeat(70 * 1024) } });
    await provider.shutdown();

    const stored = new Set(server.entries({ selector: '{service_name="partial"}' }).map((e) => e.metadata.id));
    const statuses = server.requests.filter((r) => r.kind === 'push').map((r) => r.status);
    const stats = exporter.stats;
    report(
      `${GOOD + 5} records, 5 of them refusable as sent: stored ${stored.size}; statuses ${[...new Set(statuses)].join(',')}; replaced ${stats.timestampsReplaced}, truncated ${stats.linesTruncated}, metadata trimmed ${stats.metadataTrimmed}`
    );
    expect(statuses.every((s) => s === 204)).to.equal(true);
    expect(stored.size).to.equal(GOOD + 5);
    expect(stats).to.include({ timestampsReplaced: 2, linesTruncated: 1, entriesRefused: 0 });
    expect(stats.metadataTrimmed).to.be.greaterThan(0);
  });

  it("a 400 that still comes back is not retried, reported once with Loki's reason; the rest is stored", async () => {
    // A Loki with a stricter max_line_size than the exporter was told about.
    server = await LokiTestServer.start({ port: 0, limits: { maxLineSize: 1_000 } });
    const exporter = new LokiLogRecordExporter({ url: server.url });
    const { provider, logger } = pipeline(exporter, 'strict');
    const diagLines = captureDiag();

    for (let i = 0; i < GOOD; i++) logger.emit({ body: `good ${i}`, attributes: { id: `g${i}` } });
    logger.emit({ body: 'y'.repeat(2_000), attributes: { id: 'too-long-for-this-loki' } });
    await provider.shutdown();

    const pushes = server.requests.filter((r) => r.kind === 'push');
    const stored = server.entries({ selector: '{service_name="strict"}' });
    const reason = /Max entry size '1000' bytes exceeded/;
    const reports = diagLines.errors.filter((line) => reason.test(line));
    report(
      `1 push, answered ${pushes.map((p) => p.status).join(',')}; stored ${stored.length} of ${GOOD + 1}; reported: ${reports[0]?.slice(0, 120)}…`
    );
    expect(pushes.map((p) => p.status)).to.deep.equal([400]);
    expect(stored).to.have.length(GOOD);
    expect(reports).to.have.length(1);
    expect(exporter.stats).to.include({ exportsFailed: 1, pushRetries: 0, droppedBufferFull: 0 });
  });
});
