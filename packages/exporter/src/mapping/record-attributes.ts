/**
 * A log record's structured metadata and label candidates, as Loki's OTLP endpoint makes them:
 * record attributes first (names sanitized, maps flattened, values `AsString`), then the record
 * fields in Loki's order (`observed_timestamp`, `severity_number`, `severity_text`,
 * `dropped_attributes_count`, `flags`, `trace_id`, `span_id`, `event_name`), then the resource
 * and scope metadata; a record field wins a name collision, then an exact name, then the first.
 * Repeating pairs come from `value-interning.ts` (performance only: the same pairs either way).
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/push/otlp.go (otlpLogToPushEntry)
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { anyValueToString, isAttributeMap, numberToString } from './any-value';
import {
  fieldPair,
  flattenAttribute,
  RANK_REWRITTEN,
  resolveCollisions,
  sanitizeName,
  sanitizeValues,
} from './attribute-flattening';
import type { AttributeClassifier } from './attribute-rules';
import type { Diagnostics } from '../observability/diagnostics';
import type { NamedValue } from '../internal-types';
import { FIELD_NAMES, validTenant } from './resource-mapping';
import type { MetadataTail } from './resource-mapping';
import { isTimeSet } from './timestamps';
import { AttributeInterner, FieldInterner, VaryingFields } from './value-interning';
import type { KeyRule } from './value-interning';

/** Settings of {@link RecordAttributeMapper}. */
export interface RecordAttributesConfig {
  classifier: AttributeClassifier;
  tenantAttribute: string | undefined;
}

/** Maps record attributes and fields to metadata pairs and label candidates. */
export class RecordAttributeMapper {
  private readonly _attributes: AttributeInterner;
  private readonly _fields = new FieldInterner();
  private readonly _varying = new VaryingFields();

  constructor(
    private readonly _config: RecordAttributesConfig,
    private readonly _diagnostics: Diagnostics
  ) {
    this._attributes = new AttributeInterner((key) => this._rule(key));
  }

  /**
   * Appends the record attributes to `labels` (those the rules make labels, when record labels
   * are possible) and to `metadata` (the others; `undefined` when the line carries them, as
   * json and logfmt lines do). Dropped by the rules: left out; names that cannot become Loki
   * names: left out and counted.
   */
  attributes(
    attributes: Record<string, unknown>,
    labels: NamedValue[] | undefined,
    metadata: NamedValue[] | undefined
  ): void {
    let invalidNames = 0;
    for (const key in attributes) {
      const info = this._attributes.key(key);
      if (info.action === 'drop') continue;
      const value = attributes[key];
      if (info.action === 'label' && labels !== undefined) invalidNames += flattenAttribute(key, value, labels);
      else if (metadata === undefined) continue;
      else if (info.name === undefined) invalidNames++;
      else if (typeof value === 'object' && isAttributeMap(value))
        invalidNames += flattenAttribute(key, value, metadata);
      else metadata.push(this._attributes.pair(info, value));
    }
    if (invalidNames > 0) this._diagnostics.countAndWarnOnce('invalidNamesDropped', invalidNames, 'log attribute');
  }

  /**
   * Appends the record fields Loki writes as metadata, in its order, to `metadata`, which holds
   * the record attributes' pairs; their values are made well-formed first (counted).
   */
  appendFields(record: ReadableLogRecord, metadata: NamedValue[]): void {
    sanitizeValues(metadata, this._diagnostics);
    // Loki writes observed_timestamp only when both times are set (else it is the timestamp).
    const observed = record.hrTimeObserved;
    if (isTimeSet(record.hrTime) && isTimeSet(observed)) metadata.push(this._varying.observed(observed));
    const severityNumber = record.severityNumber as number | undefined;
    if (severityNumber) metadata.push(this._fields.pair('severity_number', severityNumber));
    const severityText = record.severityText;
    if (severityText) metadata.push(this._fields.pair('severity_text', severityText));
    if (record.droppedAttributesCount) {
      metadata.push(fieldPair('dropped_attributes_count', numberToString(record.droppedAttributesCount)));
    }
    const span = record.spanContext;
    if (span !== undefined) {
      if (span.traceFlags) metadata.push(this._fields.pair('flags', span.traceFlags));
      if (span.traceId && !allZeros(span.traceId)) metadata.push(this._varying.traceId(span.traceId));
      if (span.spanId && !allZeros(span.spanId)) metadata.push(this._varying.spanId(span.spanId));
    }
    if (record.eventName) metadata.push(fieldPair('event_name', record.eventName));
  }

  /**
   * Appends `tail` (the resource and scope metadata) to `metadata`, whose pairs before
   * `firstField` are record attributes, and resolves name collisions. Returns `tail` when it is
   * still whole at the end of `metadata` (the entry then shares its encoding), `undefined` when
   * a collision removed one of its pairs.
   */
  appendTail(metadata: NamedValue[], firstField: number, tail: MetadataTail): MetadataTail | undefined {
    const pairs = tail.pairs;
    for (let i = 0; i < pairs.length; i++) metadata.push(pairs[i]);
    if (!needsCollisionCheck(metadata, firstField, tail)) return tail;
    const collisions = resolveCollisions(metadata);
    if (collisions === 0) return tail;
    this._diagnostics.countAndWarnOnce('nameCollisions', collisions, 'record attribute');
    return undefined;
  }

  /** The tenant named by the record's tenant attribute, when it has a valid one. */
  tenant(attributes: Record<string, unknown>): string | undefined {
    const attribute = this._config.tenantAttribute;
    if (attribute === undefined || !(attribute in attributes)) return undefined;
    return validTenant(anyValueToString(attributes[attribute]), this._diagnostics);
  }

  private _rule(key: string): KeyRule {
    const name = sanitizeName(key);
    return {
      action: this._config.classifier.action('log', key),
      name,
      rank: name === key || name === undefined ? undefined : RANK_REWRITTEN,
    };
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

/** True when a trace or span ID is all zeros (invalid: not sent). */
function allZeros(id: string): boolean {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) !== 0x30) return false;
  return true;
}
