import { expect } from 'chai';
import * as fc from 'fast-check';
import * as nodeBytes from '../../src/platform/node/bytes';
import * as webBytes from '../../src/platform/web/bytes';

/** Strings with every kind of UTF-16 content: ASCII, 2-, 3- and 4-byte characters, lone surrogates. */
const anyString = fc.string({ unit: 'binary', maxLength: 64 });
const loneSurrogates = fc.constantFrom('\ud800', 'a\udc00b', '\udbff\ud800', 'x\ud83d');

describe('platform bytes: the web implementation writes what Buffer writes', () => {
  it('utf8Length, utf8Bytes and writeUtf8 agree with Buffer (property, lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, loneSurrogates), (s) => {
        expect(webBytes.utf8Length(s)).to.equal(nodeBytes.utf8Length(s));
        expect([...webBytes.utf8Bytes(s)]).to.deep.equal([...nodeBytes.utf8Bytes(s)]);
        const web = webBytes.allocBytes(3 + 3 * s.length).fill(0);
        const node = nodeBytes.allocBytes(3 + 3 * s.length).fill(0);
        expect(webBytes.writeUtf8(web, 3, s)).to.equal(nodeBytes.writeUtf8(node, 3, s));
        expect([...web]).to.deep.equal([...node]);
      }),
      { numRuns: 500 }
    );
  });

  it('decodeUtf8 and base64 agree with Buffer, invalid UTF-8 included (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(webBytes.decodeUtf8(bytes)).to.equal(nodeBytes.decodeUtf8(bytes));
        expect(webBytes.base64(bytes)).to.equal(nodeBytes.base64(bytes));
      }),
      { numRuns: 500 }
    );
  });

  it('base64 of a body larger than one String.fromCharCode chunk', () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
    expect(webBytes.base64(bytes)).to.equal(Buffer.from(bytes).toString('base64'));
  });

  it('allocBytes on the web is a plain Uint8Array, not a Buffer', () => {
    expect(Buffer.isBuffer(webBytes.allocBytes(4))).to.equal(false);
  });
});
