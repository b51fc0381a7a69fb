/**
 * The sender gives the exporter's entries back to the mapping's encoder (`LokiEntry.release`:
 * their buffer may be written over) exactly when nothing will read them again: once delivered,
 * or when a retryable failure leaves them out of what it sends again; never the entries of a
 * refused push, which the export's error hands to the user, nor when it is not the last holder.
 */
import { expect } from 'chai';
import { LokiPushError } from '@otel-loki/push';
import type { PushResult, PushStream } from '@otel-loki/push';
import { EntryEncoder } from '@otel-loki/push/internal';
import { BufferedSender } from '../../src/sending/buffered-sender';
import { Diagnostics } from '../../src/observability/diagnostics';
import { LokiEntry } from '../../src/mapping/loki-entry';
import type { PushClient } from '../../src/internal-types';
import { successResult } from '../helpers/fake-client';
import { T0 } from '../helpers/records';

type Answer = (streams: readonly PushStream[]) => Promise<PushResult>;

function senderWith(answers: Answer[], releaseDelivered = true): BufferedSender {
  const client: PushClient = {
    push: async (streams) => (answers.shift() ?? successResult)(streams),
    close: async () => undefined,
  };
  return new BufferedSender({
    client,
    diagnostics: new Diagnostics(),
    maxBytes: 1 << 20,
    maxPushBytes: 1 << 20,
    maxConcurrent: 1,
    retryDeadlineMillis: 1000,
    oldestAcceptedNanos: () => 0n,
    signal: new AbortController().signal,
    releaseDelivered,
  });
}

/** Entries whose encoding lies in the encoder's buffer, held there. */
function entries(encoder: EntryEncoder, count: number, tag: string): LokiEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const entry = new LokiEntry(T0[0], T0[1] + i, `${tag} ${i}`, [{ name: 'i', value: String(i) }], encoder);
    expect(entry.encoded.byteLength).to.be.greaterThan(0);
    return entry;
  });
}

function released(entry: LokiEntry): boolean {
  try {
    void entry.encoded;
    return false;
  } catch (error) {
    expect((error as Error).message).to.match(/read after it was delivered and released/);
    return true;
  }
}

function failure(retryable: boolean, failed: (streams: readonly PushStream[]) => PushStream[]): Answer {
  return async (streams) => {
    throw new LokiPushError(`Loki answered ${retryable ? 503 : 400}`, {
      reason: 'http',
      status: retryable ? 503 : 400,
      retryable,
      attempts: 1,
      failedStreams: failed(streams),
    });
  };
}

describe('entry release by the sender', () => {
  it('releases every entry of a delivered push', async () => {
    const sent = entries(new EntryEncoder(4), 3, 'a');
    const sender = senderWith([]);
    sender.submit(undefined, [{ labels: '{job="a"}', entries: sent }]);
    await sender.flush();
    expect(sent.map(released)).to.deep.equal([true, true, true]);
  });

  it('after a retryable failure releases what was delivered and keeps what is sent again, intact', async () => {
    const sent = entries(new EntryEncoder(4), 4, 'b');
    const other = entries(new EntryEncoder(4), 2, 'c');
    // Loki took the first stream; the second is to be sent again.
    const sender = senderWith([failure(true, (streams) => [streams[1]])]);
    sender.submit(undefined, [
      { labels: '{job="b"}', entries: sent },
      { labels: '{job="c"}', entries: other },
    ]);
    await sender.flush();
    expect(sent.map(released)).to.deep.equal([true, true, true, true]);
    expect(other.map(released)).to.deep.equal([false, false]);
    expect(other.map((e) => e.line)).to.deep.equal(['c 0', 'c 1']);

    await sender.flush(); // cuts the backoff short: the second stream is delivered now
    expect(other.map(released)).to.deep.equal([true, true]);
  });

  it('releases nothing of a refused push: its error carries the entries to the user', async () => {
    const sent = entries(new EntryEncoder(4), 2, 'd');
    const outcomes: string[] = [];
    const sender = senderWith([failure(false, (streams) => [...streams])]);
    sender.submit(undefined, [{ labels: '{job="d"}', entries: sent }], (outcome) => outcomes.push(outcome.kind));
    await sender.flush();
    expect(outcomes).to.deep.equal(['refused']);
    expect(sent.map(released)).to.deep.equal([false, false]);
  });

  it('releases nothing when it is not the last holder of the entries', async () => {
    const sent = entries(new EntryEncoder(4), 2, 'e');
    const sender = senderWith([], false);
    sender.submit(undefined, [{ labels: '{job="e"}', entries: sent }]);
    await sender.flush();
    expect(sent.map(released)).to.deep.equal([false, false]);
  });
});
