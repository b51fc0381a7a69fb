import * as zlib from 'node:zlib';
import { expect } from 'chai';
import { encodePushRequest, snappyCompress } from '@otel-loki/push';
import { PushDecodeError } from '../../src/decode/json-push-decoder';
import { decodePushBody } from '../../src/decode/push-body-decoder';

const STREAMS = [{ labels: '{job="x"}', entries: [{ timestampNanos: 1n, line: 'hello' }] }];
const PROTO = Buffer.from(snappyCompress(encodePushRequest(STREAMS)));
const PATH = '/loki/api/v1/push';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PushDecodeError) return err.message;
    throw err;
  }
  throw new Error('expected a PushDecodeError');
}

describe('decodePushBody (Loki ParseLokiRequest)', () => {
  it('reads snappy protobuf for application/x-protobuf and for any other media type', () => {
    expect(decodePushBody(PROTO, 'application/x-protobuf', undefined, PATH)).to.deep.include({
      format: 'protobuf',
      streams: STREAMS,
    });
    expect(decodePushBody(PROTO, 'text/plain', undefined, PATH).format).to.equal('protobuf');
  });

  it('matches application/json case-insensitively with parameters', () => {
    const body = Buffer.from('{"streams":[{"stream":{"job":"x"},"values":[["1","hello"]]}]}');
    expect(decodePushBody(body, 'Application/JSON; charset=utf-8', undefined, PATH).streams).to.deep.equal(STREAMS);
  });

  it('reads JSON outside /loki/api/v1 as the legacy format', () => {
    const body = Buffer.from(
      '{"streams":[{"labels":"{job=\\"x\\"}","entries":[{"ts":"1970-01-01T00:00:00.000000001Z","line":"hello"}]}]}'
    );
    expect(decodePushBody(body, 'application/json', undefined, '/api/prom/push')).to.deep.include({
      format: 'legacy-json',
      streams: STREAMS,
    });
  });

  it('undoes gzip and raw deflate, and takes Content-Encoding: snappy as no-op', () => {
    expect(decodePushBody(zlib.gzipSync(PROTO), 'application/x-protobuf', 'gzip', PATH).streams).to.deep.equal(STREAMS);
    expect(decodePushBody(zlib.deflateRawSync(PROTO), 'application/x-protobuf', 'deflate', PATH).streams).to.deep.equal(
      STREAMS
    );
    expect(decodePushBody(PROTO, 'application/x-protobuf', 'snappy', PATH).streams).to.deep.equal(STREAMS);
  });

  it('refuses unknown encodings, quoting them as Go %q does', () => {
    expect(errorOf(() => decodePushBody(PROTO, 'application/x-protobuf', 'GZIP', PATH))).to.equal(
      'Content-Encoding "GZIP" not supported'
    );
    expect(errorOf(() => decodePushBody(PROTO, 'application/x-protobuf', 'gzip, br', PATH))).to.equal(
      'Content-Encoding "gzip, br" not supported'
    );
  });

  it('answers Go errors for broken gzip bodies', () => {
    expect(errorOf(() => decodePushBody(Buffer.alloc(0), 'application/x-protobuf', 'gzip', PATH))).to.equal('EOF');
    expect(errorOf(() => decodePushBody(Buffer.from('plain'), 'application/x-protobuf', 'gzip', PATH))).to.equal(
      'gzip: invalid header'
    );
    expect(
      errorOf(() => decodePushBody(zlib.gzipSync(PROTO).subarray(0, 15), 'application/x-protobuf', 'gzip', PATH))
    ).to.equal('unexpected EOF');
  });

  it('answers `snappy: corrupt input` for a body that is not a snappy block', () => {
    expect(errorOf(() => decodePushBody(Buffer.from('{"streams":[]}'), undefined, undefined, PATH))).to.equal(
      'snappy: corrupt input'
    );
  });

  it('answers a protobuf error for a snappy block that is not a PushRequest', () => {
    const garbage = Buffer.from(snappyCompress(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f])));
    expect(errorOf(() => decodePushBody(garbage, 'application/x-protobuf', undefined, PATH))).to.equal(
      'unexpected EOF'
    );
  });

  it('answers Go mime errors for unparseable Content-Type values', () => {
    expect(errorOf(() => decodePushBody(PROTO, '; charset=utf-8', undefined, PATH))).to.equal('mime: no media type');
    expect(errorOf(() => decodePushBody(PROTO, 'application/', undefined, PATH))).to.equal(
      'mime: expected token after slash'
    );
  });
});
