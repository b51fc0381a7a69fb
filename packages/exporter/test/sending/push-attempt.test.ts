/** What one push attempt came to, as both senders read it: delivered, retryable, refused. */
import { expect } from 'chai';
import { LokiPushError } from '@otel-loki/push';
import type { PushStream } from '@otel-loki/push';
import { failedAttempt, singleAttemptOptions } from '../../src/sending/push-attempt';

const ENTRIES = 5;
const STREAMS: PushStream[] = [
  {
    labels: '{service_name="api"}',
    entries: [
      { timestampNanos: 1n, line: 'a' },
      { timestampNanos: 2n, line: 'b' },
    ],
  },
];

function pushError(fields: { status?: number; reason: LokiPushError['reason']; retryable: boolean }): LokiPushError {
  return new LokiPushError('failed', { ...fields, attempts: 1, failedStreams: STREAMS });
}

describe('failedAttempt', () => {
  it('is retryable for a retryable LokiPushError (5xx, network) and for an aborted push: its undelivered entries failed', () => {
    for (const error of [
      pushError({ status: 503, reason: 'http', retryable: true }),
      pushError({ reason: 'network', retryable: true }),
      pushError({ reason: 'aborted', retryable: false }),
    ]) {
      expect(failedAttempt(error, ENTRIES), error.reason).to.deep.equal({ kind: 'retryable', error, failed: 2 });
    }
  });

  it('is refused for a LokiPushError that is not retryable (400): its undelivered entries failed', () => {
    const error = pushError({ status: 400, reason: 'http', retryable: false });
    expect(failedAttempt(error, ENTRIES)).to.deep.equal({ kind: 'refused', error, failed: 2 });
  });

  it('is refused, every entry failed, when the client throws something else (a bug, a bad argument)', () => {
    const error = new TypeError('bad');
    expect(failedAttempt(error, ENTRIES)).to.deep.equal({ kind: 'refused', error, failed: ENTRIES });
    const outcome = failedAttempt('a string', ENTRIES);
    expect(outcome.kind).to.equal('refused');
    expect(outcome.kind === 'refused' && outcome.error.message).to.equal('a string');
  });
});

describe('singleAttemptOptions', () => {
  it('asks the client for one try within the deadline, under the sender signal', () => {
    const signal = new AbortController().signal;
    expect(singleAttemptOptions('t1', { signal, retryDeadlineMillis: 1_000 })).to.deep.equal({
      tenantId: 't1',
      signal,
      retryDeadlineMillis: 1_000,
      maxRetries: 0,
    });
  });
});
