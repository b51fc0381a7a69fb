/**
 * Replays the 95 requests recorded against a real Loki 3.4.6 (../shared/loki-answers) and
 * compares LokiTestServer's answers: status, error text, result type and results.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { LokiTestServer } from '../../src';
import { request } from '../helpers/http';

/** The recording, copied into the repository (shared/loki-answers/logql-3.4.6.json). */
const ANSWERS_FILE = path.resolve(__dirname, '..', 'fixtures', 'logql-3.4.6.json');

interface Recorded {
  path: string;
  params: Record<string, string>;
  headers?: Record<string, string>;
  status: number;
  body: unknown;
}

interface Recording {
  tenant: string;
  nowNanos: string;
  push: unknown;
  answers: Recorded[];
}

/** Answers this replay cannot match yet, with the reason (empty when every answer matches). */
const PENDING: Readonly<Record<number, string>> = {};

/**
 * Answers whose list order Loki does not define: `/series` lists series in the order its index
 * hands them over (neither sorted by label string nor by fingerprint in the recording), so the
 * list is compared as a set, as the recording's README says.
 */
const UNORDERED_PATHS: ReadonlySet<string> = new Set(['/loki/api/v1/series']);

/**
 * Answers whose last digits depend on the order in which Loki's shards add partial sums (Go map
 * order): values are compared to 1e-12 relative, labels and timestamps exactly.
 */
const ORDER_DEPENDENT_FLOATS: ReadonlySet<number> = new Set([54]);
const RELATIVE_TOLERANCE = 1e-12;

type MatrixSeries = { metric: Record<string, string>; values: Array<[number, string]> };

function expectCloseMatrix(actual: MatrixSeries[], expected: MatrixSeries[]): void {
  expect(actual.map((s) => s.metric)).to.deep.equal(expected.map((s) => s.metric));
  actual.forEach((series, i) => {
    expect(series.values.map(([t]) => t)).to.deep.equal(expected[i].values.map(([t]) => t));
    series.values.forEach(([, v], j) => {
      const want = Number(expected[i].values[j][1]);
      expect(Math.abs(Number(v) - want)).to.be.at.most(Math.abs(want) * RELATIVE_TOLERANCE);
    });
  });
}

/**
 * Loki names the first failing series it meets in a Go map: which one is not defined. The text
 * around it must match, and the series named must carry the same error and the same labels
 * (the parser hints decide which parsed labels a series has), `pod` aside: only some entries
 * carry that structured metadata.
 */
function normalizePipelineError(text: string): string {
  return text.replace(/for series: '\{.*?\}'\.\n/s, "for series: '<series>'.\n");
}

function pipelineErrorLabelNames(text: string): string[] {
  const series = /for series: '\{(.*?)\}'\.\n/s.exec(text)?.[1] ?? '';
  return [...series.matchAll(/(?:^|, )([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((m) => m[1]).filter((n) => n !== 'pod');
}

type Stream = { stream: Record<string, string>; values: unknown[] };

function expectSameAnswer(recorded: Recorded, status: number, text: string, closeFloats: boolean): void {
  expect(status, text.slice(0, 500)).to.equal(recorded.status);
  if (typeof recorded.body === 'string') {
    const expected = recorded.body;
    if (expected.startsWith('pipeline error:')) {
      expect(normalizePipelineError(text)).to.equal(normalizePipelineError(expected));
      const type = /^pipeline error: '([^']*)'/.exec(expected)?.[1] as string;
      expect(text).to.contain(`__error__="${type}"`);
      expect(pipelineErrorLabelNames(text)).to.deep.equal(pipelineErrorLabelNames(expected));
    } else {
      expect(text).to.equal(expected);
    }
    return;
  }
  const expected = recorded.body as { status: string; data: Record<string, unknown> | unknown[] };
  const actual = JSON.parse(text) as typeof expected;
  expect(actual.status).to.equal(expected.status);
  if (Array.isArray(expected.data) && UNORDERED_PATHS.has(recorded.path)) {
    expect(actual.data).to.have.deep.members(expected.data);
    expect(actual.data).to.have.length(expected.data.length);
    return;
  }
  if (Array.isArray(expected.data) || expected.data === undefined || !('resultType' in expected.data)) {
    expect(actual.data).to.deep.equal(expected.data);
    return;
  }
  const data = actual.data as Record<string, unknown>;
  expect(data.resultType).to.equal(expected.data.resultType);
  expect(data.encodingFlags).to.deep.equal(expected.data.encodingFlags);
  if (expected.data.resultType === 'streams') {
    // Loki sorts streams by their label string: the order is compared too.
    expect(data.result as Stream[]).to.deep.equal(expected.data.result as Stream[]);
  } else if (closeFloats) {
    expectCloseMatrix(data.result as MatrixSeries[], expected.data.result as MatrixSeries[]);
  } else {
    expect(data.result).to.deep.equal(expected.data.result);
  }
}

describe('LogQL conformance: answers of a real Loki 3.4.6', function () {
  const recording = JSON.parse(fs.readFileSync(ANSWERS_FILE, 'utf8')) as Recording;
  let loki: LokiTestServer;

  before(async () => {
    loki = await LokiTestServer.start({
      now: () => Number(BigInt(recording.nowNanos) / 1_000_000n),
      authEnabled: true,
      lokiVersion: '3.4',
    });
    const pushed = await request(`${loki.url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-scope-orgid': recording.tenant },
      body: JSON.stringify(recording.push),
    });
    expect(pushed.status, pushed.body).to.equal(204);
  });
  after(async () => {
    await loki.close();
  });

  recording.answers.forEach((recorded, index) => {
    const title = `#${index} ${recorded.path.replace('/loki/api/v1/', '')} ${recorded.params.query ?? recorded.params['match[]'] ?? ''}`;
    const pending = PENDING[index];
    if (pending !== undefined) {
      it.skip(`${title} (pending: ${pending})`);
      return;
    }
    it(title, async () => {
      const query = new URLSearchParams(recorded.params).toString();
      const answer = await request(`${loki.url}${recorded.path}?${query}`, {
        headers: { 'x-scope-orgid': recording.tenant, ...(recorded.headers ?? {}) },
      });
      expectSameAnswer(recorded, answer.status, answer.body, ORDER_DEPENDENT_FLOATS.has(index));
    });
  });
});
