/**
 * The answers of a real Loki 3.4.6 recorded in `test/fixtures/logql-3.4.6.json` (see
 * `logql-3.4.6.README.md` next to it): its data set, pushed as recorded, and its answers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LokiTestServer } from '../../src';
import { pushJson } from './http';

/** One recorded request and Loki's answer. */
export interface RecordedAnswer {
  path: string;
  params: Record<string, string>;
  headers?: Record<string, string>;
  status: number;
  body: any;
}

/** The recording. */
export interface Recording {
  loki: string;
  tenant: string;
  nowNanos: string;
  push: {
    streams: Array<{ stream: Record<string, string>; values: Array<[string, string, Record<string, string>?]> }>;
  };
  answers: RecordedAnswer[];
}

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'logql-3.4.6.json');
let cached: Recording | undefined;

/** The recording, read once. */
export function recording(): Recording {
  cached ??= JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Recording;
  return cached;
}

/** Recorded answers to `path` (and, when given, to this `query` parameter). */
export function answersTo(pathName: string, query?: string): RecordedAnswer[] {
  return recording().answers.filter((a) => a.path === pathName && (query === undefined || a.params.query === query));
}

/**
 * A server set up as the recording's Loki (auth on, Loki 3.4, its clock) holding the recorded
 * push, or the push's error.
 */
export async function startRecordedServer(options: { lokiVersion?: '3.4' | 'latest' } = {}): Promise<LokiTestServer> {
  const rec = recording();
  const nowMillis = Number(BigInt(rec.nowNanos) / 1_000_000n);
  const loki = await LokiTestServer.start({
    now: () => nowMillis,
    authEnabled: true,
    lokiVersion: options.lokiVersion ?? '3.4',
  });
  const answer = await pushJson(loki.url, rec.push, rec.tenant);
  if (answer.status !== 204) {
    await loki.close();
    throw new Error(`the recorded push was refused: ${answer.status} ${answer.body}`);
  }
  return loki;
}
