/** Nothing Loki would refuse is sent as is: timestamps, lines, labels, metadata, streams, names. */
import { expect } from 'chai';
import { exporterWithFake } from '../helpers/fake-client';
import { exportAndWait, logRecord, NOW_MILLIS, T0_NANOS } from '../helpers/records';
import { captureDiag, restoreDiag } from '../helpers/diag';
import type { DiagSpies } from '../helpers/diag';
import { TRUNCATION_MARKER } from '../../src/limits/entry-limits';

const NOW = { nowMillis: () => NOW_MILLIS };
const NOW_NANOS = BigInt(NOW_MILLIS) * 1_000_000n;
const DAY_SECONDS = 86_400;

function metadataOf(entry: { metadata?: readonly { name: string; value: string }[] }): Record<string, string> {
  return Object.fromEntries((entry.metadata ?? []).map((p) => [p.name, p.value]));
}

describe('client-side limits', () => {
  let spies: DiagSpies;
  beforeEach(() => (spies = captureDiag()));
  afterEach(() => restoreDiag());

  describe('timestamps', () => {
    const EIGHT_DAYS_AGO: [number, number] = [Math.floor(NOW_MILLIS / 1000) - 8 * DAY_SECONDS, 0];
    const ONE_HOUR_AHEAD: [number, number] = [Math.floor(NOW_MILLIS / 1000) + 3600, 0];

    it('a record older than 7 days is sent at its observed time, the original kept in metadata', async () => {
      const { exporter, client } = exporterWithFake({}, NOW);

      await exportAndWait(exporter, [logRecord({ hrTime: EIGHT_DAYS_AGO })]);

      const entry = client.streams[0].entries[0];
      expect(entry.timestampNanos).to.equal(T0_NANOS);
      expect(metadataOf(entry).original_timestamp).to.equal(`${EIGHT_DAYS_AGO[0]}000000000`);
      expect(exporter.stats.timestampsReplaced).to.equal(1);
    });

    it('more than 10 minutes ahead with an observed time also out of the window: sent at now', async () => {
      const { exporter, client } = exporterWithFake({}, NOW);

      await exportAndWait(exporter, [logRecord({ hrTime: ONE_HOUR_AHEAD, hrTimeObserved: ONE_HOUR_AHEAD })]);

      expect(client.streams[0].entries[0].timestampNanos).to.equal(NOW_NANOS);
    });

    it("invalidTimestamp: 'drop' drops and counts", async () => {
      const { exporter, client } = exporterWithFake({ invalidTimestamp: 'drop' }, NOW);

      const result = await exportAndWait(exporter, [logRecord({ hrTime: EIGHT_DAYS_AGO }), logRecord({ body: 'ok' })]);

      expect(result.code).to.equal(0);
      expect(client.streams[0].entries.map((e) => e.line)).to.deep.equal(['ok']);
      expect(exporter.stats.timestampsDropped).to.equal(1);
    });

    it('limits can widen the window', async () => {
      const { exporter, client } = exporterWithFake({ limits: { rejectOldSamplesMaxAgeMillis: Infinity } }, NOW);

      await exportAndWait(exporter, [logRecord({ hrTime: EIGHT_DAYS_AGO })]);

      expect(client.streams[0].entries[0].timestampNanos).to.equal(BigInt(EIGHT_DAYS_AGO[0]) * 1_000_000_000n);
    });
  });

  describe('lines', () => {
    it('a line over maxLineSize is truncated on a character boundary, with a marker', async () => {
      const { exporter, client } = exporterWithFake({ limits: { maxLineSize: 20 } }, NOW);

      await exportAndWait(exporter, [logRecord({ body: 'ééééééééééééééé' })]);

      const line = client.streams[0].entries[0].line;
      expect(line).to.equal('éééé' + TRUNCATION_MARKER);
      expect(Buffer.byteLength(line)).to.be.at.most(20);
      expect(exporter.stats.linesTruncated).to.equal(1);
    });

    it("oversizedLine: 'drop' drops and counts", async () => {
      const { exporter, client } = exporterWithFake({ limits: { maxLineSize: 10 }, oversizedLine: 'drop' }, NOW);

      await exportAndWait(exporter, [logRecord({ body: 'x'.repeat(11) })]);

      expect(client.pushes).to.have.length(0);
      expect(exporter.stats.linesDropped).to.equal(1);
    });
  });

  describe('labels', () => {
    it('beyond 15 labels (service_name not counted) the extra candidates become metadata', async () => {
      const { exporter, client } = exporterWithFake(
        { attributeRules: [{ source: 'resource', match: /l\d+/, action: 'label' }] },
        NOW
      );
      const resource: Record<string, string> = { 'service.name': 'api' };
      for (let i = 1; i <= 17; i++) resource[`l${i}`] = `v${i}`;

      await exportAndWait(exporter, [logRecord({ resource })]);

      const stream = client.streams[0];
      expect(stream.labels.match(/=/g)).to.have.length(16);
      expect(stream.labels).to.include('l15="v15"').and.not.include('l16=');
      expect(metadataOf(stream.entries[0])).to.include({ l16: 'v16', l17: 'v17' });
      expect(exporter.stats.labelsDemoted).to.equal(2);
    });

    it('a label value over 2048 bytes is truncated', async () => {
      const { exporter, client } = exporterWithFake({}, NOW);

      await exportAndWait(exporter, [logRecord({ resource: { 'service.name': 'é'.repeat(1500) } })]);

      expect(client.streams[0].labels).to.equal(`{service_name="${'é'.repeat(1024)}"}`);
      expect(exporter.stats.labelValuesTruncated).to.equal(1);
    });

    it('the stream cap demotes the highest-cardinality label, once, with one warning', async () => {
      const { exporter, client } = exporterWithFake(
        { maxStreams: 3, attributeRules: [{ source: 'log', match: ['request.id', 'route'], action: 'label' }] },
        NOW
      );
      const records = [1, 2, 3, 4, 5].map((i) =>
        logRecord({ body: `r${i}`, attributes: { 'request.id': `id-${i}`, route: '/a' } })
      );

      await exportAndWait(exporter, records);

      const labels = client.streams.map((s) => s.labels);
      expect(labels).to.have.length(4);
      expect(labels).to.include('{route="/a", service_name="api"}');
      const capped = client.streams.find((s) => s.labels === '{route="/a", service_name="api"}');
      expect(capped?.entries.map((e) => metadataOf(e).request_id)).to.deep.equal(['id-4', 'id-5']);
      expect(spies.warnings().filter((w) => /maxStreams/.test(w))).to.have.length(1);
    });
  });

  describe('structured metadata', () => {
    it('over 128 pairs: record fields kept, attributes trimmed in order', async () => {
      const { exporter, client } = exporterWithFake({}, NOW);
      const attributes: Record<string, string> = {};
      for (let i = 0; i < 140; i++) attributes[`a${i}`] = 'v';

      await exportAndWait(exporter, [logRecord({ attributes, severityText: 'INFO' })]);

      const metadata = client.streams[0].entries[0].metadata ?? [];
      expect(metadata).to.have.length(128);
      const names = metadata.map((p) => p.name);
      expect(names).to.include.members(['observed_timestamp', 'severity_text', 'scope_name', 'a0']);
      expect(exporter.stats.metadataTrimmed).to.be.greaterThan(0);
    });

    it('over 64 KiB: the pair that does not fit is truncated, later ones dropped', async () => {
      const { exporter, client } = exporterWithFake({}, NOW);

      await exportAndWait(exporter, [logRecord({ attributes: { big: 'x'.repeat(70_000), after: 'y' } })]);

      const metadata = client.streams[0].entries[0].metadata ?? [];
      const size = metadata.reduce((n, p) => n + Buffer.byteLength(p.name) + Buffer.byteLength(p.value), 0);
      expect(size).to.be.at.most(65_536);
      expect(metadataOf(client.streams[0].entries[0]).observed_timestamp).to.equal(T0_NANOS.toString());
      expect(metadata.map((p) => p.name)).to.not.include('after');
    });

    it('lone surrogates in metadata values are replaced', async () => {
      const { exporter, client } = exporterWithFake({}, NOW);

      await exportAndWait(exporter, [logRecord({ attributes: { a: 'x\udc00' } })]);

      expect(metadataOf(client.streams[0].entries[0]).a).to.equal('x\ufffd');
      expect(exporter.stats.invalidUnicodeReplaced).to.equal(1);
    });
  });

  describe('name collisions after sanitizing', () => {
    it('an exact name wins over a rewritten one, counted', async () => {
      const { exporter, client } = exporterWithFake({}, NOW);

      await exportAndWait(exporter, [logRecord({ attributes: { 'x.y': 'rewritten', x_y: 'exact' } })]);

      const metadata = client.streams[0].entries[0].metadata ?? [];
      expect(metadata.filter((p) => p.name === 'x_y').map((p) => p.value)).to.deep.equal(['exact']);
      expect(exporter.stats.nameCollisions).to.equal(1);
    });

    it('among rewritten names the first wins; record attributes win over resource attributes', async () => {
      const { exporter, client } = exporterWithFake({}, NOW);

      await exportAndWait(exporter, [
        logRecord({
          resource: { 'service.name': 'api', 'host.name': 'resource' },
          attributes: { 'p.q': 'first', 'p-q': 'second', 'host.name': 'record' },
        }),
      ]);

      const metadata = metadataOf(client.streams[0].entries[0]);
      expect(metadata).to.include({ p_q: 'first', host_name: 'record' });
    });

    it('names that cannot become Loki names are dropped and counted', async () => {
      const { exporter, client } = exporterWithFake({}, NOW);

      await exportAndWait(exporter, [logRecord({ attributes: { '...': 'x', ok: 'y' } })]);

      expect(metadataOf(client.streams[0].entries[0])).to.include({ ok: 'y' }).and.not.have.property('_');
      expect(exporter.stats.invalidNamesDropped).to.equal(1);
    });
  });

  it('each kind of rewrite is reported once however often it happens', async () => {
    const { exporter } = exporterWithFake({ limits: { maxLineSize: 10 } }, NOW);
    const long = Array.from({ length: 50 }, () => logRecord({ body: 'x'.repeat(50) }));

    await exportAndWait(exporter, long);
    await exportAndWait(exporter, long);

    expect(exporter.stats.linesTruncated).to.equal(100);
    expect(spies.warnings().filter((w) => /maxLineSize/.test(w))).to.have.length(1);
  });
});
