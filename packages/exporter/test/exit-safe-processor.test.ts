/**
 * ExitSafeLogRecordProcessor around the SDK's real BatchLogRecordProcessor: at exit, the
 * records the batch processor still holds reach the exporter's synchronous flush, once.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ExportResult } from '@opentelemetry/core';
import { ExitSafeLogRecordProcessor } from '../src/exit-safe-processor';
import type { ExitFlushable } from '../src/exit-safe-processor';

/** An exporter that records what it gets, asynchronously and at exit. */
class RecordingExporter implements ExitFlushable {
  readonly exported: string[] = [];
  readonly flushedAtExit: string[][] = [];
  export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    this.exported.push(...logs.map((l) => String(l.body)));
    done({ code: 0 });
  }
  flushSync(records: readonly ReadableLogRecord[]): void {
    this.flushedAtExit.push(records.map((l) => String(l.body)));
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

function setUp(config: Record<string, number>) {
  const target = new EventEmitter();
  const exporter = new RecordingExporter();
  const processor = new ExitSafeLogRecordProcessor({
    exporter,
    createProcessor: (tracked) => new BatchLogRecordProcessor({ exporter: tracked, ...config } as never),
    maxQueueSize: config.maxQueueSize,
    target,
  });
  const provider = new LoggerProvider({ processors: [processor] });
  const logger = provider.getLogger('t');
  return { target, exporter, processor, provider, emit: (body: string) => logger.emit({ body }) };
}

describe('ExitSafeLogRecordProcessor', () => {
  it('hands the records still waiting in the batch processor to the exit flush', async () => {
    const { target, exporter, processor, emit } = setUp({ scheduledDelayMillis: 60_000, maxExportBatchSize: 2 });

    emit('a');
    emit('b'); // a full batch: exported now
    await processor.forceFlush();
    emit('c');
    emit('d'); // a full batch again
    emit('e');
    await new Promise((resolve) => setImmediate(resolve));
    target.emit('exit', 1);

    const atExit = exporter.flushedAtExit.flat();
    expect([...exporter.exported, ...atExit].sort()).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
    expect(atExit).to.include('e');
    expect(exporter.flushedAtExit).to.have.length(1);
  });

  it('follows the batch processor’s queue bound: at exit, exactly the records it kept', () => {
    const { target, exporter, emit } = setUp({
      scheduledDelayMillis: 60_000,
      maxQueueSize: 50,
      maxExportBatchSize: 1000,
    });

    for (let i = 0; i < 10_000; i++) emit(`r${i}`);
    target.emit('exit', 1);

    // The batch processor kept the first 50 and dropped the rest (and counted them).
    expect(exporter.flushedAtExit[0]).to.deep.equal(Array.from({ length: 50 }, (_, i) => `r${i}`));
  });

  it('keeps memory bounded while batches go out', async () => {
    const { target, exporter, processor, emit } = setUp({ scheduledDelayMillis: 60_000, maxExportBatchSize: 10 });

    for (let i = 0; i < 1_000; i++) emit(`r${i}`);
    await processor.forceFlush();
    emit('last');
    await new Promise((resolve) => setImmediate(resolve));

    expect((processor as unknown as { _waiting: unknown[] })._waiting.length).to.be.at.most(10);
    target.emit('exit', 1);
    expect(exporter.exported.length + exporter.flushedAtExit.flat().length).to.equal(1_001);
  });

  it('after shutdown, exit flushes nothing', async () => {
    const { target, exporter, provider, emit } = setUp({ scheduledDelayMillis: 60_000 });

    emit('a');
    await provider.shutdown();
    target.emit('exit', 0);

    expect(exporter.exported).to.deep.equal(['a']);
    expect(exporter.flushedAtExit).to.deep.equal([]);
  });
});
