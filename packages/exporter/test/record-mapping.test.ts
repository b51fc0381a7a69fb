/**
 * The default mapping, table-driven: every row is one record and what Loki's OTLP endpoint
 * stores for it (labels, line, structured metadata in Loki's order, timestamp), read from
 * grafana/loki pkg/loghttp/push/otlp.go and pdata's AsString.
 */
import { expect } from 'chai';
import { DEFAULT_SCOPE, exportAndWait, logRecord, NOW_MILLIS, T0_NANOS } from './helpers/records';
import type { RecordFields } from './helpers/records';
import { exporterWithFake } from './helpers/fake-client';
import type { LokiExporterOptions } from '../src/types';

const OBSERVED = ['observed_timestamp', T0_NANOS.toString()];
const SCOPE = ['scope_name', DEFAULT_SCOPE.name];
const API = '{service_name="api"}';

interface Row {
  name: string;
  record: RecordFields;
  options?: LokiExporterOptions;
  labels?: string;
  line?: string;
  /** Structured metadata in order; defaults to [observed_timestamp, scope_name]. */
  metadata?: string[][];
  timestampNanos?: bigint;
}

const ROWS: Row[] = [
  // Line: the body as a string (pdata AsString after the OTLP transformer).
  { name: 'string body as is', record: { body: 'hello "world" <b>' }, line: 'hello "world" <b>' },
  { name: 'no body: empty line', record: {}, line: '' },
  { name: 'null body: empty line', record: { body: null as unknown as string }, line: '' },
  { name: 'integer body', record: { body: 42 }, line: '42' },
  { name: 'negative zero', record: { body: -0 }, line: '0' },
  { name: 'double body', record: { body: 1.5 }, line: '1.5' },
  { name: 'small double in exponent form', record: { body: 1e-7 }, line: '1e-7' },
  { name: 'integer beyond 2^53 written exactly', record: { body: 2 ** 60 }, line: '1152921504606846976' },
  // OTel JS's protobuf serializer sends an integral number as int_value only inside int64
  // ([-2^63, 2^63)); beyond it a double_value, which pdata writes as ES6 would (float64AsString).
  { name: 'integral double beyond int64 as a double (1e21)', record: { body: 1e21 }, line: '1e+21' },
  { name: 'negative integral double beyond int64 (-1e21)', record: { body: -1e21 }, line: '-1e+21' },
  { name: '2^63 is beyond int64: a double', record: { body: 2 ** 63 }, line: '9223372036854776000' },
  { name: '-2^63 is inside int64: every digit', record: { body: -(2 ** 63) }, line: '-9223372036854775808' },
  { name: '2^53 inside int64', record: { body: 2 ** 53 }, line: '9007199254740992' },
  { name: 'large double (1.5e300)', record: { body: 1.5e300 }, line: '1.5e+300' },
  { name: 'small integer (123)', record: { body: 123 }, line: '123' },
  {
    name: 'integral doubles beyond int64 inside a map as Go JSON writes float64',
    record: { body: { big: 1e21, max: 2 ** 63, exact: 2 ** 60 } },
    line: '{"big":1e+21,"exact":1152921504606846976,"max":9223372036854776000}',
  },
  {
    name: 'attribute values: int64 exact, beyond int64 as a double',
    record: { body: 'x', attributes: { big: 1e21, neg: -1e21, max: 2 ** 63, exact: 2 ** 60, n: 123 } },
    metadata: [
      ['big', '1e+21'],
      ['neg', '-1e+21'],
      ['max', '9223372036854776000'],
      ['exact', '1152921504606846976'],
      ['n', '123'],
      OBSERVED,
      SCOPE,
    ],
  },
  { name: 'NaN body', record: { body: NaN }, line: 'NaN' },
  { name: 'Infinity body', record: { body: -Infinity }, line: '-Infinity' },
  { name: 'boolean body', record: { body: true }, line: 'true' },
  {
    name: 'bigint body, digits kept',
    record: { body: 12345678901234567890n as unknown as string },
    line: '12345678901234567890',
  },
  { name: 'bytes body as base64', record: { body: new Uint8Array([0, 1, 2, 255]) }, line: 'AAEC/w==' },
  {
    name: 'map body as JSON with sorted keys, no HTML escaping',
    record: { body: { b: 1, a: '<x>&', c: [1, 'two', null, true], d: { z: 1.25, y: 2 }, u: undefined } },
    line: '{"a":"<x>&","b":1,"c":[1,"two",null,true],"d":{"y":2,"z":1.25},"u":null}',
  },
  { name: 'array body as JSON', record: { body: ['a', 2, { k: 'v' }] }, line: '["a",2,{"k":"v"}]' },
  {
    name: 'JSON escapes as Go: controls, quotes, U+2028',
    record: { body: { 'k"\\': 'tab\there\u2028\u0001' } },
    line: '{"k\\"\\\\":"tab\\there\\u2028\\u0001"}',
  },
  {
    name: 'map keys sorted by code point (UTF-8 order)',
    record: { body: { '\uffff': 1, '\u{1f600}': 2, z: 3 } },
    line: '{"z":3,"\uffff":1,"\u{1f600}":2}',
  },
  {
    name: 'bytes inside a map as a base64 string',
    record: { body: { b: new Uint8Array([104, 105]) } },
    line: '{"b":"aGk="}',
  },
  {
    name: 'NaN inside a map becomes null (Loki stores an empty line)',
    record: { body: { n: NaN } },
    line: '{"n":null}',
  },
  { name: 'lone surrogate in the line replaced', record: { body: 'a\ud800b' }, line: 'a\ufffdb' },

  // Record attributes: structured metadata, names sanitized, maps flattened, values AsString.
  {
    name: 'attribute names sanitized',
    record: {
      body: 'x',
      attributes: { 'http.method': 'GET', 'http-status': 200, '1st': 'x', 'a..b': 1, ünï: 'u', __x__: 'r' },
    },
    metadata: [
      ['http_method', 'GET'],
      ['http_status', '200'],
      ['key_1st', 'x'],
      ['a_b', '1'],
      ['_n_', 'u'],
      ['__x__', 'r'],
      OBSERVED,
      SCOPE,
    ],
  },
  {
    name: 'map attributes flattened parent_child, arrays as JSON',
    record: { attributes: { nested: { x: { y: 'z' }, 'k.v': true }, arr: [1, 'a'], d: 0.1 } },
    metadata: [['nested_x_y', 'z'], ['nested_k_v', 'true'], ['arr', '[1,"a"]'], ['d', '0.1'], OBSERVED, SCOPE],
  },
  {
    name: 'empty and null attribute values kept as empty metadata',
    record: { attributes: { empty: '', nul: null as unknown as string, big: 2 ** 63 } },
    metadata: [['empty', ''], ['nul', ''], ['big', '9223372036854776000'], OBSERVED, SCOPE],
  },

  // Record fields, in Loki's order.
  {
    name: 'severity number then text',
    record: { severityNumber: 9, severityText: 'INFO' },
    metadata: [OBSERVED, ['severity_number', '9'], ['severity_text', 'INFO'], SCOPE],
  },
  {
    name: 'dropped count, flags, trace and span ids lowercase',
    record: {
      droppedAttributesCount: 3,
      spanContext: { traceId: '0AF7651916CD43DD8448EB211C80319C', spanId: 'B7AD6B7169203331', traceFlags: 1 },
    },
    metadata: [
      OBSERVED,
      ['dropped_attributes_count', '3'],
      ['flags', '1'],
      ['trace_id', '0af7651916cd43dd8448eb211c80319c'],
      ['span_id', 'b7ad6b7169203331'],
      SCOPE,
    ],
  },
  {
    name: 'flags 0 not written',
    record: { spanContext: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 0 } },
    metadata: [OBSERVED, ['trace_id', '0af7651916cd43dd8448eb211c80319c'], ['span_id', 'b7ad6b7169203331'], SCOPE],
  },
  {
    name: 'event name; an attribute of the same name loses to the field',
    record: { eventName: 'session.start', attributes: { event_name: 'attr', other: 'o' } },
    metadata: [['other', 'o'], OBSERVED, ['event_name', 'session.start'], SCOPE],
  },
  {
    name: 'observed timestamp exact to the nanosecond',
    record: { hrTimeObserved: [1767323045, 5] },
    metadata: [['observed_timestamp', '1767323045000000005'], SCOPE],
  },
  {
    name: 'no record time: observed time is the timestamp, no observed_timestamp metadata',
    record: { hrTime: [0, 0], hrTimeObserved: [1767323045, 7] },
    metadata: [SCOPE],
    timestampNanos: 1767323045000000007n,
  },

  // Scope.
  {
    name: 'scope attributes, name, version, dropped count',
    record: {
      instrumentationScope: { name: 's', version: '1.0', attributes: { 'scope.attr': 'v' }, droppedAttributesCount: 2 },
    },
    metadata: [
      OBSERVED,
      ['scope_attr', 'v'],
      ['scope_name', 's'],
      ['scope_version', '1.0'],
      ['scope_dropped_attributes_count', '2'],
    ],
  },
  { name: 'empty scope name not written', record: { instrumentationScope: { name: '' } }, metadata: [OBSERVED] },

  // Resource: default labels, everything else metadata after the record fields.
  {
    name: 'default resource labels and resource metadata',
    record: {
      resource: {
        'service.name': 'api',
        'service.namespace': 'shop',
        'host.name': 'h1',
        'k8s.pod.name': 'p-1',
        'deployment.environment.name': 'prod',
        'process.pid': 42,
      },
      severityText: 'WARN',
    },
    labels: '{deployment_environment_name="prod", k8s_pod_name="p-1", service_name="api", service_namespace="shop"}',
    metadata: [OBSERVED, ['severity_text', 'WARN'], ['host_name', 'h1'], ['process_pid', '42'], SCOPE],
  },
  {
    name: 'service_name discovered from the first candidate label in attribute order',
    record: { resource: { 'k8s.job.name': 'j', 'k8s.container.name': 'c' } },
    labels: '{k8s_container_name="c", k8s_job_name="j", service_name="j"}',
  },
  {
    name: 'empty service.name: discovery',
    record: { resource: { 'service.name': '', 'k8s.container.name': 'c' } },
    labels: '{k8s_container_name="c", service_name="c"}',
  },
  {
    name: 'no service at all: unknown_service',
    record: { resource: { 'host.name': 'h' } },
    labels: '{service_name="unknown_service"}',
    metadata: [OBSERVED, ['host_name', 'h'], SCOPE],
  },
  {
    name: 'label values quoted as Go: quotes, backslashes, newline, unicode',
    record: { resource: { 'service.name': 'a"b\\c\nd é' } },
    labels: '{service_name="a\\"b\\\\c\\nd é"}',
  },
  {
    name: 'U+FFFD in a label value replaced (Loki refuses it)',
    record: { resource: { 'service.name': 'bad\ufffdname' } },
    labels: '{service_name="bad?name"}',
  },
  {
    name: 'map resource attribute promoted flattens into several labels',
    record: { resource: { 'service.name': 'api', 'k8s.pod.name': { a: '1' } } },
    labels: '{k8s_pod_name_a="1", service_name="api"}',
  },
];

describe("record mapping (default: as Loki's OTLP endpoint)", () => {
  for (const row of ROWS) {
    it(row.name, async () => {
      const { exporter, client } = exporterWithFake(row.options, { nowMillis: () => NOW_MILLIS });

      const result = await exportAndWait(exporter, [logRecord(row.record)]);

      expect(result.code).to.equal(0, String(result.error));
      const streams = client.streams;
      expect(streams).to.have.length(1);
      expect(streams[0].entries).to.have.length(1);
      const entry = streams[0].entries[0];
      expect(streams[0].labels).to.equal(row.labels ?? API);
      if (row.line !== undefined) expect(entry.line).to.equal(row.line);
      const metadata = (entry.metadata ?? []).map((p) => [p.name, p.value]);
      expect(metadata).to.deep.equal(row.metadata ?? [OBSERVED, SCOPE]);
      expect(entry.timestampNanos).to.equal(row.timestampNanos ?? T0_NANOS);
    });
  }
});
