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
import type { MetadataPair } from '@otel-loki/push';
import type { EntryEncoder } from '@otel-loki/push/internal';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { anyValueToString, isAttributeMap, numberToString } from './any-value';
import { fieldPair, flattenAttribute, RANK_REWRITTEN, resolveCollisions, sanitizeName } from './attribute-flattening';
import type { AttributeClassifier } from './attribute-rules';
import type { Diagnostics } from '../observability/diagnostics';
import type { NamedValue } from '../internal-types';
import { FIELD_NAMES, validTenant } from './resource-mapping';
import type { MetadataTail } from './resource-mapping';
import { writePair } from './loki-entry';
import type { SharedPairs } from './loki-entry';
import { isTimeSet } from './timestamps';
import {
  AttributeInterner,
  FieldInterner,
  OBSERVED_TIMESTAMP_NAME_FIELD,
  SPAN_ID_NAME_FIELD,
  TRACE_ID_NAME_FIELD,
  VaryingFields,
} from './value-interning';
import type { InternedField } from './value-interning';
import type { InternedKey, KeyRule } from './value-interning';

/** `observed_timestamp` and 19 digits. */
const OBSERVED_TIMESTAMP_CHARS = 'observed_timestamp'.length + 19;
const TRACE_ID_NAME = 'trace_id';
const SPAN_ID_NAME = 'span_id';

/**
 * Where record fields go: the metadata array of the general path ({@link PairArray}), or the
 * entry's encoding on the fast path ({@link PackingSink}), which writes the pairs whose values
 * change from record to record straight into the encoding.
 */
export interface PairSink {
  push(pair: NamedValue): unknown;
  /** The `observed_timestamp` pair of an `HrTime` that holds a time. */
  observedTime(hrTime: readonly [number, number], varying: VaryingFields): void;
  /** The `trace_id` pair (lower case); nothing for an all-zero (invalid) ID. */
  traceId(id: string, varying: VaryingFields): void;
  /** The `span_id` pair (lower case); nothing for an all-zero (invalid) ID. */
  spanId(id: string, varying: VaryingFields): void;
}

/**
 * The general path's sink: pairs appended to a metadata array (one instance per mapper, its
 * array set per record).
 */
export class PairArray implements PairSink {
  pairs: NamedValue[] = [];

  push(pair: NamedValue | undefined): void {
    if (pair !== undefined) this.pairs.push(pair);
  }

  observedTime(hrTime: readonly [number, number], varying: VaryingFields): void {
    this.push(varying.observed(hrTime));
  }

  traceId(id: string, varying: VaryingFields): void {
    this.push(varying.traceId(id));
  }

  spanId(id: string, varying: VaryingFields): void {
    this.push(varying.spanId(id));
  }
}

/**
 * Metadata pairs written straight into an entry's encoding, counted as they go (the mapping's
 * fast path: `LokiEntry.packed`).
 */
export class PackingSink implements PairSink {
  /** Pairs written, and UTF-16 units of their names and values. */
  count = 0;
  chars = 0;

  constructor(readonly encoder: EntryEncoder) {}

  /** Starts counting a new entry. */
  reset(): void {
    this.count = 0;
    this.chars = 0;
  }

  push(pair: MetadataPair | NamedValue): void {
    this.count++;
    this.chars += pair.name.length + pair.value.length;
    writePair(this.encoder, pair);
  }

  /**
   * A pair of a name encoded beforehand and a value that does not repeat. Returns `false`,
   * having written nothing, when the value is not well-formed (the record takes the general
   * path).
   */
  pairWithName(name: string, nameField: Uint8Array, value: string): boolean {
    // A short ASCII value is well-formed: checked as it is written.
    if (!this.encoder.pairWithNameAscii(nameField, value)) {
      if (!value.isWellFormed()) return false;
      this.encoder.pairWithName(nameField, value);
    }
    this.count++;
    this.chars += name.length + value.length;
    return true;
  }

  /** A pair of a name encoded beforehand and a safe integer value that does not repeat. */
  pairWithNameInteger(name: string, nameField: Uint8Array, value: number): void {
    this.count++;
    this.chars += name.length + this.encoder.pairWithNameInteger(nameField, value);
  }

  /** A pair of a name encoded beforehand and the decimal `units / 10^decimals` (see `EntryEncoder.pairWithNameDecimal`). */
  pairWithNameDecimal(name: string, nameField: Uint8Array, units: number, decimals: number): void {
    this.count++;
    this.chars += name.length + this.encoder.pairWithNameDecimal(nameField, units, decimals);
  }

  /**
   * The `observed_timestamp` pair: its digits written as they are for a time of this era
   * (10-digit seconds), else the shared pair of `varying`.
   */
  observedTime(hrTime: readonly [number, number], varying: VaryingFields): void {
    const seconds = hrTime[0];
    const nanos = hrTime[1];
    if (
      seconds >= 1e9 &&
      seconds < 1e10 &&
      Number.isInteger(seconds) &&
      Number.isInteger(nanos) &&
      nanos >= 0 &&
      nanos < 1e9
    ) {
      this.count++;
      this.chars += OBSERVED_TIMESTAMP_CHARS;
      this.encoder.pairWithNameNanos(OBSERVED_TIMESTAMP_NAME_FIELD, seconds, nanos);
    } else {
      this.push(varying.observed(hrTime));
    }
  }

  traceId(id: string, varying: VaryingFields): void {
    if (!this._id(TRACE_ID_NAME_FIELD, TRACE_ID_NAME, id)) this._pushIfAny(varying.traceId(id));
  }

  spanId(id: string, varying: VaryingFields): void {
    if (!this._id(SPAN_ID_NAME_FIELD, SPAN_ID_NAME, id)) this._pushIfAny(varying.spanId(id));
  }

  /**
   * Writes an ID pair lower-cased (nothing for an ID of zeros); `false`, having written nothing,
   * for an ID that is not short ASCII (the caller takes the shared pair).
   */
  private _id(nameField: Uint8Array, name: string, id: string): boolean {
    const written = this.encoder.pairWithNameId(nameField, id);
    if (written > 0) {
      this.count++;
      this.chars += name.length + id.length;
    }
    return written >= 0;
  }

  private _pushIfAny(pair: NamedValue | undefined): void {
    if (pair !== undefined) this.push(pair);
  }

  /** Pairs encoded together beforehand (a resource and scope tail). */
  shared(pairs: SharedPairs): void {
    this.count += pairs.pairs.length;
    this.chars += pairs.chars;
    this.encoder.raw(pairs.encoded);
  }
}

/** Settings of {@link RecordAttributeMapper}. */
export interface RecordAttributesConfig {
  classifier: AttributeClassifier;
  tenantAttribute: string | undefined;
}

/** Maps record attributes and fields to metadata pairs and label candidates. */
export class RecordAttributeMapper {
  private readonly _attributes: AttributeInterner;
  /**
   * The attribute keys of the last record packed, in order, with their rules: the first
   * `_shapeLength` were checked together against `_shapeTail` (see `packAttributes`).
   */
  private readonly _shapeKeys: string[] = [];
  private readonly _shapeInfos: InternedKey[] = [];
  private _shapeLength = 0;
  private _shapeTail: MetadataTail | undefined;
  private readonly _fields = new FieldInterner((name, value) => this._wellFormed(name, value));
  private readonly _severityNumber: InternedField = this._fields.field('severity_number');
  private readonly _severityText: InternedField = this._fields.field('severity_text');
  private readonly _flags: InternedField = this._fields.field('flags');
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
   * Writes the record attributes as metadata pairs into `sink` (the mapping's fast path, with no
   * pair objects for values that do not repeat). Returns `false`, with part of them written,
   * when the record needs the general path ({@link attributes}, then {@link appendFields} and
   * {@link appendTail}): a map, array or null value, a name that cannot become a Loki name, a
   * value that is not well-formed, or a name that might collide with a record field, with
   * `tail` or with another attribute. Nothing is counted here.
   */
  packAttributes(attributes: Record<string, unknown>, sink: PackingSink, tail: MetadataTail): boolean {
    // Records of one logger call site bring the same keys in the same order: while they match
    // the keys checked last, their rules and checks are reused; against another tail (another
    // scope or resource: batches mix them) only the tail's names are looked up again.
    const keys = this._shapeKeys;
    const infos = this._shapeInfos;
    const tailChecked = tail === this._shapeTail;
    let same = true;
    let i = 0;
    for (const key in attributes) {
      let info: InternedKey;
      if (same && i < this._shapeLength && keys[i] === key) {
        info = infos[i];
        if (!tailChecked && info.action !== 'drop' && tail.names.has(info.name!)) return this._endShape(i, tail);
      } else {
        same = false;
        info = this._attributes.key(key);
        if (!this._packable(info, i, tail)) return this._endShape(i, tail);
        keys[i] = key;
        infos[i] = info;
      }
      i++;
      if (info.action === 'drop') continue;
      const value = attributes[key];
      if (typeof value === 'object') return this._endShape(i, tail);
      const values = info.values;
      if (values === undefined && typeof value === 'number') {
        // A key of many values (sizes, durations): digits written as they are, no string.
        if (Number.isSafeInteger(value)) {
          sink.pairWithNameInteger(info.name!, info.nameField!, value);
          continue;
        }
        // Milliseconds as a fraction (12.345): the double nearest to a decimal of at most 3
        // fractional digits, which `String()` writes as that decimal (no shorter one rounds
        // to the same double while its step, under 1e-7 below 1e9, is finer than 1e-3).
        const thousandths = Math.round(value * 1000);
        if (thousandths / 1000 === value && value < 1e9 && value > -1e9) {
          sink.pairWithNameDecimal(info.name!, info.nameField!, thousandths, 3);
          continue;
        }
      }
      let shared = info.lastPair !== undefined && value === info.lastValue ? info.lastPair : values?.get(value);
      if (shared === undefined) {
        const text = typeof value === 'string' ? value : anyValueToString(value);
        if (values !== undefined) shared = this._attributes.intern(info, value, text);
        if (shared === undefined) {
          if (!sink.pairWithName(info.name!, info.nameField!, text)) return this._endShape(i, tail);
          continue;
        }
      }
      info.lastValue = value;
      info.lastPair = shared;
      sink.push(shared);
    }
    if (!same || !tailChecked) this._endShape(i, tail);
    return true;
  }

  /**
   * Keeps the first `checked` keys of the current record as the shape, checked against `tail`;
   * returns `false` (for the early exits of `packAttributes`).
   */
  private _endShape(checked: number, tail: MetadataTail): false {
    this._shapeLength = checked;
    this._shapeTail = tail;
    return false;
  }

  /**
   * True when the attribute of `info` at position `at` can be packed beside the attributes at
   * positions before it (`_shapeInfos`) and `tail`: a dropped one, or one with a Loki name that
   * is not a field's, nor in `tail`, nor an earlier attribute's.
   */
  private _packable(info: InternedKey, at: number, tail: MetadataTail): boolean {
    if (info.action === 'drop') return true;
    const name = info.name;
    if (name === undefined || info.fieldName || tail.names.has(name)) return false;
    const infos = this._shapeInfos;
    for (let j = 0; j < at; j++) if (infos[j].action !== 'drop' && infos[j].name === name) return false;
    return true;
  }

  /**
   * Appends the record fields Loki writes as metadata, in its order, to `metadata` (which holds
   * the record attributes' pairs, made well-formed with `sanitizeValues`), or writes them to a
   * packing sink.
   */
  appendFields(record: ReadableLogRecord, metadata: PairSink): void {
    // Loki writes observed_timestamp only when both times are set (else it is the timestamp).
    const observed = record.hrTimeObserved;
    if (isTimeSet(record.hrTime) && isTimeSet(observed)) metadata.observedTime(observed, this._varying);
    const severityNumber = record.severityNumber as number | undefined;
    if (severityNumber) metadata.push(this._severityNumber.pair(severityNumber));
    const severityText = record.severityText;
    if (severityText) metadata.push(this._severityText.pair(severityText));
    if (record.droppedAttributesCount) {
      metadata.push(fieldPair('dropped_attributes_count', numberToString(record.droppedAttributesCount)));
    }
    const span = record.spanContext;
    if (span !== undefined) {
      if (span.traceFlags) metadata.push(this._flags.pair(span.traceFlags));
      if (span.traceId) metadata.traceId(span.traceId, this._varying);
      if (span.spanId) metadata.spanId(span.spanId, this._varying);
    }
    if (record.eventName) metadata.push(fieldPair('event_name', this._wellFormed('event_name', record.eventName)));
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

  /** `value` made well-formed (lone surrogates replaced, counted), as Loki needs valid UTF-8. */
  private _wellFormed(name: string, value: string): string {
    if (value.isWellFormed()) return value;
    this._diagnostics.countAndWarnOnce('invalidUnicodeReplaced', 1, `metadata ${name}`);
    return value.toWellFormed();
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
