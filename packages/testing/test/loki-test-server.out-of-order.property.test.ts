/**
 * Out-of-order pushes: whatever order entries arrive in, LokiTestServer stores, drops and
 * refuses the same entries as a reference model of Loki's head block (a sorted array, each entry
 * inserted after the last one of its timestamp unless an equal entry is stored there), and
 * every reader sees them sorted by time, equal timestamps in arrival order.
 */
import { expect } from 'chai';
import * as fc from 'fast-check';
import type { PushStream } from '@otel-loki/push';
import { LokiTestServer } from '../src';
import type { StoredEntry, VectorQueryResult } from '../src';
import { MINUTE_NS, nowNs, pushProto, queryRange } from './helpers/http';

const MILLI_NS = 1_000_000n;
const WINDOW_MILLIS = 5;
const TIMESTAMP_SLOTS = 12;
const STREAMS = ['0', '1'];
const RUNS = 60;
const REVERSED_ENTRIES = 50_000;
/** Structured metadata apart from the stream's labels, so that each stream is one stream in the answer. */
const CATEGORIZED = { 'x-loki-response-encoding-flags': 'categorize-labels' };

interface Pair {
  name: string;
  value: string;
}
interface ModelEntry {
  timestampNanos: bigint;
  line: string;
  metadata: Pair[];
}
interface ModelStream {
  entries: ModelEntry[];
  highestTs?: bigint;
  last?: ModelEntry;
}
interface Counts {
  stored: number;
  deduplicated: number;
  refused: number;
}

function sameEntry(a: ModelEntry, b: ModelEntry, ignoreMetadata: boolean): boolean {
  if (a.timestampNanos !== b.timestampNanos || a.line !== b.line) return false;
  return ignoreMetadata || JSON.stringify(a.metadata) === JSON.stringify(b.metadata);
}

/** The ingester before entries were appended and sorted lazily: insertion into a sorted array. */
function modelPush(stream: ModelStream, entries: ModelEntry[], ignoreMetadata: boolean, counts: Counts): void {
  const window = BigInt(WINDOW_MILLIS) * MILLI_NS;
  for (const entry of entries) {
    if (stream.last && sameEntry(stream.last, entry, ignoreMetadata)) {
      counts.deduplicated++;
      continue;
    }
    if (stream.highestTs !== undefined && entry.timestampNanos < stream.highestTs - window) {
      counts.refused++;
      continue;
    }
    stream.last = entry;
    if (stream.highestTs === undefined || entry.timestampNanos > stream.highestTs)
      stream.highestTs = entry.timestampNanos;
    let end = 0;
    while (end < stream.entries.length && stream.entries[end].timestampNanos <= entry.timestampNanos) end++;
    let duplicate = false;
    for (let i = end - 1; i >= 0 && stream.entries[i].timestampNanos === entry.timestampNanos; i--) {
      if (sameEntry(stream.entries[i], entry, ignoreMetadata)) duplicate = true;
    }
    if (duplicate) {
      counts.deduplicated++;
      continue;
    }
    stream.entries.splice(end, 0, entry);
    counts.stored++;
  }
}

/** Small alphabets, so that equal timestamps, duplicates and out-of-order entries are common. */
const pushedEntry = fc.record({
  stream: fc.constantFrom(...STREAMS),
  slot: fc.nat({ max: TIMESTAMP_SLOTS - 1 }),
  line: fc.constantFrom('a', 'b', 'c'),
  metadata: fc.constantFrom<Pair[]>(
    [],
    [{ name: 'k', value: '1' }],
    [{ name: 'k', value: '2' }],
    [
      { name: 'k', value: '1' },
      { name: 'j', value: '1' },
    ],
    [
      { name: 'j', value: '1' },
      { name: 'k', value: '1' },
    ]
  ),
});
const pushes = fc.array(fc.array(pushedEntry, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 5 });

const labelsOf = (stream: string): string => `{job="ooo", s="${stream}"}`;

/** An entry as `entries()` and a query answer show it: metadata as an object sorted by name. */
function shown(entry: ModelEntry): [string, string, Record<string, string>] {
  const metadata = [...entry.metadata].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [entry.timestampNanos.toString(), entry.line, Object.fromEntries(metadata.map((p) => [p.name, p.value]))];
}

describe('LokiTestServer: out-of-order pushes', () => {
  let loki: LokiTestServer | undefined;
  afterEach(async () => {
    await loki?.close();
    loki = undefined;
  });

  it('stores, drops and refuses what a sorted-insertion model does, and every reader sees its order', async () => {
    await fc.assert(
      fc.asyncProperty(pushes, fc.boolean(), async (requests, ignoreMetadata) => {
        const server = await LokiTestServer.start({
          duplicateCheckIgnoresMetadata: ignoreMetadata,
          limits: { outOfOrderWindowMillis: WINDOW_MILLIS, discoverLogLevels: false },
        });
        try {
          const base = nowNs() - MINUTE_NS;
          const model = new Map<string, ModelStream>(STREAMS.map((s) => [s, { entries: [] }]));
          const counts: Counts = { stored: 0, deduplicated: 0, refused: 0 };
          for (const request of requests) {
            // One push stream per label set, in order of first appearance, as the ingester takes them.
            const byStream = new Map<string, ModelEntry[]>();
            for (const { stream, slot, line, metadata } of request) {
              const entries = byStream.get(stream) ?? [];
              entries.push({ timestampNanos: base + BigInt(slot) * MILLI_NS, line, metadata });
              byStream.set(stream, entries);
            }
            const body: PushStream[] = [...byStream].map(([stream, entries]) => ({
              labels: labelsOf(stream),
              entries: entries.map((e) => ({ ...e })),
            }));
            const answer = await pushProto(server.url, body);
            const refusedBefore = counts.refused;
            for (const [stream, entries] of byStream) modelPush(model.get(stream)!, entries, ignoreMetadata, counts);
            expect(answer.status).to.equal(counts.refused > refusedBefore ? 400 : 204);
          }

          const stored = server.entries();
          for (const stream of STREAMS) {
            const expected = model.get(stream)!.entries.map(shown);
            const fromApi = stored
              .filter((e: StoredEntry) => e.labels.s === stream)
              .map((e) => [e.timestampNanos.toString(), e.line, e.metadata]);
            expect(fromApi, `entries() of stream ${stream}`).to.deep.equal(expected);
            for (const direction of ['forward', 'backward'] as const) {
              const answer = await queryRange(server.url, `{s="${stream}"}`, undefined, { direction }, CATEGORIZED);
              expect(answer.status).to.equal(200);
              const values: unknown[] = answer.json.data.result[0]?.values ?? [];
              const inAnswer = expected.map(([ts, line, metadata]) => [
                ts,
                line,
                Object.keys(metadata).length > 0 ? { structuredMetadata: metadata } : {},
              ]);
              expect(values, `${direction} query of stream ${stream}`).to.deep.equal(
                direction === 'forward' ? inAnswer : inAnswer.reverse()
              );
            }
            // Readers that search the sorted entries for a time range: a log query and a metric query.
            const from = base + 3n * MILLI_NS;
            const to = base + 8n * MILLI_NS;
            const inRange = await queryRange(
              server.url,
              `{s="${stream}"}`,
              undefined,
              { start: from.toString(), end: to.toString() },
              CATEGORIZED
            );
            const expectedInRange = expected.filter(([ts]) => BigInt(ts) >= from && BigInt(ts) < to);
            expect(
              (inRange.json.data.result[0]?.values ?? []).map(([ts, line]: [string, string]) => [ts, line]),
              `log query from 3 ms to 8 ms of stream ${stream}`
            ).to.deep.equal(expectedInRange.map(([ts, line]) => [ts, line]));
            const counted = server.query(`sum(count_over_time({s="${stream}"}[4ms]))`, { time: base + 7n * MILLI_NS });
            const expectedCount = expected.filter(
              ([ts]) => BigInt(ts) > from && BigInt(ts) <= from + 4n * MILLI_NS
            ).length;
            expect(
              (counted as VectorQueryResult).result.map((sample) => sample.value[1]),
              `count_over_time at 7 ms of stream ${stream}`
            ).to.deep.equal(expectedCount > 0 ? [String(expectedCount)] : []);
          }
          expect(server.counters).to.include({
            entriesStored: counts.stored,
            entriesDeduplicated: counts.deduplicated,
            entriesRefused: counts.refused,
          });
        } finally {
          await server.close();
        }
      }),
      { numRuns: RUNS }
    );
  });

  it(`stores ${REVERSED_ENTRIES} entries pushed newest first within the window, oldest first`, async () => {
    loki = await LokiTestServer.start();
    const newest = nowNs() - MINUTE_NS;
    // Two entries per timestamp, so that the duplicate check compares entries of one timestamp.
    const entries = Array.from({ length: REVERSED_ENTRIES }, (_, i) => ({
      timestampNanos: newest - BigInt(i >> 1) * MILLI_NS,
      line: `line ${i}`,
    }));

    const answer = await pushProto(loki.url, [{ labels: '{job="reversed"}', entries }]);

    expect(answer.status).to.equal(204);
    const stored = loki.entries();
    expect(stored).to.have.length(REVERSED_ENTRIES);
    expect(stored.slice(0, 2).map((e) => e.line)).to.deep.equal([
      `line ${REVERSED_ENTRIES - 2}`,
      `line ${REVERSED_ENTRIES - 1}`,
    ]);
    expect(stored.every((e, i) => i === 0 || stored[i - 1].timestampNanos <= e.timestampNanos)).to.equal(true);
    // Range queries search the sorted entries: half of them are at least 12.5 s older than the newest.
    const middle = newest - BigInt(REVERSED_ENTRIES / 4) * MILLI_NS + MILLI_NS / 2n;
    const counted = loki.query('sum(count_over_time({job="reversed"}[1h]))', { time: middle });
    expect((counted as VectorQueryResult).result.map((s) => s.value[1])).to.deep.equal([String(REVERSED_ENTRIES / 2)]);
  });
});
