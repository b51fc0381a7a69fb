import { expect } from 'chai';
import * as fc from 'fast-check';
import { LokiLogger } from '../../src/client/loki-logger';
import { LokiPushError } from '../../src/client/errors';
import { isValidLabelName, parseLabels } from '../../src/wire/label-set';
import { DEFAULT_LIMITS } from '../../src/client/configuration';
import type { LogEntry } from '../../src/types';
import { readPushRequest } from '../helpers/proto-reader';
import { ScriptedServer } from '../helpers/scripted-server';
import { snappyBlockDecompress } from '../helpers/snappy-reader';

const anything = fc.anything({
  withBigInt: true,
  withDate: true,
  withNullPrototype: true,
  withTypedArray: true,
  maxDepth: 2,
});
const labelName = fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/), fc.string({ maxLength: 6 }));
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constant('\ufffd'),
  fc.constant('\ud800')
);
const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
const timestamp = fc.oneof(
  fc.constant(undefined),
  fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
  fc.integer({ min: -3_600_000, max: 3_600_000 }).map((ms) => nowNs() + BigInt(ms) * 1_000_000n),
  fc.integer({ min: -3_600_000, max: 3_600_000 }).map((ms) => (nowNs() + BigInt(ms) * 1_000_000n).toString()),
  fc.date({ noInvalidDate: false }),
  fc.string({ maxLength: 30 }),
  fc.constant('2024-01-01T00:00:00'),
  anything
);
const validEntry = fc.record({
  message: text,
  labels: fc
    .dictionary(fc.stringMatching(/^[a-z]{1,5}$/), text, { minKeys: 1, maxKeys: 4 })
    .filter((l) => Object.values(l).some((v) => v !== '')),
  metadata: fc.dictionary(fc.stringMatching(/^[a-z.]{1,5}$/), text, { maxKeys: 4 }),
});
const entry = fc.oneof(
  fc.record(
    {
      message: fc.oneof(text, anything),
      labels: fc.oneof(fc.dictionary(labelName, fc.oneof(text, anything), { maxKeys: 17 }), anything),
      metadata: fc.oneof(fc.dictionary(labelName, fc.oneof(text, anything), { maxKeys: 4 }), anything),
      timestamp,
    },
    { requiredKeys: ['message', 'labels'] }
  ),
  fc.record({
    message: text,
    labels: fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), text, { minKeys: 1, maxKeys: 4 }),
  }),
  anything
);

describe('LokiLogger with arbitrary input (property)', () => {
  let server: ScriptedServer;
  let logger: LokiLogger;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  before(async () => {
    server = await ScriptedServer.start();
    logger = new LokiLogger({ url: server.url });
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await logger.close();
    await server.close();
  });

  it('either sends only what Loki accepts, or refuses with a TypeError/RangeError before any I/O', async () => {
    let refused = 0;
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.array(entry, { maxLength: 6 }), fc.array(validEntry, { minLength: 1, maxLength: 6 })),
        fc.boolean(),
        async (entries, groupByLabels) => {
          const before = server.requests.length;
          let outcome: unknown;
          try {
            outcome = await logger.sendBatch(entries as LogEntry[], { groupByLabels });
          } catch (error) {
            outcome = error;
          }
          if (outcome instanceof Error) {
            expect(outcome, String(outcome)).to.satisfy(
              (e: Error) => e instanceof TypeError || e instanceof RangeError
            );
            expect(outcome).not.to.be.instanceOf(LokiPushError);
            expect(server.requests.length, 'no I/O after a refusal').to.equal(before);
            expect(outcome.message).to.match(/^(entries|groupByLabels)/);
            refused++;
            return;
          }
          if (server.requests.length > before) sent++;
          for (const request of server.requests.slice(before)) {
            for (const stream of readPushRequest(snappyBlockDecompress(request.body))) {
              const labels = parseLabels(stream.labels);
              expect(labels.length).to.be.within(1, DEFAULT_LIMITS.maxLabelNamesPerSeries + 1);
              for (const label of labels) {
                expect(isValidLabelName(label.name)).to.equal(true);
                expect(label.invalidUtf8, stream.labels).to.equal(false);
                expect(label.value).not.to.equal('');
              }
              for (const e of stream.entries) {
                const ns = e.seconds * 1_000_000_000n + e.nanos;
                expect(ns > nowNs() - 7n * 24n * 3600n * 1_000_000_000n).to.equal(true);
                expect(e.metadata.length).to.be.at.most(DEFAULT_LIMITS.maxStructuredMetadataEntries);
              }
            }
          }
        }
      ),
      { numRuns: 300 }
    );
    expect(unhandled).to.deep.equal([]);
    // Both branches were exercised, so the property could fail either way.
    expect(refused).to.be.greaterThan(20);
    expect(sent).to.be.greaterThan(20);
  });
});
