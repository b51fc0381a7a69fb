import { expect } from 'chai';
import * as fc from 'fast-check';
import { Http1ResponseReader, MAX_RESPONSE_HEAD_BYTES } from '../../src/transport/http1-response';
import type { ReadOutcome } from '../../src/transport/http1-response';
import { MAX_RESPONSE_BODY_BYTES } from '../../src/transport/transport-types';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Feeds `input` in the given pieces; the last outcome (with `end()` when `close` is set). */
function read(input: Uint8Array, cuts: number[] = [], close = false): ReadOutcome {
  const reader = new Http1ResponseReader();
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  let outcome: ReadOutcome = { kind: 'more' };
  let from = 0;
  for (const to of [...points, input.length]) {
    outcome = reader.push(input.subarray(from, to));
    from = to;
    // What follows the response: the rest of this piece and the pieces not fed.
    if (outcome.kind === 'done') return { ...outcome, rest: new Uint8Array([...outcome.rest, ...input.subarray(to)]) };
    if (outcome.kind !== 'more') return outcome;
  }
  return close ? reader.end() : outcome;
}

function done(outcome: ReadOutcome): Extract<ReadOutcome, { kind: 'done' }> {
  if (outcome.kind !== 'done') throw new Error(`expected a response, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function failure(outcome: ReadOutcome): string {
  if (outcome.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.message;
}

type Framing = 'length' | 'chunked' | 'close';

interface Spec {
  http10: boolean;
  status: number;
  interim: number[];
  headers: Array<[string, string]>;
  body: string;
  framing: Framing;
  chunkSizes: number[];
  connectionClose: boolean;
  trailers: boolean;
  lf: boolean;
}

/** A response as a server would write it, written independently of the reader's rules. */
function serialize(spec: Spec): Uint8Array {
  const eol = spec.lf ? '\n' : '\r\n';
  let text = '';
  for (const code of spec.interim) text += `HTTP/1.1 ${code} Interim${eol}x-hint: ${code}${eol}${eol}`;
  text += `HTTP/1.${spec.http10 ? 0 : 1} ${spec.status} Some Reason${eol}`;
  for (const [name, value] of spec.headers) text += `${name}:  ${value} ${eol}`;
  if (spec.connectionClose) text += `Connection: close${eol}`;
  const body = bytes(spec.body);
  if (spec.framing === 'length') text += `Content-Length: ${body.length}${eol}`;
  if (spec.framing === 'chunked') text += `Transfer-Encoding: chunked${eol}`;
  text += eol;
  const parts: Uint8Array[] = [bytes(text)];
  if (spec.framing !== 'chunked') parts.push(body);
  else {
    let at = 0;
    for (const size of spec.chunkSizes) {
      if (at >= body.length) break;
      const piece = body.subarray(at, at + size);
      at += piece.length;
      parts.push(bytes(`${piece.length.toString(16)}${size % 2 ? ';ext=1' : ''}\r\n`), piece, bytes('\r\n'));
    }
    if (at < body.length) parts.push(bytes(`${(body.length - at).toString(16)}\r\n`), body.subarray(at), bytes('\r\n'));
    parts.push(bytes(`0\r\n${spec.trailers ? 'x-trailer: yes\r\n' : ''}\r\n`));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const headerName = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/)
  .filter((n) => !/^(content-length|transfer-encoding|connection)$/i.test(n));
const headerValue = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);

const specs = fc.record<Spec>({
  http10: fc.boolean(),
  status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
  interim: fc.array(fc.constantFrom(100, 103), { maxLength: 2 }),
  headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
  body: fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ maxLength: 300 }).map((s) => `${s}é€`.repeat(1 + Math.floor(MAX_RESPONSE_BODY_BYTES / 100)))
  ),
  framing: fc.constantFrom<Framing>('length', 'chunked', 'close'),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 5 }),
  connectionClose: fc.boolean(),
  trailers: fc.boolean(),
  lf: fc.boolean(),
});

/** The first bytes of the body, decoded (the reader keeps {@link MAX_RESPONSE_BODY_BYTES}). */
const keptBody = (body: string): string => new TextDecoder().decode(bytes(body).subarray(0, MAX_RESPONSE_BODY_BYTES));

describe('http1-response', () => {
  it('reads any response however its bytes are cut, with the body framed as declared (property)', () => {
    fc.assert(
      fc.property(
        specs,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.constantFrom('', 'HTTP/1.1 204 next\r\n'),
        (spec, cuts, next) => {
          const framing = spec.framing;
          const message = serialize(spec);
          // A close-framed body has nothing after it: the connection's end delimits it.
          const input = framing === 'close' ? message : new Uint8Array([...message, ...bytes(next)]);
          const { response, rest } = done(read(input, cuts, framing === 'close'));
          expect(response.status).to.equal(spec.status);
          expect(response.body).to.equal(keptBody(spec.body));
          expect(new TextDecoder().decode(rest)).to.equal(framing === 'close' ? '' : next);
          expect(response.keepAlive).to.equal(framing !== 'close' && !spec.connectionClose && !spec.http10);
          const expected: Record<string, string> = {};
          for (const [name, value] of spec.headers) {
            const key = name.toLowerCase();
            expected[key] = key in expected ? `${expected[key]}, ${value}` : value;
          }
          for (const [key, value] of Object.entries(expected)) {
            expect(response.headers[key], key).to.deep.equal(key === 'set-cookie' ? value.split(', ') : value);
          }
        }
      ),
      { numRuns: 150 }
    );
  });

  it('answers 204 and 304 without a body whatever their headers say', () => {
    const { response, rest } = done(read(bytes('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/')));
    expect(response).to.deep.include({ status: 204, body: '', keepAlive: true });
    expect(new TextDecoder().decode(rest)).to.equal('HTTP/');
  });

  it('keeps an HTTP/1.0 connection only when the response asks for it', () => {
    const kept = done(read(bytes('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok')));
    expect(kept.response).to.deep.include({ body: 'ok', keepAlive: true });
    const closed = done(read(bytes('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok')));
    expect(closed.response.keepAlive).to.equal(false);
  });

  it('keeps set-cookie values apart and joins other repeated headers', () => {
    const { response } = done(
      read(
        bytes(
          'HTTP/1.1 429 Too Many\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nVia: x\r\nVIA: y\r\nContent-Length: 0\r\n\r\n'
        )
      )
    );
    expect(response.headers).to.deep.equal({ 'set-cookie': ['a=1', 'b=2'], via: 'x, y', 'content-length': '0' });
  });

  it('prefers chunked transfer coding over a content-length, and reads to the end for other codings', () => {
    const chunked = done(
      read(bytes('HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'))
    );
    expect(chunked.response.body).to.equal('ok');
    const gzip = done(read(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc'), [], true));
    expect(gzip.response).to.deep.include({ body: 'abc', keepAlive: false });
  });

  for (const [name, text, pattern] of [
    ['a status line that is not HTTP/1.x', 'HELLO WORLD\r\n\r\n', /invalid status line "HELLO WORLD"/],
    ['HTTP/2 framing', 'HTTP/2 200\r\n\r\n', /invalid status line/],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', /invalid header line "broken"/],
    ['an obsolete folded header line', 'HTTP/1.1 200 OK\r\nA: b\r\n  c\r\n\r\n', /invalid header line/],
    [
      'content-lengths that disagree',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      /invalid content-length "1, 2"/,
    ],
    ['a negative content-length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /invalid content-length/],
    [
      'a chunk size that is not hexadecimal',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      /invalid chunk size line "zz"/,
    ],
    [
      'chunk data longer than its size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n',
      /chunk data longer than its size/,
    ],
    ['a switch of protocols', 'HTTP/1.1 101 Switching Protocols\r\n\r\n', /unexpected 101/],
  ] as const) {
    it(`refuses ${name}, naming what was wrong`, () => {
      expect(failure(read(bytes(text)))).to.match(pattern);
    });
  }

  it(`refuses a head longer than ${MAX_RESPONSE_HEAD_BYTES} bytes without waiting for its end`, () => {
    const reader = new Http1ResponseReader();
    expect(reader.push(bytes('HTTP/1.1 200 OK\r\n')).kind).to.equal('more');
    const outcome = reader.push(bytes(`X-Big: ${'a'.repeat(MAX_RESPONSE_HEAD_BYTES)}\r\n`));
    expect(failure(outcome)).to.match(/response headers longer than 16384 bytes/);
    // The reader stays failed.
    expect(reader.push(bytes('\r\n')).kind).to.equal('error');
  });

  it('tells a connection closed before any response from one closed in the middle of it', () => {
    expect(failure(new Http1ResponseReader().end())).to.equal('the connection closed before a response');
    expect(failure(read(bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'), [], true))).to.equal(
      'the connection closed in the middle of the response'
    );
    expect(failure(read(bytes('HTTP/1.1 200'), [], true))).to.equal(
      'the connection closed in the middle of the response'
    );
  });
});
