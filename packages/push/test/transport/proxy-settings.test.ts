import { expect } from 'chai';
import { inspect } from 'node:util';
import { resolveProxy } from '../../src/transport/proxy-settings';

const HTTPS_LOKI = new URL('https://loki.example.com/loki/api/v1/push');
const HTTP_LOKI = new URL('http://loki.example.com:3100/loki/api/v1/push');
const PASSWORD = 's3cr3t-pa55';

describe('proxy-settings', () => {
  describe('from the environment', () => {
    it('reads HTTPS_PROXY for an https Loki and HTTP_PROXY for an http one, nothing else', () => {
      const env = { HTTPS_PROXY: 'http://tls-proxy:3128', HTTP_PROXY: 'http://plain-proxy:3128' };
      expect(resolveProxy(undefined, HTTPS_LOKI, env)?.url.href).to.equal('http://tls-proxy:3128/');
      expect(resolveProxy(undefined, HTTP_LOKI, env)?.url.href).to.equal('http://plain-proxy:3128/');
      // No fallback from one to the other (nor ALL_PROXY), as in Node.
      expect(resolveProxy(undefined, HTTPS_LOKI, { HTTP_PROXY: 'http://p:1', ALL_PROXY: 'http://p:2' })).to.equal(
        undefined
      );
    });

    it('prefers the lower-case names, as Node does, and treats empty values as unset', () => {
      const env = { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:1' };
      expect(resolveProxy(undefined, HTTPS_LOKI, env)).to.deep.include({ source: 'https_proxy' });
      expect(resolveProxy(undefined, HTTPS_LOKI, { ...env, https_proxy: '' })).to.deep.include({
        source: 'HTTPS_PROXY',
      });
      expect(resolveProxy(undefined, HTTP_LOKI, { http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:1' }))
        .to.have.nested.property('url.hostname')
        .that.equals('lower');
    });

    it('goes direct for hosts in no_proxy (lower case first) or NO_PROXY', () => {
      const env = { HTTPS_PROXY: 'http://proxy:3128' };
      expect(resolveProxy(undefined, HTTPS_LOKI, { ...env, NO_PROXY: '.example.com' })).to.equal(undefined);
      expect(resolveProxy(undefined, HTTPS_LOKI, { ...env, no_proxy: 'other', NO_PROXY: '*' })).to.not.equal(undefined);
      expect(resolveProxy(undefined, HTTPS_LOKI, { ...env, NO_PROXY: 'loki.example.com:443' })).to.equal(undefined);
      expect(
        resolveProxy(undefined, HTTP_LOKI, { HTTP_PROXY: 'http://p:1', NO_PROXY: 'loki.example.com:3100' })
      ).to.equal(undefined);
    });

    it('ignores proxy schemes other than http and https (left to other code, as in Node)', () => {
      expect(resolveProxy(undefined, HTTPS_LOKI, { HTTPS_PROXY: 'socks5://proxy:1080' })).to.equal(undefined);
    });

    it('names the variable, never its value, when it is not a URL', () => {
      expect(() => resolveProxy(undefined, HTTPS_LOKI, { HTTPS_PROXY: `http://u:${PASSWORD}@exa mple:1` }))
        .to.throw(TypeError, /^HTTPS_PROXY: not a valid absolute URL/)
        .and.satisfy((error: Error) => !error.message.includes(PASSWORD));
    });
  });

  describe('the proxy option', () => {
    it('wins over the environment and NO_PROXY; false ignores the environment', () => {
      const env = { HTTPS_PROXY: 'http://env-proxy:1', NO_PROXY: '*' };
      expect(resolveProxy('http://option-proxy:3128', HTTPS_LOKI, env)).to.deep.include({ source: 'proxy' });
      expect(resolveProxy(false, HTTPS_LOKI, { HTTPS_PROXY: 'http://env-proxy:1' })).to.equal(undefined);
    });

    it('refuses what is not an http(s) proxy URL, naming the option', () => {
      expect(() => resolveProxy(42, HTTPS_LOKI, {})).to.throw(TypeError, /^proxy: expected a proxy URL .* got number/);
      expect(() => resolveProxy('', HTTPS_LOKI, {})).to.throw(TypeError, /^proxy: expected a proxy URL/);
      expect(() => resolveProxy(true, HTTPS_LOKI, {})).to.throw(TypeError, /^proxy: /);
      expect(() => resolveProxy('proxy:3128', HTTPS_LOKI, {})).to.throw(
        TypeError,
        /^proxy: expected an http: or https:/
      );
      expect(() => resolveProxy('socks5://proxy:1080', HTTPS_LOKI, {})).to.throw(TypeError, /socks5:/);
      expect(() => resolveProxy('http://proxy:3128/path', HTTPS_LOKI, {})).to.throw(TypeError, /no path/);
      expect(() => resolveProxy('http://u:%E0%A4%A@proxy:1', HTTPS_LOKI, {})).to.throw(TypeError, /percent-encoding/);
    });

    it('turns credentials into a redacted Proxy-Authorization header and keeps them out of the URL', () => {
      const proxy = resolveProxy(`http://alice:${encodeURIComponent(PASSWORD + '@')}@proxy:3128`, HTTPS_LOKI, {});
      expect(proxy?.url.href).to.equal('http://proxy:3128/');
      expect(proxy?.authorization?.reveal()).to.equal('Basic ' + Buffer.from(`alice:${PASSWORD}@`).toString('base64'));
      const printed = inspect(proxy, { depth: 5 }) + JSON.stringify(proxy) + String(proxy?.authorization);
      expect(printed).to.not.include(PASSWORD);
      expect(printed).to.not.include(Buffer.from(`alice:${PASSWORD}@`).toString('base64'));
      expect(printed).to.include('[redacted]');
    });
  });
});
