/** Control beyond the native endpoint: attribute rules, shortcuts, line formats, legacy labels. */
import { expect } from 'chai';
import { exporterWithFake } from '../helpers/fake-client';
import { exportAndWait, logRecord, NOW_MILLIS } from '../helpers/records';
import type { RecordFields } from '../helpers/records';
import type { LokiExporterOptions } from '../../src/types';
import { HIGH_CARDINALITY_LABEL_ATTRIBUTES } from '../../src/mapping/attribute-rules';

const NOW = { nowMillis: () => NOW_MILLIS };

async function one(
  options: LokiExporterOptions,
  record: RecordFields
): Promise<{ labels: string; line: string; metadata: string[][] }> {
  const { exporter, client } = exporterWithFake(options, NOW);
  const result = await exportAndWait(exporter, [logRecord(record)]);
  expect(result.code).to.equal(0, String(result.error));
  const stream = client.streams[0];
  const entry = stream.entries[0];
  return { labels: stream.labels, line: entry.line, metadata: (entry.metadata ?? []).map((p) => [p.name, p.value]) };
}

const K8S = {
  'service.name': 'api',
  'k8s.pod.name': 'pod-1',
  'service.instance.id': 'i-1',
  'k8s.namespace.name': 'ns',
};

describe('attribute rules', () => {
  it('first match wins, in order, before the defaults: demote a default label, drop, promote', async () => {
    const out = await one(
      {
        attributeRules: [
          { source: 'resource', match: 'k8s.pod.name', action: 'metadata' },
          { match: /secret\..*/, action: 'drop' },
          { source: 'resource', match: 'team', action: 'label' },
          { source: 'resource', match: 'team', action: 'drop' },
        ],
      },
      { resource: { ...K8S, team: 'core', 'secret.token': 'x' }, attributes: { 'secret.password': 'y', keep: 'z' } }
    );

    expect(out.labels).to.equal(
      '{k8s_namespace_name="ns", service_instance_id="i-1", service_name="api", team="core"}'
    );
    expect(out.metadata.map((m) => m[0])).to.deep.equal(['keep', 'observed_timestamp', 'k8s_pod_name', 'scope_name']);
  });

  it('a RegExp must match the whole attribute name', async () => {
    const out = await one(
      { attributeRules: [{ match: /user/, action: 'drop' }] },
      { attributes: { user: 'a', 'user.id': 'b' } }
    );

    expect(out.metadata.map((m) => m[0]))
      .to.include('user_id')
      .and.not.include('user');
  });

  it('log attributes promoted to labels join the resource labels; a record label replaces a resource label', async () => {
    const out = await one(
      { attributeRules: [{ source: 'log', match: ['level', 'k8s.namespace.name'], action: 'label' }] },
      { resource: K8S, attributes: { level: 'warn', 'k8s.namespace.name': 'override', other: 'o' } }
    );

    expect(out.labels).to.equal(
      '{k8s_namespace_name="override", k8s_pod_name="pod-1", level="warn", service_instance_id="i-1", service_name="api"}'
    );
    expect(out.metadata[0]).to.deep.equal(['other', 'o']);
  });

  it('demoteToMetadata shortcut with HIGH_CARDINALITY_LABEL_ATTRIBUTES', async () => {
    const out = await one({ demoteToMetadata: HIGH_CARDINALITY_LABEL_ATTRIBUTES }, { resource: K8S });

    expect(out.labels).to.equal('{k8s_namespace_name="ns", service_name="api"}');
    expect(out.metadata).to.deep.include(['k8s_pod_name', 'pod-1']).and.deep.include(['service_instance_id', 'i-1']);
  });

  it('severityTextAsLabel: severity_text is a label and stays in metadata (as Loki does)', async () => {
    const out = await one({ severityTextAsLabel: true }, { severityText: 'ERROR' });

    expect(out.labels).to.equal('{service_name="api", severity_text="ERROR"}');
    expect(out.metadata).to.deep.include(['severity_text', 'ERROR']);
  });

  it('defaultLabelAttributes: [] makes every resource attribute metadata (service_name still discovered)', async () => {
    const out = await one({ defaultLabelAttributes: [] }, { resource: K8S });

    expect(out.labels).to.equal('{service_name="unknown_service"}');
  });

  it('discoverServiceName: false adds no service_name (a stream is never sent without labels)', async () => {
    const out = await one({ discoverServiceName: false, defaultLabelAttributes: [] }, { resource: K8S });

    expect(out.labels).to.equal('{service_name="unknown_service"}');
    const withLabel = await one({ discoverServiceName: false }, { resource: { 'k8s.namespace.name': 'ns' } });
    expect(withLabel.labels).to.equal('{k8s_namespace_name="ns"}');
  });
});

describe('line formats of the Collector lokiexporter', () => {
  const record: RecordFields = {
    resource: { 'service.name': 'api', 'host.name': 'h' },
    body: 'user logged in',
    severityText: 'INFO',
    attributes: { 'http.status': 200, user: { id: 7 } },
    spanContext: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 },
    instrumentationScope: { name: 'auth', version: '1.2' },
  };

  it('json: the Collector JSON document, no structured metadata', async () => {
    const out = await one({ lineFormat: 'json' }, record);

    expect(JSON.parse(out.line)).to.deep.equal({
      body: 'user logged in',
      traceid: '0af7651916cd43dd8448eb211c80319c',
      spanid: 'b7ad6b7169203331',
      severity: 'INFO',
      flags: 1,
      attributes: { 'http.status': 200, user: { id: 7 } },
      resources: { 'host.name': 'h', 'service.name': 'api' },
      instrumentation_scope: { name: 'auth', version: '1.2' },
    });
    expect(out.line.startsWith('{"body":"user logged in","traceid"')).to.equal(true);
    expect(out.metadata).to.deep.equal([]);
    expect(out.labels).to.equal('{service_name="api"}');
  });

  it('logfmt: msg, ids, severity, attribute_*, resource_*, scope', async () => {
    const out = await one({ lineFormat: 'logfmt' }, record);

    expect(out.line).to.equal(
      'msg="user logged in" traceID=0af7651916cd43dd8448eb211c80319c spanID=b7ad6b7169203331 severity=INFO flags=1 ' +
        'attribute_http.status=200 attribute_user_id=7 resource_service.name=api resource_host.name=h ' +
        'instrumentation_scope_name=auth instrumentation_scope_version=1.2'
    );
  });

  it('logfmt: a body that is already logfmt is kept as is', async () => {
    const out = await one({ lineFormat: 'logfmt' }, { body: 'a=1 b="two words"', instrumentationScope: { name: '' } });

    expect(out.line).to.equal('a=1 b="two words" resource_service.name=api');
  });

  it('legacyLabels: job (namespace/name) and instance', async () => {
    const out = await one(
      { legacyLabels: true },
      { resource: { 'service.name': 'api', 'service.namespace': 'shop', 'service.instance.id': 'i-1' } }
    );

    expect(out.labels).to.equal(
      '{instance="i-1", job="shop/api", service_instance_id="i-1", service_name="api", service_namespace="shop"}'
    );
  });
});
