import { expect } from 'chai';
import * as fc from 'fast-check';
import { encodePushRequest, encodePushRequestTransient } from '../../src/wire/push-request-writer';
import { protobufjsEncodePushRequest } from '../helpers/protobufjs-encoder';
import type { PushStream } from '../../src/types';
import { readPushRequest } from '../helpers/proto-reader';

const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constant(''),
  fc.constant('x'.repeat(300))
);
const streamsArb: fc.Arbitrary<PushStream[]> = fc.array(
  fc.record({
    labels: text,
    entries: fc.array(
      fc.record(
        {
          timestampNanos: fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }),
          line: text,
          metadata: fc.array(fc.record({ name: text, value: text }), { maxLength: 6 }),
        },
        { requiredKeys: ['timestampNanos', 'line'] }
      ),
      { maxLength: 8 }
    ),
  }),
  { maxLength: 5 }
);

describe('push-request-writer', () => {
  it('writes exactly the bytes of the protobufjs code generated from proto/push.proto (property)', () => {
    fc.assert(
      fc.property(streamsArb, (streams) => {
        expect(
          Buffer.from(encodePushRequest(streams)).equals(Buffer.from(protobufjsEncodePushRequest(streams)))
        ).to.equal(true);
      }),
      { numRuns: 500 }
    );
  });

  it('writes the same bytes into its reused buffer, valid until the next call (property)', () => {
    fc.assert(
      fc.property(streamsArb, streamsArb, (first, second) => {
        const reused = Buffer.from(encodePushRequestTransient(first));
        expect(reused.equals(encodePushRequest(first))).to.equal(true);
        const next = encodePushRequestTransient(second);
        expect(Buffer.from(next).equals(encodePushRequest(second))).to.equal(true);
      }),
      { numRuns: 200 }
    );
  });

  it('is read correctly by the independent reader', () => {
    const streams: PushStream[] = [
      {
        labels: '{job="é"}',
        entries: [
          { timestampNanos: 1_700_000_000_000_000_001n, line: 'ünïcode 😀', metadata: [{ name: 'k', value: 'v' }] },
        ],
      },
    ];
    const [stream] = readPushRequest(encodePushRequest(streams));
    expect(stream.labels).to.equal('{job="é"}');
    expect(stream.entries[0]).to.deep.include({
      seconds: 1_700_000_000n,
      nanos: 1n,
      line: 'ünïcode 😀',
      metadata: [['k', 'v']],
    });
  });
});
