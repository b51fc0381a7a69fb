import { expect } from 'chai';
import { backoffMillis, decide, parseRetryAfter } from '../../src/transport/retry-policy';
import type { TransportResponse } from '../../src/transport/http-transport';

const response = (status: number, body = '', headers: Record<string, string> = {}): TransportResponse => ({
  kind: 'response',
  status,
  body,
  headers,
});

describe('retry-policy', () => {
  describe('decide', () => {
    for (const status of [200, 204]) {
      it(`${status} is success`, () => expect(decide(response(status))).to.deep.equal({ action: 'success', status }));
    }
    it('260 (ingestion blocked) is a final failure, not success', () => {
      expect(decide(response(260))).to.deep.equal({ action: 'fail', reason: 'ingestion-blocked' });
    });
    for (const status of [201, 202, 301, 400, 401, 403, 404, 413, 422]) {
      it(`${status} is final`, () =>
        expect(decide(response(status))).to.deep.equal({ action: 'fail', reason: 'http' }));
    }
    for (const status of [408, 429, 500, 502, 503, 504]) {
      it(`${status} is retried`, () => expect(decide(response(status)).action).to.equal('retry'));
    }
    it("a 500 over Loki's 4 MiB gRPC limit is split, not retried as is", () => {
      const body =
        'rpc error: code = ResourceExhausted desc = grpc: received message larger than max (4916259 vs. 4194304)';
      expect(decide(response(500, body))).to.deep.equal({ action: 'split' });
    });
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', undefined]) {
      it(`network error ${code} is retried`, () => {
        expect(decide({ kind: 'network', error: new Error('x'), code }).action).to.equal('retry');
      });
    }
    it('certificate errors are final', () => {
      expect(decide({ kind: 'network', error: new Error('x'), code: 'CERT_HAS_EXPIRED' })).to.deep.equal({
        action: 'fail',
        reason: 'network',
      });
    });
    it('a proxy refusing credentials or a tunnel is final; a tunnel that failed is retried', () => {
      const network = (code: string) => decide({ kind: 'network', error: new Error('x'), code });
      expect(network('ERR_PROXY_AUTHENTICATION')).to.deep.equal({ action: 'fail', reason: 'network' });
      expect(network('ERR_PROXY_TUNNEL_REFUSED')).to.deep.equal({ action: 'fail', reason: 'network' });
      expect(network('ERR_PROXY_TUNNEL')).to.deep.equal({ action: 'retry' });
    });
    it('honours Retry-After on a retryable answer', () => {
      expect(decide(response(429, '', { 'retry-after': '3' }))).to.deep.equal({
        action: 'retry',
        retryAfterMillis: 3000,
      });
    });
  });

  describe('parseRetryAfter', () => {
    it('reads seconds and HTTP-dates', () => {
      const now = Date.UTC(2026, 0, 1, 0, 0, 0);
      expect(parseRetryAfter('120', now)).to.equal(120_000);
      expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).to.equal(5000);
      expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).to.equal(0);
      expect(parseRetryAfter('soon', now)).to.equal(undefined);
      expect(parseRetryAfter(undefined, now)).to.equal(undefined);
    });
  });

  describe('backoffMillis', () => {
    it('doubles from 500 ms with the upper half random, and is capped', () => {
      expect(backoffMillis(1, 500, 5000, () => 0)).to.equal(250);
      expect(backoffMillis(1, 500, 5000, () => 1)).to.equal(500);
      expect(backoffMillis(2, 500, 5000, () => 1)).to.equal(1000);
      expect(backoffMillis(3, 500, 5000, () => 0.5)).to.equal(1500);
      expect(backoffMillis(10, 500, 5000, () => 1)).to.equal(5000);
      expect(backoffMillis(1000, 500, 5000, () => 1)).to.equal(5000);
    });
  });
});
