import { expect } from 'chai';
import { bypassesProxy, parseNoProxy } from '../../src/transport/no-proxy';

const bypasses = (list: string, host: string, port = 443): boolean => bypassesProxy(parseNoProxy(list), host, port);

describe('no-proxy', () => {
  it('bypasses nothing when empty or unset', () => {
    expect(bypassesProxy(parseNoProxy(undefined), 'loki', 443)).to.equal(false);
    expect(bypasses('', 'loki')).to.equal(false);
    expect(bypasses(' , ,', 'loki')).to.equal(false);
  });

  it('bypasses every host with *', () => {
    expect(bypasses('*', 'loki.example.com')).to.equal(true);
    expect(bypasses('other, *', '10.0.0.1')).to.equal(true);
  });

  it('matches a plain entry exactly, case-insensitively, with spaces trimmed', () => {
    expect(bypasses('other.com, Loki.Example.com ', 'loki.example.COM')).to.equal(true);
    // As in Node (and undici): a plain entry is not a suffix.
    expect(bypasses('example.com', 'loki.example.com')).to.equal(false);
    expect(bypasses('loki.example.com', 'example.com')).to.equal(false);
  });

  it('matches subdomains with a leading dot (and the domain itself), stopping at a dot', () => {
    expect(bypasses('.example.com', 'loki.example.com')).to.equal(true);
    expect(bypasses('.example.com', 'a.b.example.com')).to.equal(true);
    expect(bypasses('.example.com', 'example.com')).to.equal(true);
    expect(bypasses('.example.com', 'badexample.com')).to.equal(false);
  });

  it('matches subdomains only with *.', () => {
    expect(bypasses('*.example.com', 'loki.example.com')).to.equal(true);
    expect(bypasses('*.example.com', 'example.com')).to.equal(false);
    expect(bypasses('*.example.com', 'badexample.com')).to.equal(false);
  });

  it('matches host:port on the effective port only', () => {
    expect(bypasses('loki:3100', 'loki', 3100)).to.equal(true);
    expect(bypasses('loki:3100', 'loki', 443)).to.equal(false);
    expect(bypasses('loki:443', 'loki', 443)).to.equal(true);
    expect(bypasses('.example.com:8443', 'loki.example.com', 8443)).to.equal(true);
  });

  it('matches IPv4 literals and ranges', () => {
    expect(bypasses('127.0.0.1', '127.0.0.1')).to.equal(true);
    expect(bypasses('127.0.0.1', '127.0.0.2')).to.equal(false);
    expect(bypasses('10.0.0.0-10.0.0.255', '10.0.0.42')).to.equal(true);
    expect(bypasses('10.0.0.0 - 10.0.0.255', '10.0.1.0')).to.equal(false);
    expect(bypasses('10.0.0.0-10.0.0.255', 'loki')).to.equal(false);
  });

  it('matches IPv6 literals bare or in brackets, with or without a port', () => {
    expect(bypasses('::1', '[::1]')).to.equal(true);
    expect(bypasses('[::1]', '[::1]')).to.equal(true);
    expect(bypasses('[::1]', '::1')).to.equal(true);
    expect(bypasses('[::1]:3100', '[::1]', 3100)).to.equal(true);
    expect(bypasses('[::1]:3100', '[::1]', 3101)).to.equal(false);
    expect(bypasses('fe80::1', '[::1]')).to.equal(false);
  });
});
