/**
 * The entry that the workerd, worker, browser and edge-light conditions select (src/web.ts),
 * run here under Node: its defaults and what it refuses. Bundles and the real runtimes are
 * the root test/workers.test.ts and test/browsers.test.ts.
 */
import { expect } from 'chai';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import * as web from '../src/web';
import * as node from '../src/index';
import { INTERNALS } from '../src/test-seam';
import type { LokiExporterOptions } from '../src/types';
import type { LokiClientOptions } from '@otel-loki/push';
import { FakePushClient } from './helpers/fake-client';

function webExporterWithFake(options: LokiExporterOptions = {}): {
  exporter: web.LokiLogRecordExporter;
  client: FakePushClient;
} {
  const client = new FakePushClient();
  const exporter = new web.LokiLogRecordExporter({
    ...options,
    [INTERNALS]: { env: {}, createClient: (_: LokiClientOptions) => client },
  } as LokiExporterOptions);
  return { exporter, client };
}

describe('the web entry (src/web.ts)', () => {
  it('exports what the Node entry exports, less ExitSafeLogRecordProcessor', () => {
    const expected = Object.keys(node)
      .filter((name) => name !== 'ExitSafeLogRecordProcessor')
      .sort();
    expect(Object.keys(web).sort()).to.deep.equal(expected);
  });

  it('keeps no retry buffer by default: an export is answered when Loki answered it', async () => {
    const { exporter, client } = webExporterWithFake();
    client.answers.push(new Error('Loki is down'));

    const records: ReadableLogRecord[] = [];
    const capture = {
      onEmit: (r: ReadableLogRecord) => records.push(r),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    new LoggerProvider({ processors: [capture] }).getLogger('t').emit({ body: 'x' });

    const result = await new Promise<{ code: number }>((resolve) => exporter.export(records, resolve));

    expect(result.code).to.equal(web.ExportResultCode.FAILED);
    expect(client.pushes).to.have.length(1);
    expect(exporter.stats.retryBufferEntries).to.equal(0);
  });

  it('flushSync throws a clear error (there is no process exit to block in)', () => {
    const { exporter } = webExporterWithFake();
    expect(() => exporter.flushSync()).to.throw(/flushSync\(\) is not supported in this runtime/);
  });
});
