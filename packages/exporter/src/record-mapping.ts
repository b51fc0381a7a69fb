/**
 * One OTel log record as one Loki entry, by default exactly as Loki's OTLP endpoint stores it:
 * labels from the resource (and from record attributes when a rule says so), structured
 * metadata in Loki's order (record attributes, `observed_timestamp`, `severity_number`,
 * `severity_text`, `dropped_attributes_count`, `flags`, `trace_id`, `span_id`, `event_name`,
 * resource attributes, scope attributes, `scope_name`, `scope_version`,
 * `scope_dropped_attributes_count`), the body as the line, the record time as the timestamp.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/push/otlp.go (otlpLogToPushEntry)
 */
import type { MetadataPair } from '@otel-loki/push';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { anyValueToString, numberToString } from './any-value';
import { fieldPair, flattenAttribute, RANK_FIELD, resolveCollisions } from './attribute-flattening';
import type { Diagnostics } from './diagnostics';
import type { MappedRecord, MutableEntry, NamedValue, StreamLabels } from './internal-types';
import { finalizeLabels, SERVICE_NAME_LABEL } from './label-limits';
import { jsonLine, logfmtLine } from './line-format';
import { ResourceMapper, validTenant } from './resource-mapping';
import type { ResourceInfo, ResourceLike, ResourceMappingConfig, ScopeLike } from './resource-mapping';

const NANOS_PER_SECOND = 1_000_000_000n;
const ZERO_TRACE_ID = /^0*$/;
/** Names of the record fields Loki writes as metadata; a record attribute of the same name loses. */
const FIELD_NAMES: ReadonlySet<string> = new Set([
  'observed_timestamp',
  'severity_number',
  'severity_text',
  'dropped_attributes_count',
  'flags',
  'trace_id',
  'span_id',
  'event_name',
]);

/** Settings of {@link RecordMapper}. */
export interface RecordMappingConfig extends ResourceMappingConfig {
  severityTextAsLabel: boolean;
  defaultTenant: string | undefined;
}

/** Maps records to entries; holds the per-resource and per-scope caches. */
export class RecordMapper {
  private readonly _resources: ResourceMapper;
  private readonly _recordLabels: boolean;

  constructor(
    private readonly _config: RecordMappingConfig,
    private readonly _diagnostics: Diagnostics
  ) {
    this._resources = new ResourceMapper(_config, _diagnostics);
    this._recordLabels = _config.classifier.recordLabelsPossible || _config.severityTextAsLabel;
  }

  /** Maps one record; `nowNanos` stands in for a record without any timestamp. */
  map(record: ReadableLogRecord, nowNanos: bigint): MappedRecord {
    const resource = this._resources.resource(record.resource as unknown as ResourceLike);
    const scope = record.instrumentationScope as ScopeLike;
    const attributes = record.attributes as Record<string, unknown>;
    const raw = this._config.lineFormat === 'raw';

    const metadata: NamedValue[] = [];
    const labels: NamedValue[] | undefined = this._recordLabels ? [] : undefined;
    let tenant = resource.tenant;
    let attributeNames = 0;
    let invalidNames = 0;
    const classifier = this._config.classifier;
    for (const key in attributes) {
      const action = classifier.action('log', key);
      if (action === 'drop') continue;
      if (action === 'label' && labels !== undefined) invalidNames += flattenAttribute(key, attributes[key], labels);
      else if (raw) invalidNames += flattenAttribute(key, attributes[key], metadata);
      attributeNames++;
    }
    if (this._config.tenantAttribute !== undefined && this._config.tenantAttribute in attributes) {
      tenant = validTenant(anyValueToString(attributes[this._config.tenantAttribute]), this._diagnostics) ?? tenant;
    }
    if (invalidNames > 0) this._diagnostics.note('invalidNamesDropped', invalidNames, 'log attribute');

    const hrTime = record.hrTime;
    const observed = record.hrTimeObserved;
    const timeSet = hrTime[0] !== 0 || hrTime[1] !== 0;
    const observedSet = observed[0] !== 0 || observed[1] !== 0;
    let line: string;
    if (raw) {
      const firstField = metadata.length;
      sanitizeRecordValues(metadata, firstField, this._diagnostics);
      this._appendFields(record, timeSet && observedSet, metadata);
      const tail = this._resources.tail(resource, scope);
      if (needsCollisionCheck(metadata, firstField, attributeNames, tail.names)) {
        for (const pair of tail.pairs) metadata.push(pair);
        const collisions = resolveCollisions(metadata);
        if (collisions > 0) this._diagnostics.note('nameCollisions', collisions, 'record attribute');
      } else {
        for (const pair of tail.pairs) metadata.push(pair);
      }
      line = anyValueToString(record.body);
    } else {
      line =
        this._config.lineFormat === 'json'
          ? jsonLine(record, resource.lineParts!)
          : logfmtLine(record, resource.lineParts!);
    }
    if (!line.isWellFormed()) {
      line = line.toWellFormed();
      this._diagnostics.note('invalidUnicodeReplaced', 1, 'line');
    }

    const stream = labels === undefined ? resource.stream : this._recordStream(resource, record, labels);
    for (const pair of stream.demoted) metadata.push(pair);
    const timestampNanos = timeSet ? hrTimeToNanos(hrTime) : observedSet ? hrTimeToNanos(observed) : nowNanos;
    const entry: MutableEntry = { timestampNanos, line, metadata };
    return { tenant: tenant ?? this._config.defaultTenant, stream, entry };
  }

  private _appendFields(record: ReadableLogRecord, bothTimes: boolean, out: NamedValue[]): void {
    if (bothTimes) out.push(fieldPair('observed_timestamp', hrTimeToDecimal(record.hrTimeObserved)));
    const severityNumber = record.severityNumber as number | undefined;
    if (severityNumber) out.push(fieldPair('severity_number', numberToString(severityNumber)));
    if (record.severityText) out.push(fieldPair('severity_text', record.severityText));
    if (record.droppedAttributesCount) {
      out.push(fieldPair('dropped_attributes_count', numberToString(record.droppedAttributesCount)));
    }
    const span = record.spanContext;
    if (span !== undefined) {
      if (span.traceFlags) out.push(fieldPair('flags', numberToString(span.traceFlags)));
      if (span.traceId && !ZERO_TRACE_ID.test(span.traceId)) out.push(fieldPair('trace_id', span.traceId.toLowerCase()));
      if (span.spanId && !ZERO_TRACE_ID.test(span.spanId)) out.push(fieldPair('span_id', span.spanId.toLowerCase()));
    }
    if (record.eventName) out.push(fieldPair('event_name', record.eventName));
  }

  private _recordStream(resource: ResourceInfo, record: ReadableLogRecord, labels: NamedValue[]): StreamLabels {
    if (this._config.severityTextAsLabel && record.severityText) {
      labels.push({ name: 'severity_text', value: record.severityText });
    }
    if (labels.length === 0) return resource.stream;
    const collisions = resolveCollisions(labels);
    if (collisions > 0) this._diagnostics.note('nameCollisions', collisions, 'record label');
    // Record labels replace resource labels of the same name (Loki merges them into one map).
    const candidates: MetadataPair[] = resource.labelCandidates.slice();
    for (const label of labels) {
      if (label.name === SERVICE_NAME_LABEL && label.value === '') continue;
      const existing = candidates.findIndex((c) => c.name === label.name);
      if (existing >= 0) candidates[existing] = { name: label.name, value: label.value };
      else candidates.push({ name: label.name, value: label.value });
    }
    return finalizeLabels(candidates, this._config.limits, this._diagnostics);
  }
}

/**
 * True when record metadata might hold colliding names: a rewritten attribute name, or an
 * exact one equal to a field or to a resource/scope metadata name. Usually false, which
 * saves building a map per record.
 */
function needsCollisionCheck(
  metadata: readonly NamedValue[],
  firstField: number,
  attributeNames: number,
  tailNames: ReadonlySet<string>
): boolean {
  if (firstField !== attributeNames) return true; // a map attribute was flattened
  for (let i = 0; i < metadata.length; i++) {
    const pair = metadata[i];
    if (pair.rank !== undefined && pair.rank !== RANK_FIELD) return true;
    if (tailNames.has(pair.name)) return true;
    if (i < firstField && FIELD_NAMES.has(pair.name)) return true;
  }
  return false;
}

function sanitizeRecordValues(metadata: NamedValue[], end: number, diagnostics: Diagnostics): void {
  // Tail values were sanitized once per resource and scope; only record values are checked here.
  for (let i = 0; i < end; i++) {
    const pair = metadata[i];
    if (!pair.value.isWellFormed()) {
      pair.value = pair.value.toWellFormed();
      diagnostics.note('invalidUnicodeReplaced', 1, `metadata ${pair.name}`);
    }
  }
}

/** `HrTime` (`[seconds, nanoseconds]`) as exact nanoseconds. */
export function hrTimeToNanos(hrTime: readonly [number, number]): bigint {
  return BigInt(Math.trunc(hrTime[0])) * NANOS_PER_SECOND + BigInt(Math.trunc(hrTime[1]));
}

/** `HrTime` as a decimal string of nanoseconds, as Loki writes `observed_timestamp`. */
export function hrTimeToDecimal(hrTime: readonly [number, number]): string {
  const seconds = Math.trunc(hrTime[0]);
  const nanos = Math.trunc(hrTime[1]);
  if (seconds > 0 && nanos >= 0 && nanos < 1e9) return `${seconds}${String(nanos).padStart(9, '0')}`;
  return hrTimeToNanos(hrTime).toString();
}
