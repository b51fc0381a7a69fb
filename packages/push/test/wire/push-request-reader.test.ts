import { expect } from 'chai';
import * as fc from 'fast-check';
import { readPushRequest } from '../../src/wire/push-request-reader';
import { decodePushRequestBytes } from '../../src/platform/node/codec';
import { encodePushRequest } from '../../src/wire/push-request-writer';
import type { PushStream } from '../../src/types';
import { protobufjsEncodePushRequest } from '../helpers/protobufjs-encoder';

const text = fc.string({ unit: 'grapheme', maxLength: 20 });
const streamsArb: fc.Arbitrary<PushStream[]> = fc.array(
  fc.record({
    labels: text,
    entries: fc.array(
      fc.record(
        {
          timestampNanos: fc.bigInt(-(10n ** 18n), 10n ** 19n),
          line: text,
          metadata: fc.array(fc.record({ name: text, value: text }), { maxLength: 3 }),
        },
        { requiredKeys: ['timestampNanos', 'line'] }
      ),
      { maxLength: 4 }
    ),
  }),
  { maxLength: 4 }
);

describe('push-request-reader (the decoder of web bundles)', () => {
  it('reads what the writer writes exactly as the protobufjs decoder does (property)', () => {
    fc.assert(
      fc.property(streamsArb, (streams) => {
        const bytes = encodePushRequest(streams);
        expect(readPushRequest(bytes)).to.deep.equal(decodePushRequestBytes(bytes));
      }),
      { numRuns: 300 }
    );
  });

  it('reads protobufjs encodings too, and skips fields it does not know', () => {
    const streams: PushStream[] = [{ labels: '{a="b"}', entries: [{ timestampNanos: 1_500_000_000n, line: 'x' }] }];
    const bytes = protobufjsEncodePushRequest(streams);
    // An unknown varint field (number 9) before the streams, as a newer writer might add.
    const withUnknown = Uint8Array.from([9 << 3, 0x96, 0x01, ...bytes]);
    expect(readPushRequest(withUnknown)).to.deep.equal(decodePushRequestBytes(bytes));
  });

  it('refuses truncated bytes with an error naming PushRequest', () => {
    const bytes = encodePushRequest([{ labels: '{a="b"}', entries: [{ timestampNanos: 1n, line: 'hello' }] }]);
    expect(() => readPushRequest(bytes.subarray(0, bytes.byteLength - 2))).to.throw(/invalid PushRequest/);
    expect(() => readPushRequest(Uint8Array.from([0x0a, 0xff]))).to.throw(/invalid PushRequest/);
  });
});
