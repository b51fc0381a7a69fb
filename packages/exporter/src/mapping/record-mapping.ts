/**
 * One OTel log record as one Loki entry, by default exactly as Loki's OTLP endpoint stores it:
 * labels from the resource (and from record attributes when a rule says so), structured
 * metadata in Loki's order (`record-attributes.ts`), the body as the line (`record-line.ts`),
 * the record time as the timestamp (`timestamps.ts`). What a resource and scope contribute is
 * computed once per resource and scope (`resource-mapping.ts`).
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/push/otlp.go (otlpLogToPushEntry)
 */
import { EntryEncoder } from '@otel-loki/push/internal';
import type { MetadataPair } from '@otel-loki/push';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resolveCollisions, sanitizeValues } from './attribute-flattening';
import type { Diagnostics } from '../observability/diagnostics';
import type { MappedRecord, NamedValue, StreamLabels } from '../internal-types';
import { finalizeLabels, SERVICE_NAME_LABEL } from '../limits/label-limits';
import { LokiEntry } from './loki-entry';
import { PackingSink, PairArray, RecordAttributeMapper } from './record-attributes';
import { recordLine } from './record-line';
import { ResourceMapper } from './resource-mapping';
import type { MetadataTail, ResourceInfo, ResourceLike, ResourceMappingConfig, ScopeLike } from './resource-mapping';
import { entryHrTime, splitHrTime } from './timestamps';

/**
 * Encoder buffers (256 KiB each) kept for reuse: enough for the pushes in flight to give
 * theirs back while new records are written (1 MiB at most, kept while idle).
 */
const FREE_ENCODER_CHUNKS = 4;

/** Settings of {@link RecordMapper}. */
export interface RecordMappingConfig extends ResourceMappingConfig {
  severityTextAsLabel: boolean;
  defaultTenant: string | undefined;
}

/** Maps records to entries; holds the per-resource, per-scope and per-key caches. */
export class RecordMapper {
  private readonly _resources: ResourceMapper;
  private readonly _attributes: RecordAttributeMapper;
  private readonly _recordLabels: boolean;
  /** Reuses a buffer once the sender released every entry in it (`LokiEntry.release`). */
  private readonly _encoder = new EntryEncoder(FREE_ENCODER_CHUNKS);
  private readonly _sink = new PackingSink(this._encoder);
  /** The general path's sink of record fields (its array set per record). */
  private readonly _pairs = new PairArray();
  /** Raw lines and no record labels: records may take the fast path (`_pack`). */
  private readonly _packable: boolean;

  /** @param pack `false`: no record takes the fast path (tests compare the two). */
  constructor(
    private readonly _config: RecordMappingConfig,
    private readonly _diagnostics: Diagnostics,
    pack = true
  ) {
    this._resources = new ResourceMapper(_config, _diagnostics);
    this._attributes = new RecordAttributeMapper(_config, _diagnostics);
    this._recordLabels = _config.classifier.recordLabelsPossible || _config.severityTextAsLabel;
    this._packable = pack && _config.lineFormat === 'raw' && !this._recordLabels;
  }

  /** Maps one record; `now` (seconds, nanos) stands in for a record without any timestamp. */
  map(record: ReadableLogRecord, now: readonly [number, number]): MappedRecord {
    const resource = this._resources.resource(record.resource as unknown as ResourceLike);
    const attributes = record.attributes as Record<string, unknown>;
    const tenant = this._attributes.tenant(attributes) ?? resource.tenant ?? this._config.defaultTenant;
    const line = recordLine(record, this._config.lineFormat, resource.lineParts, this._diagnostics);
    const [seconds, nanos] = splitHrTime(entryHrTime(record) ?? now);
    if (this._packable) {
      const entry = this._pack(record, resource, attributes, line, seconds, nanos);
      if (entry !== undefined) return { tenant, stream: resource.stream, entry };
    }
    const raw = this._config.lineFormat === 'raw';
    const labels: NamedValue[] | undefined = this._recordLabels ? [] : undefined;
    const metadata: NamedValue[] = [];
    this._attributes.attributes(attributes, labels, raw ? metadata : undefined);
    let shared: MetadataTail | undefined;
    let sharedStart = 0;
    if (raw) {
      const firstField = metadata.length;
      sanitizeValues(metadata, this._diagnostics);
      this._pairs.pairs = metadata;
      this._attributes.appendFields(record, this._pairs);
      const tail = this._resources.tail(resource, record.instrumentationScope as ScopeLike);
      sharedStart = metadata.length;
      shared = this._attributes.appendTail(metadata, firstField, tail);
    }
    const stream = labels === undefined ? resource.stream : this._recordStream(resource, record, labels);
    for (const pair of stream.demoted) metadata.push(pair);
    const entry = new LokiEntry(seconds, nanos, line, metadata, this._encoder, shared, sharedStart);
    return { tenant, stream, entry };
  }

  /**
   * The fast path of {@link map} (raw lines, no record labels): the entry's encoding written as
   * the record is read, with no metadata objects. `undefined` when the record needs the general
   * path (see `RecordAttributeMapper.packAttributes`); what was written is dropped then.
   */
  private _pack(
    record: ReadableLogRecord,
    resource: ResourceInfo,
    attributes: Record<string, unknown>,
    line: string,
    seconds: number,
    nanos: number
  ): LokiEntry | undefined {
    const tail = this._resources.tail(resource, record.instrumentationScope as ScopeLike);
    if (tail.hasFieldNames) return undefined;
    const encoder = this._encoder;
    const sink = this._sink;
    sink.reset();
    encoder.begin(seconds, nanos);
    const timestampBytes = encoder.written;
    encoder.line(line);
    if (!this._attributes.packAttributes(attributes, sink, tail)) {
      encoder.abort();
      return undefined;
    }
    this._attributes.appendFields(record, sink);
    const sharedOffset = encoder.written;
    sink.shared(tail);
    for (const pair of resource.stream.demoted) sink.push(pair);
    const start = encoder.entryStart;
    return LokiEntry.packed(
      seconds,
      nanos,
      line,
      encoder,
      encoder.hold(),
      start,
      start + encoder.written,
      timestampBytes,
      sink.count,
      sink.chars,
      tail,
      sharedOffset
    );
  }

  /** The stream of a record that brings labels of its own. */
  private _recordStream(resource: ResourceInfo, record: ReadableLogRecord, labels: NamedValue[]): StreamLabels {
    if (this._config.severityTextAsLabel && record.severityText) {
      labels.push({ name: 'severity_text', value: record.severityText });
    }
    if (labels.length === 0) return resource.stream;
    const collisions = resolveCollisions(labels);
    if (collisions > 0) this._diagnostics.countAndWarnOnce('nameCollisions', collisions, 'record label');
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
