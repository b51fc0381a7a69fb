/** LokiLogRecordExporter.flushSync: what is pending at exit goes out synchronously, once. */
import { expect } from 'chai';
import { LokiPushError } from '@otel-loki/push';
import type { PushStream } from '@otel-loki/push';
import { exporterWithFake } from './helpers/fake-client';
import { exportAndWait, logRecord, NOW_MILLIS } from './helpers/records';

const retryable = (streams: readonly PushStream[]): LokiPushError =>
  new LokiPushError('Loki rejected the push (503)', {
    reason: 'http',
    status: 503,
    retryable: true,
    attempts: 1,
    failedStreams: streams,
  });

describe('LokiLogRecordExporter.flushSync', () => {
  it('sends records not yet exported, mapped as an export would, within the bound', () => {
    const { exporter, client } = exporterWithFake({ exitTimeoutMillis: 1234 }, { nowMillis: () => NOW_MILLIS });

    exporter.flushSync([logRecord({ body: 'last words' })]);

    expect(client.syncPushes).to.have.length(1);
    const [push] = client.syncPushes;
    expect(push.streams[0].labels).to.equal('{service_name="api"}');
    expect(push.streams[0].entries.map((e) => e.line)).to.deep.equal(['last words']);
    expect((push.options as { timeoutMillis: number }).timeoutMillis).to.be.within(1, 1234);
    expect(exporter.stats.entries).to.equal(1);
  });

  it('sends what the retry buffer holds after a failed push, oldest first, then stops sending', async () => {
    const { exporter, client } = exporterWithFake({}, { nowMillis: () => NOW_MILLIS });
    client.answers.push(() => Promise.reject(retryable([...client.pushes[0].streams])));
    const first = logRecord({ body: 'held' });
    await exportAndWait(exporter, [first]);
    client.answers.length = 0;

    exporter.flushSync([logRecord({ body: 'new' })]);

    expect(client.syncPushes.flatMap((p) => p.streams.flatMap((s) => s.entries.map((e) => e.line)))).to.deep.equal([
      'held',
      'new',
    ]);
    expect(exporter.stats.retryBufferEntries).to.equal(0);
  });

  it('counts what Loki did not take in droppedAtExit, and nothing is sent after it', async () => {
    const { exporter, client } = exporterWithFake({}, { nowMillis: () => NOW_MILLIS });
    client.syncAnswers.push(new LokiPushError('no answer', { reason: 'deadline', retryable: true, attempts: 1 }));

    exporter.flushSync([logRecord({ body: 'a' }), logRecord({ body: 'b' })]);
    const later = await exportAndWait(exporter, [logRecord({ body: 'after exit' })]);

    expect(exporter.stats.droppedAtExit).to.equal(2);
    expect(later.code).to.equal(1);
    expect(client.pushes).to.have.length(0);
  });

  it('with nothing pending, sends nothing', () => {
    const { exporter, client } = exporterWithFake();

    exporter.flushSync([]);

    expect(client.syncPushes).to.have.length(0);
  });

  it('never throws, whatever the client does', () => {
    const { exporter, client } = exporterWithFake({}, { nowMillis: () => NOW_MILLIS });
    client.pushSync = () => {
      throw new TypeError('broken client');
    };

    expect(() => exporter.flushSync([logRecord({ body: 'x' })])).not.to.throw();
    expect(exporter.stats.droppedAtExit).to.equal(1);
  });

  it('reads OTEL_EXPORTER_LOKI_EXIT_TIMEOUT', () => {
    const { exporter, client } = exporterWithFake(
      {},
      { env: { OTEL_EXPORTER_LOKI_EXIT_TIMEOUT: '77' }, nowMillis: () => NOW_MILLIS }
    );

    exporter.flushSync([logRecord({ body: 'x' })]);

    expect((client.syncPushes[0].options as { timeoutMillis: number }).timeoutMillis).to.be.within(1, 77);
  });
});
