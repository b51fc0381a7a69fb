/** Configuration from code and environment, code first; clear errors for code, warnings for env. */
import { expect } from 'chai';
import { parseHeaders, resolveConfig } from '../src/configuration';
import { captureDiag, restoreDiag } from './helpers/diag';
import { exporterWithFake } from './helpers/fake-client';

describe('configuration', () => {
  afterEach(() => restoreDiag());

  it('with no options and no environment: http://localhost:3100, 10 s timeout, 25 s deadline', () => {
    const config = resolveConfig({}, {});

    expect(config.client).to.include({
      url: 'http://localhost:3100',
      timeoutMillis: 10_000,
      retryDeadlineMillis: 25_000,
    });
    expect(config.client.tenantId).to.equal(undefined);
  });

  it('reads OTEL_EXPORTER_LOKI_* when code gives nothing', () => {
    const config = resolveConfig(
      {},
      {
        OTEL_EXPORTER_LOKI_ENDPOINT: 'https://loki.example:3100/prefix',
        OTEL_EXPORTER_LOKI_HEADERS: 'x-a=1, Authorization=Bearer%20abc',
        OTEL_EXPORTER_LOKI_TENANT_ID: 'team-a',
        OTEL_EXPORTER_LOKI_TIMEOUT: '2500',
      }
    );

    expect(config.client).to.deep.include({
      url: 'https://loki.example:3100/prefix',
      tenantId: 'team-a',
      timeoutMillis: 2500,
      headers: { 'x-a': '1', Authorization: 'Bearer abc' },
    });
  });

  it('code options win over the environment', () => {
    const config = resolveConfig(
      { url: 'http://code:3100', tenantId: 'code', timeoutMillis: 1000, headers: { a: 'b' } },
      {
        OTEL_EXPORTER_LOKI_ENDPOINT: 'http://env:3100',
        OTEL_EXPORTER_LOKI_TENANT_ID: 'env',
        OTEL_EXPORTER_LOKI_TIMEOUT: '5',
        OTEL_EXPORTER_LOKI_HEADERS: 'c=d',
      }
    );

    expect(config.client).to.deep.include({
      url: 'http://code:3100',
      tenantId: 'code',
      timeoutMillis: 1000,
      headers: { a: 'b' },
    });
  });

  it('invalid environment values: a warning and the default', () => {
    const spies = captureDiag();

    const config = resolveConfig(
      {},
      {
        OTEL_EXPORTER_LOKI_ENDPOINT: 'not a url',
        OTEL_EXPORTER_LOKI_TENANT_ID: 'a|b',
        OTEL_EXPORTER_LOKI_TIMEOUT: '-3',
        OTEL_EXPORTER_LOKI_HEADERS: 'novalue',
      }
    );

    expect(config.client.url).to.equal('http://localhost:3100');
    expect(config.client.tenantId).to.equal(undefined);
    expect(config.client.timeoutMillis).to.equal(10_000);
    expect(config.client.headers).to.equal(undefined);
    const warnings = spies.warnings().join('\n');
    expect(warnings).to.match(/OTEL_EXPORTER_LOKI_ENDPOINT/);
    expect(warnings).to.match(/OTEL_EXPORTER_LOKI_TENANT_ID/);
    expect(warnings).to.match(/OTEL_EXPORTER_LOKI_TIMEOUT/);
    expect(warnings).to.match(/OTEL_EXPORTER_LOKI_HEADERS/);
  });

  it('invalid code options throw, naming the option', () => {
    expect(() => resolveConfig({ url: 'ftp://x' }, {})).to.throw(TypeError, /^url: /);
    expect(() => resolveConfig({ tenantId: 'a b' }, {})).to.throw(TypeError, /^tenantId: .*unsupported character/);
    expect(() => resolveConfig({ timeoutMillis: 0 }, {})).to.throw(RangeError, /^timeoutMillis: /);
    expect(() => resolveConfig({ lineFormat: 'xml' as 'raw' }, {})).to.throw(
      TypeError,
      /^lineFormat: expected one of 'raw', 'json', 'logfmt'/
    );
    expect(() => resolveConfig({ attributeRules: [{ match: 'a', action: 'index' as 'label' }] }, {})).to.throw(
      TypeError,
      /^attributeRules\[0\]\.action/
    );
    expect(() => resolveConfig({ limits: { maxLineSze: 1 } as never }, {})).to.throw(
      TypeError,
      /^limits\.maxLineSze: unknown/
    );
    expect(() => resolveConfig({ maxStreams: -1 }, {})).to.throw(RangeError, /^maxStreams/);
    expect(() => resolveConfig({ proxy: 'socks5://proxy:1080' }, {})).to.throw(TypeError, /^proxy: /);
    expect(() => resolveConfig({}, { HTTP_PROXY: 'http://u:pw@not a url' })).to.throw(TypeError, /^HTTP_PROXY: /);
  });

  it('passes proxy to the push client (false too: the environment is then ignored)', () => {
    expect(resolveConfig({ proxy: 'http://proxy:3128' }, {}).client.proxy).to.equal('http://proxy:3128');
    expect(resolveConfig({ proxy: false }, {}).client.proxy).to.equal(false);
    expect(resolveConfig({}, {}).client.proxy).to.equal(undefined);
  });

  it('a retry deadline that does not fit the processor export timeout is lowered, with a warning', () => {
    const spies = captureDiag();

    const config = resolveConfig({ retryDeadlineMillis: 40_000 }, {});

    expect(config.retryDeadlineMillis).to.equal(29_000);
    expect(spies.warnings().join('\n')).to.match(
      /retryDeadlineMillis \(40000\) does not fit.*exportTimeoutMillis \(30000\)/
    );
  });

  it('OTEL_BLRP_EXPORT_TIMEOUT lowers the default deadline to fit, without a warning', () => {
    const spies = captureDiag();

    const config = resolveConfig({}, { OTEL_BLRP_EXPORT_TIMEOUT: '10000' });

    expect(config.retryDeadlineMillis).to.equal(9_000);
    expect(spies.warnings()).to.deep.equal([]);
  });

  it('parses k=v,k2=v2 headers, percent-decoding values and reporting bad entries', () => {
    expect(parseHeaders(' a = 1 ,b=x%3Dy,,bad,=v')).to.deep.equal({
      headers: { a: '1', b: 'x=y' },
      invalid: ['bad', '=v'],
    });
  });

  it('the exporter hands the resolved options to the push client', () => {
    const { client } = exporterWithFake(
      { format: 'json', maxRequestBytes: 1000 },
      { env: { OTEL_EXPORTER_LOKI_TENANT_ID: 't1' } }
    );

    expect(client.options).to.deep.include({
      format: 'json',
      maxRequestBytes: 1000,
      tenantId: 't1',
      url: 'http://localhost:3100',
    });
  });
});
