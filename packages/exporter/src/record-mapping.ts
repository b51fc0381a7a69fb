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
import { EntryEncoder, encodeMetadataPairs, encodeNameField } from '@otel-loki/push';
import type { MetadataPair } from '@otel-loki/push';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { anyValueToString, isAttributeMap, numberToString } from './any-value';
import {
  fieldPair,
  flattenAttribute,
  RANK_FIELD,
  RANK_REWRITTEN,
  resolveCollisions,
  sanitizeName,
} from './attribute-flattening';
import type { Diagnostics } from './diagnostics';
import type { MappedRecord, NamedValue, StreamLabels } from './internal-types';
import { finalizeLabels, SERVICE_NAME_LABEL } from './label-limits';
import { jsonLine, logfmtLine } from './line-format';
import { LokiEntry, timeToDecimal } from './loki-entry';
import { FIELD_NAMES, ResourceMapper, validTenant } from './resource-mapping';
import type { MetadataTail, ResourceInfo, ResourceLike, ResourceMappingConfig, ScopeLike } from './resource-mapping';
import type { AttributeAction } from './types';

const NANOS_PER_SECOND = 1_000_000_000;
const NANOS_PER_SECOND_BIG = 1_000_000_000n;
/** Attribute keys of log records remembered with their action and sanitized name. */
const MAX_CACHED_KEYS = 4096;
/** Distinct values of a field (`severity_text`...) whose encoded pair is kept for reuse. */
const MAX_INTERNED_VALUES = 256;
/**
 * Distinct values of one attribute key kept as shared, pre-encoded pairs (`http_method=GET`);
 * a key with more is taken for high-cardinality and no longer interned.
 */
const MAX_INTERNED_PER_KEY = 64;
/** Attribute pairs interned in all, and the longest value interned. */
const MAX_INTERNED_PAIRS = 4096;
const MAX_INTERNED_VALUE_LENGTH = 64;

/** What the rules and sanitizing make of one log attribute key, looked up once per key. */
interface LogKey {
  readonly action: AttributeAction;
  /** Sanitized name; `undefined` when the name cannot become a Loki name. */
  readonly name: string | undefined;
  readonly rank: number | undefined;
  readonly nameField: Uint8Array | undefined;
  /** Shared pairs by attribute value; `undefined` once the key has too many values. */
  values: Map<unknown, NamedValue> | undefined;
}

const OBSERVED_TIMESTAMP_FIELD = encodeNameField('observed_timestamp');
const TRACE_ID_FIELD = encodeNameField('trace_id');
const SPAN_ID_FIELD = encodeNameField('span_id');

/** A record field pair (wins name collisions) whose name field is encoded already. */
function namedField(name: string, nameField: Uint8Array, value: string): NamedValue {
  return { name, value, rank: RANK_FIELD, encoded: undefined, nameField };
}

/** Settings of {@link RecordMapper}. */
export interface RecordMappingConfig extends ResourceMappingConfig {
  severityTextAsLabel: boolean;
  defaultTenant: string | undefined;
}

/** Maps records to entries; holds the per-resource, per-scope and per-key caches. */
export class RecordMapper {
  private readonly _resources: ResourceMapper;
  private readonly _recordLabels: boolean;
  private readonly _encoder = new EntryEncoder();
  private readonly _logKeys = new Map<string, LogKey>();
  /** Field pairs (`severity_text=INFO`...) with their encoding, per field name and value. */
  private readonly _interned = new Map<string, Map<string | number, NamedValue>>();
  private _internedPairs = 0;
  private _nowNanos = -1n;
  private _nowSeconds = 0;
  private _nowNanosPart = 0;

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
    let invalidNames = 0;
    for (const key in attributes) {
      const info = this._logKey(key);
      if (info.action === 'drop') continue;
      const value = attributes[key];
      if (info.action === 'label' && labels !== undefined) invalidNames += flattenAttribute(key, value, labels);
      else if (!raw) continue;
      else if (info.name === undefined) invalidNames++;
      else if (typeof value === 'object' && isAttributeMap(value))
        invalidNames += flattenAttribute(key, value, metadata);
      else metadata.push(this._attributePair(info, value));
    }
    if (this._config.tenantAttribute !== undefined && this._config.tenantAttribute in attributes) {
      tenant = validTenant(anyValueToString(attributes[this._config.tenantAttribute]), this._diagnostics) ?? tenant;
    }
    if (invalidNames > 0) this._diagnostics.countAndWarnOnce('invalidNamesDropped', invalidNames, 'log attribute');

    const hrTime = record.hrTime;
    const observed = record.hrTimeObserved;
    const timeSet = isSet(hrTime);
    const observedSet = isSet(observed);
    let line: string;
    let tail: MetadataTail | undefined;
    let tailStart = 0;
    if (raw) {
      const firstField = metadata.length;
      sanitizeRecordValues(metadata, firstField, this._diagnostics);
      this._appendFields(record, timeSet && observedSet, metadata);
      tail = this._resources.tail(resource, scope);
      tailStart = metadata.length;
      const pairs = tail.pairs;
      for (let i = 0; i < pairs.length; i++) metadata.push(pairs[i]);
      if (needsCollisionCheck(metadata, firstField, tail)) {
        const collisions = resolveCollisions(metadata);
        if (collisions > 0) {
          this._diagnostics.countAndWarnOnce('nameCollisions', collisions, 'record attribute');
          tail = undefined; // a tail pair may be gone
        }
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
      this._diagnostics.countAndWarnOnce('invalidUnicodeReplaced', 1, 'line');
    }

    const stream = labels === undefined ? resource.stream : this._recordStream(resource, record, labels);
    for (const pair of stream.demoted) metadata.push(pair);

    let seconds: number;
    let nanos: number;
    if (timeSet || observedSet) {
      const time = timeSet ? hrTime : observed;
      seconds = Math.trunc(time[0]);
      nanos = Math.trunc(time[1]);
      if (nanos < 0 || nanos >= NANOS_PER_SECOND) {
        const carry = Math.floor(nanos / NANOS_PER_SECOND);
        seconds += carry;
        nanos -= carry * NANOS_PER_SECOND;
      }
    } else {
      this._setNow(nowNanos);
      seconds = this._nowSeconds;
      nanos = this._nowNanosPart;
    }
    const entry = new LokiEntry(seconds, nanos, line, metadata, this._encoder);
    if (tail !== undefined) {
      entry.shared = tail;
      entry.sharedStart = tailStart;
    }
    return { tenant: tenant ?? this._config.defaultTenant, stream, entry };
  }

  private _logKey(key: string): LogKey {
    let info = this._logKeys.get(key);
    if (info === undefined) {
      const name = sanitizeName(key);
      info = {
        action: this._config.classifier.action('log', key),
        name,
        rank: name === key || name === undefined ? undefined : RANK_REWRITTEN,
        nameField: name === undefined ? undefined : encodeNameField(name),
        values: new Map(),
      };
      if (this._logKeys.size >= MAX_CACHED_KEYS) {
        this._logKeys.clear();
        this._internedPairs = 0;
      }
      this._logKeys.set(key, info);
    }
    return info;
  }

  /** The metadata pair of a scalar attribute: shared and pre-encoded when its value repeats. */
  private _attributePair(info: LogKey, value: unknown): NamedValue {
    const values = info.values;
    if (values !== undefined) {
      const shared = values.get(value);
      if (shared !== undefined) return shared;
    }
    const pair: NamedValue = {
      name: info.name!,
      value: anyValueToString(value),
      rank: info.rank,
      encoded: undefined,
      nameField: info.nameField,
    };
    if (values !== undefined && typeof value !== 'object') {
      if (values.size >= MAX_INTERNED_PER_KEY) {
        info.values = undefined;
      } else if (
        this._internedPairs < MAX_INTERNED_PAIRS &&
        pair.value.length <= MAX_INTERNED_VALUE_LENGTH &&
        pair.value.isWellFormed()
      ) {
        // Shared from now on: never mutated (values are well-formed, collisions filter, trimming replaces).
        pair.encoded = encodeMetadataPairs([pair]);
        values.set(value, pair);
        this._internedPairs++;
      }
    }
    return pair;
  }

  private _setNow(nowNanos: bigint): void {
    if (nowNanos === this._nowNanos) return;
    let seconds = nowNanos / NANOS_PER_SECOND_BIG;
    let rest = nowNanos - seconds * NANOS_PER_SECOND_BIG;
    if (rest < 0n) {
      seconds -= 1n;
      rest += NANOS_PER_SECOND_BIG;
    }
    this._nowNanos = nowNanos;
    this._nowSeconds = Number(seconds);
    this._nowNanosPart = Number(rest);
  }

  /** The field pair `name=value`, shared and pre-encoded for the few values that repeat. */
  private _internedField(name: string, value: string | number): NamedValue {
    let values = this._interned.get(name);
    if (values === undefined) {
      values = new Map();
      this._interned.set(name, values);
    }
    let pair = values.get(value);
    if (pair === undefined) {
      const text = typeof value === 'number' ? numberToString(value) : value;
      if (values.size >= MAX_INTERNED_VALUES || !text.isWellFormed()) return fieldPair(name, text);
      pair = { name, value: text, rank: RANK_FIELD, encoded: encodeMetadataPairs([{ name, value: text }]) };
      values.set(value, pair);
    }
    return pair;
  }

  private _appendFields(record: ReadableLogRecord, bothTimes: boolean, out: NamedValue[]): void {
    if (bothTimes)
      out.push(namedField('observed_timestamp', OBSERVED_TIMESTAMP_FIELD, hrTimeToDecimal(record.hrTimeObserved)));
    const severityNumber = record.severityNumber as number | undefined;
    if (severityNumber) out.push(this._internedField('severity_number', severityNumber));
    const severityText = record.severityText;
    if (severityText) out.push(this._internedField('severity_text', severityText));
    if (record.droppedAttributesCount) {
      out.push(fieldPair('dropped_attributes_count', numberToString(record.droppedAttributesCount)));
    }
    const span = record.spanContext;
    if (span !== undefined) {
      if (span.traceFlags) out.push(this._internedField('flags', span.traceFlags));
      if (span.traceId && !allZeros(span.traceId))
        out.push(namedField('trace_id', TRACE_ID_FIELD, span.traceId.toLowerCase()));
      if (span.spanId && !allZeros(span.spanId))
        out.push(namedField('span_id', SPAN_ID_FIELD, span.spanId.toLowerCase()));
    }
    if (record.eventName) out.push(fieldPair('event_name', record.eventName));
  }

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

/**
 * True when record metadata might hold colliding names: two record attributes of one
 * sanitized name, or one named as a field or as a resource/scope metadata pair, or a
 * resource/scope pair named as a field. Usually false, which saves building a map per record.
 */
function needsCollisionCheck(metadata: readonly NamedValue[], firstField: number, tail: MetadataTail): boolean {
  if (tail.hasFieldNames) return true;
  const tailNames = tail.names;
  for (let i = 0; i < firstField; i++) {
    const name = metadata[i].name;
    if (FIELD_NAMES.has(name) || tailNames.has(name)) return true;
    for (let j = 0; j < i; j++) if (metadata[j].name === name) return true;
  }
  return false;
}

/** True when an `HrTime` holds a time: not zero, and not NaN or infinite (then it counts as unset). */
function isSet(hrTime: readonly [number, number]): boolean {
  return (hrTime[0] !== 0 || hrTime[1] !== 0) && Number.isFinite(hrTime[0]) && Number.isFinite(hrTime[1]);
}

/** True when a trace or span ID is all zeros (invalid: not sent). */
function allZeros(id: string): boolean {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) !== 0x30) return false;
  return true;
}

function sanitizeRecordValues(metadata: NamedValue[], end: number, diagnostics: Diagnostics): void {
  // Tail values were sanitized once per resource and scope; only record values are checked here.
  for (let i = 0; i < end; i++) {
    const pair = metadata[i];
    if (!pair.value.isWellFormed()) {
      pair.value = pair.value.toWellFormed();
      diagnostics.countAndWarnOnce('invalidUnicodeReplaced', 1, `metadata ${pair.name}`);
    }
  }
}

/** `HrTime` (`[seconds, nanoseconds]`) as exact nanoseconds. */
export function hrTimeToNanos(hrTime: readonly [number, number]): bigint {
  return BigInt(Math.trunc(hrTime[0])) * NANOS_PER_SECOND_BIG + BigInt(Math.trunc(hrTime[1]));
}

/** `HrTime` as a decimal string of nanoseconds, as Loki writes `observed_timestamp`. */
export function hrTimeToDecimal(hrTime: readonly [number, number]): string {
  const seconds = Math.trunc(hrTime[0]);
  const nanos = Math.trunc(hrTime[1]);
  if (nanos >= 0 && nanos < NANOS_PER_SECOND) return timeToDecimal(seconds, nanos);
  return hrTimeToNanos(hrTime).toString();
}
