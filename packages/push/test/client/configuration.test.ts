import { expect } from 'chai';
import { DEFAULT_LIMITS, resolveClientConfig, resolvePushUrl } from '../../src/client/configuration';

describe('configuration', () => {
  describe('push URL', () => {
    const cases: Array<[string, string]> = [
      ['http://localhost:3100', 'http://localhost:3100/loki/api/v1/push'],
      ['http://localhost:3100/', 'http://localhost:3100/loki/api/v1/push'],
      ['https://gw.example.com/loki-eu/', 'https://gw.example.com/loki-eu/loki/api/v1/push'],
      ['http://loki:3100/loki/api/v1/push', 'http://loki:3100/loki/api/v1/push'],
      ['http://loki:3100/api/prom/push', 'http://loki:3100/api/prom/push'],
      ['http://gw/prefix/loki/api/v1/push?x=1', 'http://gw/prefix/loki/api/v1/push?x=1'],
    ];
    for (const [input, expected] of cases) {
      it(`${input} → ${expected}`, () => {
        expect(resolvePushUrl(input).pushUrl.href).to.equal(expected);
      });
    }

    it('takes credentials out of the URL and never echoes them', () => {
      const { pushUrl, username, password } = resolvePushUrl('https://user:s%3Acret@loki.example.com');
      expect(pushUrl.href).to.equal('https://loki.example.com/loki/api/v1/push');
      expect([username, password]).to.deep.equal(['user', 's:cret']);
      const config = resolveClientConfig({ url: 'https://user:s%3Acret@loki.example.com' });
      expect(config.staticHeaders.reveal().authorization).to.equal(
        'Basic ' + Buffer.from('user:s:cret').toString('base64')
      );
      expect(JSON.stringify(config.pushUrl)).not.to.include('cret');
    });

    it('refuses bad URLs without echoing them', () => {
      expect(() => resolvePushUrl('not a url with secret'))
        .to.throw(TypeError, /^url: not a valid absolute URL/)
        .and.not.match(/secret/);
      expect(() => resolvePushUrl('ftp://x')).to.throw(TypeError, 'url: expected an http: or https: URL, got ftp:');
      expect(() => resolvePushUrl(undefined)).to.throw(TypeError, "url: expected Loki's base URL");
    });
  });

  describe('options', () => {
    it('applies the documented defaults', () => {
      const config = resolveClientConfig({ url: 'http://localhost:3100' });
      expect(config).to.deep.include({
        timezone: 'UTC',
        format: 'protobuf',
        timeoutMillis: 10_000,
        retryDeadlineMillis: 25_000,
        initialBackoffMillis: 500,
        maxBackoffMillis: 5_000,
        maxRequestBytes: 1_048_576,
        tenantId: undefined,
      });
      expect(config.limits).to.deep.equal(DEFAULT_LIMITS);
    });

    it('sends basic auth or a bearer token', () => {
      expect(
        resolveClientConfig({ url: 'http://l', basicAuth: { username: 'u', password: 'p' } }).staticHeaders.reveal()
          .authorization
      ).to.equal('Basic dTpw');
      expect(
        resolveClientConfig({ url: 'http://l', bearerToken: 't0k' }).staticHeaders.reveal().authorization
      ).to.equal('Bearer t0k');
    });

    const bad: Array<[string, object, RegExp]> = [
      [
        'two auth methods',
        { basicAuth: { username: 'u', password: 'p' }, bearerToken: 't' },
        /authentication: use only one of basicAuth, bearerToken/,
      ],
      ['URL credentials and a token', { url: 'http://u:p@l', bearerToken: 't' }, /credentials in url, bearerToken/],
      [
        'CR/LF in a header',
        { headers: { 'x-a': 'v\r\nInjected: 1' } },
        /headers\["x-a"\]: header values must not contain CR, LF, NUL or other control characters/,
      ],
      [
        'a character beyond Latin-1 in a header',
        { headers: { 'x-team': '日本' } },
        /headers\["x-team"\]: header values must not contain .* nor characters beyond Latin-1/,
      ],
      [
        'a control character in a header',
        { headers: { 'x-a': 'v\u0001' } },
        /headers\["x-a"\]: header values must not contain/,
      ],
      ['a bad header name', { headers: { 'bad name': 'v' } }, /headers: invalid header name "bad name"/],
      ['a non-string header', { headers: { 'x-a': 1 } }, /headers\["x-a"\]: expected a string, got number 1/],
      ['a bad tenant', { tenantId: 'a|b' }, /tenantId: invalid Loki tenant ID "a\|b": multiple org IDs present/],
      ['an unknown timezone', { timezone: 'Nowhere/Land' }, /timezone: unknown time zone/],
      ['a bad format', { format: 'xml' }, /format: expected 'protobuf' or 'json', got "xml"/],
      ['a zero timeout', { timeoutMillis: 0 }, /timeoutMillis: expected a positive finite number, got number 0/],
      ['a NaN deadline', { retryDeadlineMillis: NaN }, /retryDeadlineMillis: expected a positive finite number/],
      [
        'backoff cap under the first delay',
        { initialBackoffMillis: 1000, maxBackoffMillis: 10 },
        /maxBackoffMillis: must be at least initialBackoffMillis/,
      ],
      ['an unknown limit', { limits: { maxLines: 1 } }, /limits.maxLines: unknown limit/],
      [
        'a negative limit',
        { limits: { maxLineSize: -1 } },
        /limits.maxLineSize: expected a positive number \(or Infinity\)/,
      ],
      [
        'a bearer token with CR/LF',
        { bearerToken: 'a\nb' },
        /bearerToken: expected a non-empty token of Latin-1 text without CR, LF, NUL or other control characters/,
      ],
    ];
    for (const [what, options, message] of bad) {
      it(`refuses ${what}`, () => {
        expect(() => resolveClientConfig({ url: 'http://localhost:3100', ...options } as never)).to.throw(message);
      });
    }

    it('accepts Infinity to turn a limit off', () => {
      expect(
        resolveClientConfig({ url: 'http://l', limits: { rejectOldSamplesMaxAgeMillis: Infinity } }).limits
          .rejectOldSamplesMaxAgeMillis
      ).to.equal(Infinity);
    });
  });
});
