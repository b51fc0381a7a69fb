import { expect } from 'chai';
import { encodePushRequest } from '@otel-loki/push';
import { ProtoDecodeError, readPushRequest } from '../../src/decode/push-request-reader';
import { encodeRawPushRequest } from '../helpers/proto-writer';

describe('readPushRequest (gogo/protobuf behaviour)', () => {
  it('reads what the client codec writes, metadata included', () => {
    const streams = [
      {
        labels: '{a="1"}',
        entries: [{ timestampNanos: 1_700_000_000_123_456_789n, line: 'x', metadata: [{ name: 'k', value: 'v' }] }],
      },
      { labels: '{b="2"}', entries: [{ timestampNanos: 5n, line: '' }] },
    ];
    expect(readPushRequest(encodePushRequest(streams))).to.deep.equal(streams);
  });

  it('reads an independently encoded body, ignoring the hash field', () => {
    const body = encodeRawPushRequest([
      {
        labels: '{a="1"}',
        hash: 42n,
        entries: [{ timestampNanos: 3_000_000_007n, line: 'l', metadata: [['m', 'n']] }],
      },
    ]);
    expect(readPushRequest(body)).to.deep.equal([
      {
        labels: '{a="1"}',
        entries: [{ timestampNanos: 3_000_000_007n, line: 'l', metadata: [{ name: 'm', value: 'n' }] }],
      },
    ]);
  });

  it('does not check UTF-8: invalid bytes read as U+FFFD instead of failing the push', () => {
    const body = encodeRawPushRequest([{ labels: Buffer.from([0x7b, 0xff, 0x7d]), entries: [] }]);
    expect(readPushRequest(body)[0].labels).to.equal('{\ufffd}');
  });

  it('skips unknown fields and reads negative timestamps', () => {
    const unknown = Buffer.from([0x18, 0x01, 0x25, 0, 0, 0, 0]);
    const body = Buffer.concat([
      encodeRawPushRequest([{ labels: '{}', entries: [{ timestampNanos: -1_000_000_000n, line: 'old' }] }]),
      unknown,
    ]);
    expect(readPushRequest(body)[0].entries[0].timestampNanos).to.equal(-1_000_000_000n);
  });

  it('answers gogo/protobuf errors for truncated and malformed messages', () => {
    const body = encodeRawPushRequest([{ labels: '{a="1"}', entries: [] }]);
    expect(() => readPushRequest(body.subarray(0, body.length - 2))).to.throw(ProtoDecodeError, /^unexpected EOF$/);
    expect(() => readPushRequest(Buffer.from([0x08, 0x01]))).to.throw(
      ProtoDecodeError,
      /^proto: wrong wireType = 0 for field Streams$/
    );
    expect(() => readPushRequest(Buffer.from([0x0b]))).to.throw(
      ProtoDecodeError,
      /^proto: wrong wireType = 3 for field Streams$/
    );
    expect(() => readPushRequest(Buffer.from([0x03]))).to.throw(
      ProtoDecodeError,
      /^proto: PushRequest: illegal tag 0 \(wire type 3\)$/
    );
  });
});
