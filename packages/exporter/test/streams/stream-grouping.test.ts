/** Streams, ordering, unique timestamps, tenants. */
import { expect } from 'chai';
import { LokiPushError } from '@otel-loki/push';
import { exporterWithFake } from '../helpers/fake-client';
import { exportAndWait, logRecord, NOW_MILLIS, T0, T0_NANOS } from '../helpers/records';
import { captureDiag, restoreDiag } from '../helpers/diag';

const NOW = { nowMillis: () => NOW_MILLIS };
const MS = 1_000_000n;

function at(offsetMillis: number): [number, number] {
  return [T0[0], T0[1] + offsetMillis * 1_000_000];
}

describe('stream grouping', () => {
  afterEach(() => restoreDiag());

  it('one stream per label set, streams in label order, entries sorted by timestamp', async () => {
    const { exporter, client } = exporterWithFake({}, NOW);
    const b = { 'service.name': 'b' };
    const a = { 'service.name': 'a' };

    await exportAndWait(exporter, [
      logRecord({ resource: b, body: 'b2', hrTime: at(2) }),
      logRecord({ resource: a, body: 'a1', hrTime: at(1) }),
      logRecord({ resource: b, body: 'b1', hrTime: at(1) }),
      logRecord({ resource: a, body: 'a0', hrTime: at(0) }),
    ]);

    expect(client.pushes).to.have.length(1);
    const streams = client.pushes[0].streams;
    expect(streams.map((s) => s.labels)).to.deep.equal(['{service_name="a"}', '{service_name="b"}']);
    expect(streams[0].entries.map((e) => e.line)).to.deep.equal(['a0', 'a1']);
    expect(streams[1].entries.map((e) => [e.line, e.timestampNanos])).to.deep.equal([
      ['b1', T0_NANOS + MS],
      ['b2', T0_NANOS + 2n * MS],
    ]);
  });

  it('entries with equal timestamps in a stream are nudged by 1 ns, in record order, counted', async () => {
    const { exporter, client } = exporterWithFake({}, NOW);
    captureDiag();

    await exportAndWait(exporter, [logRecord({ body: 'x' }), logRecord({ body: 'x' }), logRecord({ body: 'y' })]);

    const entries = client.streams[0].entries;
    expect(entries.map((e) => [e.line, e.timestampNanos])).to.deep.equal([
      ['x', T0_NANOS],
      ['x', T0_NANOS + 1n],
      ['y', T0_NANOS + 2n],
    ]);
    expect(exporter.stats.timestampsNudged).to.equal(2);
  });

  it('a run of equal timestamps split across exports continues instead of colliding', async () => {
    const { exporter, client } = exporterWithFake({}, NOW);
    captureDiag();

    await exportAndWait(exporter, [logRecord({ body: 'x' }), logRecord({ body: 'x' })]);
    await exportAndWait(exporter, [logRecord({ body: 'x' }), logRecord({ body: 'x', hrTime: at(1) })]);

    const second = client.pushes[1].streams[0].entries.map((e) => e.timestampNanos);
    expect(second).to.deep.equal([T0_NANOS + 2n, T0_NANOS + MS]);
  });

  it('older entries arriving later are not moved after newer ones', async () => {
    const { exporter, client } = exporterWithFake({}, NOW);

    await exportAndWait(exporter, [logRecord({ hrTime: at(5) })]);
    await exportAndWait(exporter, [logRecord({ hrTime: at(1) })]);

    expect(client.pushes[1].streams[0].entries[0].timestampNanos).to.equal(T0_NANOS + MS);
  });

  it('different streams keep equal timestamps', async () => {
    const { exporter, client } = exporterWithFake({}, NOW);

    await exportAndWait(exporter, [
      logRecord({ resource: { 'service.name': 'a' } }),
      logRecord({ resource: { 'service.name': 'b' } }),
    ]);

    expect(client.streams.map((s) => s.entries[0].timestampNanos)).to.deep.equal([T0_NANOS, T0_NANOS]);
    expect(exporter.stats.timestampsNudged).to.equal(0);
  });

  it('uniqueTimestamps: false sends timestamps as they are', async () => {
    const { exporter, client } = exporterWithFake({ uniqueTimestamps: false }, NOW);

    await exportAndWait(exporter, [logRecord(), logRecord()]);

    expect(client.streams[0].entries.map((e) => e.timestampNanos)).to.deep.equal([T0_NANOS, T0_NANOS]);
  });

  describe('tenants', () => {
    it('routes by record attribute, then resource attribute, else the default tenant; one push each', async () => {
      const { exporter, client } = exporterWithFake({ tenantId: 'default', tenantAttribute: 'tenant' }, NOW);

      await exportAndWait(exporter, [
        logRecord({ body: '1', attributes: { tenant: 'team-a' } }),
        logRecord({ body: '2', resource: { 'service.name': 'api', tenant: 'team-b' } }),
        logRecord({
          body: '3',
          resource: { 'service.name': 'api', tenant: 'team-b' },
          attributes: { tenant: 'team-a' },
        }),
        logRecord({ body: '4' }),
      ]);

      const byTenant = Object.fromEntries(
        client.pushes.map((p) => [p.options?.tenantId, p.streams.flatMap((s) => s.entries.map((e) => e.line))])
      );
      expect(byTenant).to.deep.equal({ 'team-a': ['1', '3'], 'team-b': ['2'], default: ['4'] });
    });

    it('an invalid tenant value goes to the default tenant, counted and reported once', async () => {
      const { exporter, client } = exporterWithFake({ tenantId: 'default', tenantAttribute: 'tenant' }, NOW);
      const spies = captureDiag();

      await exportAndWait(exporter, [
        logRecord({ attributes: { tenant: 'a b' } }),
        logRecord({ attributes: { tenant: 'c|d' } }),
      ]);

      expect(client.pushes.map((p) => p.options?.tenantId)).to.deep.equal(['default']);
      expect(exporter.stats.invalidTenants).to.equal(2);
      expect(spies.warnings().filter((w) => /tenant/.test(w))).to.have.length(1);
    });

    it('a failed tenant fails the export with its error; the other tenant is delivered once', async () => {
      // Without the retry buffer, which would keep the failed tenant's data and answer SUCCESS.
      const { exporter, client } = exporterWithFake({ tenantAttribute: 'tenant', retryBufferBytes: 0 }, NOW);
      const error = new LokiPushError('Loki rejected the push (429)', {
        reason: 'http',
        status: 429,
        retryable: true,
        attempts: 3,
      });
      client.answers.push(error);

      const result = await exportAndWait(exporter, [
        logRecord({ attributes: { tenant: 'a' } }),
        logRecord({ attributes: { tenant: 'b' } }),
      ]);

      expect(result).to.deep.equal({ code: 1, error });
      expect(client.pushes.map((p) => p.options?.tenantId)).to.deep.equal(['a', 'b']);
      expect(exporter.stats.entries).to.equal(1);
    });
  });
});
