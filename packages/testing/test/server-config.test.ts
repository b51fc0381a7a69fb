import { expect } from 'chai';
import { DEFAULT_SERVER_LIMITS, resolveOptions } from '../src/server-config';

describe('resolveOptions', () => {
  it("defaults to Loki 3.x's limits, loopback, port 0 and auth off", () => {
    const options = resolveOptions();
    expect(options).to.include({ host: '127.0.0.1', port: 0, authEnabled: false, grpcMaxRecvMsgSizeBytes: 4194304 });
    expect(options.limits).to.deep.equal(DEFAULT_SERVER_LIMITS);
    expect(DEFAULT_SERVER_LIMITS).to.include({
      maxLineSize: 262144,
      maxLabelNamesPerSeries: 15,
      maxStructuredMetadataEntriesCount: 128,
    });
  });

  it('derives the duplicate check from lokiVersion unless given', () => {
    expect(resolveOptions({ lokiVersion: '3.4' }).duplicateCheckIgnoresMetadata).to.equal(true);
    expect(
      resolveOptions({ lokiVersion: '3.4', duplicateCheckIgnoresMetadata: false }).duplicateCheckIgnoresMetadata
    ).to.equal(false);
    expect(resolveOptions().duplicateCheckIgnoresMetadata).to.equal(false);
  });

  it('keeps 0 and false as values (merged with ??)', () => {
    const options = resolveOptions({ port: 0, limits: { maxLineSize: 0, rejectOldSamples: false } });
    expect(options.limits).to.include({ maxLineSize: 0, rejectOldSamples: false });
  });

  it('refuses bad options with errors naming them', () => {
    expect(() => resolveOptions({ port: 70000 })).to.throw(RangeError, /^port: expected an integer/);
    expect(() => resolveOptions({ limits: { maxLineSize: -1 } })).to.throw(RangeError, /^limits\.maxLineSize/);
    expect(() => resolveOptions({ limits: { maxLineSizeTruncate: 'yes' as unknown as boolean } })).to.throw(
      TypeError,
      /maxLineSizeTruncate/
    );
    expect(() => resolveOptions({ limits: { nope: 1 } as never })).to.throw(TypeError, /limits\.nope: unknown limit/);
    expect(() => resolveOptions({ lokiVersion: '2.9' as never })).to.throw(
      RangeError,
      /^lokiVersion: expected '3\.4' or 'latest', got 2\.9$/
    );
  });
});
