/**
 * Bad input: whatever the records hold (every AnyValue shape, deep nesting, lone surrogates,
 * U+FFFD, control characters, odd names, timestamps 0, negative, NaN, far past and future,
 * HrTime out of range), export() never throws, calls back exactly once, and every request it
 * sends is accepted by LokiTestServer's Loki rules (no 400): each record is stored, or dropped
 * and counted with a reason.
 */
import { expect } from 'chai';
import * as fc from 'fast-check';
import type { HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LokiLogRecordExporter } from '@otel-loki/exporter';
import { LokiTestServer } from '@otel-loki/testing';

const MIB = 1024 * 1024;
const NOW_SECONDS = Math.floor(Date.now() / 1000);

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }), // lone surrogates included
  fc.constantFrom(
    '',
    '\uFFFD',
    '\uD800',
    'a\uDFFFb',
    '\u0000\u0007\n\r\t',
    '…',
    '__',
    '.',
    '1a',
    'service.name',
    'a.b',
    'a_b',
    '\u2028'
  )
);
const anyValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 16 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 })
  ),
}));
const hrTime: fc.Arbitrary<HrTime> = fc.oneof(
  fc.constant<HrTime>([0, 0]),
  fc.constant<HrTime>([-1, 0]),
  fc.constant<HrTime>([NOW_SECONDS, 2e9]),
  fc.constant<HrTime>([NOW_SECONDS - 8 * 86400, 0]),
  fc.constant<HrTime>([NOW_SECONDS + 86400 * 365, 0]),
  fc.constant<HrTime>([1e12, 0]),
  fc.tuple(fc.integer({ min: NOW_SECONDS - 60, max: NOW_SECONDS }), fc.integer({ min: 0, max: 999_999_999 }))
);
const record = fc.record({
  hrTime,
  hrTimeObserved: hrTime,
  body: anyValue.value,
  attributes: fc.dictionary(text, anyValue.value, { maxKeys: 8 }),
  resource: fc.dictionary(
    fc.oneof(text, fc.constantFrom('service.name', 'k8s.pod.name', 'service.namespace')),
    fc.oneof(text, fc.integer()),
    { maxKeys: 5 }
  ),
  severityNumber: fc.option(fc.integer({ min: -5, max: 30 }), { nil: undefined }),
  severityText: fc.option(text, { nil: undefined }),
  droppedAttributesCount: fc.nat(3),
});

function toRecord(r: typeof record extends fc.Arbitrary<infer T> ? T : never): ReadableLogRecord {
  return {
    ...r,
    resource: resourceFromAttributes(r.resource as Record<string, string>),
    instrumentationScope: { name: 'prop' },
  } as unknown as ReadableLogRecord;
}

describe('bad input through the exporter to Loki rules (property)', function () {
  this.timeout(120_000);
  let server: LokiTestServer;
  before(async () => {
    server = await LokiTestServer.start({ port: 0 });
  });
  after(async () => server.close());

  async function exportChecked(records: ReadableLogRecord[]): Promise<void> {
    server.reset();
    const exporter = new LokiLogRecordExporter({ url: server.url, shutdownTimeoutMillis: 5_000 });
    let calls = 0;
    const result = await new Promise<{ code: number }>((resolve) => {
      expect(() => exporter.export(records, (r) => (calls++, resolve(r)))).not.to.throw();
    });
    await exporter.shutdown();
    const statuses = server.requests
      .filter((r) => r.kind === 'push')
      .map((r) => `${r.status}${r.responseBody ? ` ${r.responseBody}` : ''}`);
    const stats = exporter.stats;
    const stored = server.counters.entriesStored + server.counters.entriesDeduplicated;
    expect(calls).to.equal(1);
    expect(result.code, statuses.join('\n')).to.equal(0);
    expect(
      statuses.filter((s) => !s.startsWith('204')),
      'refused requests'
    ).to.deep.equal([]);
    expect(stored + stats.timestampsDropped + stats.linesDropped).to.equal(records.length);
  }

  it('random records: export never throws, calls back once, Loki refuses nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 8 }), async (records) =>
        exportChecked(records.map(toRecord))
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) }
    );
  });

  // A NaN or infinite HrTime counts as unset: the record falls back to the observed time (or
  // now) instead of failing the whole export.
  it('a NaN HrTime (time or observed time) does not fail the export', async () => {
    const base = { body: 'nan time', attributes: {}, droppedAttributesCount: 0, resource: { 'service.name': 'nan' } };
    await exportChecked([
      toRecord({ ...base, hrTime: [Number.NaN, 0], hrTimeObserved: [NOW_SECONDS, 0] } as never),
      toRecord({ ...base, hrTime: [NOW_SECONDS, 0], hrTimeObserved: [Number.NaN, 0] } as never),
    ]);
  });

  it('extremes: 10 000 attributes, 1 MiB strings, 200-deep nesting, 1 MiB body, huge label values', async () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200; i++) deep = i % 2 === 0 ? { [`level${i}`]: deep } : [deep];
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`attr.${i}`, `value ${i}`]));
    const base = {
      hrTime: [NOW_SECONDS, 0],
      hrTimeObserved: [NOW_SECONDS, 0],
      droppedAttributesCount: 0,
      resource: { 'service.name': 'extreme' },
    };
    const records = [
      { ...base, body: 'many attributes', attributes: many },
      { ...base, body: 'huge attribute', attributes: { big: 'x'.repeat(MIB), surrogate: '\uD800'.repeat(1000) } },
      { ...base, body: deep, attributes: { deep } },
      { ...base, body: 'b'.repeat(MIB), attributes: {} },
      {
        ...base,
        body: 'label',
        attributes: {},
        resource: { 'service.name': 'v'.repeat(10_000) + '\uFFFD', 'k8s.pod.name': '\uD800' },
      },
      { ...base, body: new Uint8Array(MIB / 4), attributes: { nan: Number.NaN, inf: Infinity, neg: -0, big: 2 ** 64 } },
    ].map((r) => toRecord(r as never));
    await exportChecked(records);
  });
});
