/**
 * The recorded data set of a real Loki 3.4.6 (`test/fixtures/logql-3.4.6.json`), pushed as it
 * was recorded: what Loki stored (`detected_level` of every entry, as its query answers show
 * it) and its label and series answers.
 */
import { expect } from 'chai';
import type { LokiTestServer } from '../src';
import { getJson } from './helpers/http';
import { answersTo, recording, startRecordedServer } from './helpers/recorded-answers';

const QUERY_RANGE = '/loki/api/v1/query_range';

/** `service_name/region/timestamp` → `detected_level`, from every recorded stream answer that shows it. */
function recordedLevels(): Map<string, string> {
  const levels = new Map<string, string>();
  for (const answer of answersTo(QUERY_RANGE)) {
    if (answer.status !== 200 || answer.headers !== undefined || answer.body.data.resultType !== 'streams') continue;
    for (const { stream, values } of answer.body.data.result as Array<{
      stream: Record<string, string>;
      values: string[][];
    }>) {
      if (stream.detected_level === undefined) continue;
      for (const [ts] of values) {
        const key = `${stream.service_name}/${stream.region}/${ts}`;
        const seen = levels.get(key);
        if (seen !== undefined && seen !== stream.detected_level) throw new Error(`recording disagrees on ${key}`);
        levels.set(key, stream.detected_level);
      }
    }
  }
  return levels;
}

describe('LokiTestServer: the recorded Loki 3.4.6 data set', () => {
  let loki: LokiTestServer;
  const rec = recording();
  const headers = { 'x-scope-orgid': rec.tenant };

  beforeEach(async () => {
    loki = await startRecordedServer();
  });
  afterEach(async () => {
    await loki.close();
  });

  it('stores the detected_level Loki 3.4.6 stored, entry by entry', () => {
    const expected = recordedLevels();
    const entries = loki.entries({ tenant: rec.tenant });
    expect(entries).to.have.length(1200);
    expect(expected.size, 'entries whose level the recording shows').to.equal(1200);
    const differing = entries
      .map((e) => ({
        line: e.line,
        actual: e.metadata.detected_level,
        expected: expected.get(`${e.labels.service_name}/${e.labels.region}/${e.timestampNanos}`),
      }))
      .filter((d) => d.actual !== d.expected);
    expect(differing.slice(0, 5), `${differing.length} entries differ`).to.deep.equal([]);
  });

  for (const answer of [
    ...answersTo('/loki/api/v1/labels'),
    ...answersTo('/loki/api/v1/label/service_name/values'),
    ...answersTo('/loki/api/v1/label/region/values'),
  ]) {
    it(`answers ${answer.path} ${JSON.stringify(answer.params)} as Loki did`, async () => {
      const { status, json } = await getJson(loki.url, answer.path, answer.params, headers);
      expect({ status, body: json }).to.deep.equal({ status: answer.status, body: answer.body });
    });
  }

  for (const answer of answersTo('/loki/api/v1/series')) {
    it(`answers ${answer.path} ${JSON.stringify(answer.params)} with Loki's series (in any order)`, async () => {
      const { status, json } = await getJson(loki.url, answer.path, answer.params, headers);
      expect(status).to.equal(answer.status);
      expect(json.status).to.equal('success');
      expect(json.data).to.have.deep.members(answer.body.data);
    });
  }
});
