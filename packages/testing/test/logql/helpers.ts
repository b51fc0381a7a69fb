/** Fixtures for LogQL tests: a server with a fixed clock and a JSON push of a few streams. */
import { expect } from 'chai';
import { LokiTestServer } from '../../src';
import { request } from '../helpers/http';

/** The server's clock: 2026-01-01T00:00:00Z. */
export const NOW_MILLIS = Date.UTC(2026, 0, 1);
export const NOW_NS = BigInt(NOW_MILLIS) * 1_000_000n;
export const SECOND_NS = 1_000_000_000n;
export const MINUTE_NS = 60n * SECOND_NS;

export interface FixtureStream {
  stream: Record<string, string>;
  /** `[nanoseconds, line]` or `[nanoseconds, line, metadata]`. */
  values: Array<[bigint, string] | [bigint, string, Record<string, string>]>;
}

/** Starts a server (auth off, Loki 3.4 rules) holding `streams`. */
export async function serverWith(streams: FixtureStream[]): Promise<LokiTestServer> {
  const loki = await LokiTestServer.start({
    now: () => NOW_MILLIS,
    lokiVersion: '3.4',
    limits: { discoverLogLevels: false },
  });
  const body = JSON.stringify({
    streams: streams.map((s) => ({
      stream: s.stream,
      values: s.values.map(([ts, line, metadata]) =>
        metadata ? [ts.toString(), line, metadata] : [ts.toString(), line]
      ),
    })),
  });
  const answer = await request(loki.pushUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(answer.status, answer.body).to.equal(204);
  return loki;
}

/** Seconds since the epoch of a nanosecond time, as Loki's matrix and vector values carry it. */
export function seconds(ns: bigint): number {
  return Number(ns / 1_000_000n) / 1000;
}
