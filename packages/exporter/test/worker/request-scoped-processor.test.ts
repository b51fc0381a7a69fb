import { expect } from 'chai';
import * as sinon from 'sinon';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { exporterWithFake } from '../helpers/fake-client';
import { RequestScopedLogRecordProcessor } from '../../src/worker/request-scoped-processor';

const BATCH_SIZE = 2;

describe('RequestScopedLogRecordProcessor', () => {
  afterEach(() => sinon.restore());

  function setup(options: { maxHeldRecords?: number } = {}) {
    const { exporter, client } = exporterWithFake({ retryBufferBytes: 0 });
    const processor = new RequestScopedLogRecordProcessor({ exporter, maxExportBatchSize: BATCH_SIZE, ...options });
    const provider = new LoggerProvider({ processors: [processor] });
    return { processor, provider, client, logger: provider.getLogger('worker') };
  }

  it('sends nothing until forceFlush, sets no timer, then exports what it holds in batches', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['setTimeout', 'setInterval'] });
    const { provider, client, logger } = setup();
    for (const body of ['a', 'b', 'c']) logger.emit({ body });
    expect(clock.countTimers()).to.equal(0);
    expect(client.pushes).to.have.length(0);
    clock.restore();

    await provider.forceFlush();

    expect(client.pushes).to.have.length(2); // batches of 2 and 1
    expect(client.streams.flatMap((s) => s.entries.map((e) => e.line))).to.deep.equal(['a', 'b', 'c']);
  });

  it('two flushes at once each send what was held when they were called (nothing left to a timer)', async () => {
    const { processor, client, logger } = setup();
    logger.emit({ body: 'first request' });
    const first = processor.forceFlush();
    logger.emit({ body: 'second request' });
    const second = processor.forceFlush();
    await Promise.all([first, second]);
    expect(client.streams.flatMap((s) => s.entries.map((e) => e.line)).sort()).to.deep.equal([
      'first request',
      'second request',
    ]);
  });

  it('drops records past maxHeldRecords (counted) and ignores records after shutdown', async () => {
    const { processor, provider, client, logger } = setup({ maxHeldRecords: 2 });
    for (const body of ['a', 'b', 'c']) logger.emit({ body });
    expect(processor.dropped).to.equal(1);
    await provider.shutdown();
    processor.onEmit({ body: 'late' } as never);
    await processor.forceFlush();
    expect(client.streams.flatMap((s) => s.entries.map((e) => e.line))).to.deep.equal(['a', 'b']);
    expect(client.closed).to.equal(true);
  });

  it('refuses bad options by name', () => {
    expect(() => new RequestScopedLogRecordProcessor({} as never)).to.throw(TypeError, /^exporter:/);
    const { exporter } = exporterWithFake();
    expect(() => new RequestScopedLogRecordProcessor({ exporter, maxHeldRecords: 0 })).to.throw(
      RangeError,
      /^maxHeldRecords:/
    );
  });
});
