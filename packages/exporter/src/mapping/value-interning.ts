/**
 * Performance caching of the record mapping, kept apart from its rules: the rules and sanitizing
 * of a log attribute key are looked up once per key, and pairs whose values repeat
 * (`http_method=GET`, `severity_text=INFO`) are built and protobuf-encoded once, then shared
 * by every entry that carries them. Every cache is bounded: a key with many distinct values is
 * taken for high-cardinality and no longer interned.
 *
 * Interned pairs are shared, so never mutated: their values are well-formed (nothing to
 * sanitize), collisions filter them out, metadata trimming replaces them.
 */
import { encodeMetadataPairs, encodeNameField } from '@otel-loki/push/internal';
import { anyValueToString, numberToString } from './any-value';
import { fieldPair, RANK_FIELD } from './attribute-flattening';
import type { NamedValue } from '../internal-types';
import type { AttributeAction } from '../types';
import { FIELD_NAMES } from './resource-mapping';
import { hrTimeToDecimal } from './timestamps';

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

/** What the rules and sanitizing make of one log attribute key (see `record-attributes.ts`). */
export interface KeyRule {
  readonly action: AttributeAction;
  /** Sanitized name; `undefined` when the name cannot become a Loki name. */
  readonly name: string | undefined;
  /** Collision rank of the pair; `undefined` for a name that needed no rewriting. */
  readonly rank: number | undefined;
}

/** A {@link KeyRule} with the encoded name field and the interned pairs of the key. */
export interface InternedKey extends KeyRule {
  readonly nameField: Uint8Array | undefined;
  /** True when the sanitized name is that of a record field (`severity_text`...): the pair may collide. */
  readonly fieldName: boolean;
  /** Shared pairs by attribute value; `undefined` once the key has too many values. */
  values: Map<unknown, NamedValue> | undefined;
  /**
   * The value of the last shared pair the fast path wrote for this key, and that pair (records
   * of a run often repeat a value: no lookup then). Still valid once `values` is dropped.
   */
  lastValue: unknown;
  lastPair: NamedValue | undefined;
}

/** The per-key cache and the interned attribute pairs of log records. */
export class AttributeInterner {
  private readonly _keys = new Map<string, InternedKey>();
  private _internedPairs = 0;

  /** @param _rule what the rules make of a key; called once per key while it stays cached. */
  constructor(private readonly _rule: (key: string) => KeyRule) {}

  /** The rule of `key`, with its interned pairs. */
  key(key: string): InternedKey {
    let info = this._keys.get(key);
    if (info === undefined) {
      const rule = this._rule(key);
      info = {
        action: rule.action,
        name: rule.name,
        rank: rule.rank,
        nameField: rule.name === undefined ? undefined : encodeNameField(rule.name),
        fieldName: rule.name !== undefined && FIELD_NAMES.has(rule.name),
        values: new Map(),
        lastValue: undefined,
        lastPair: undefined,
      };
      if (this._keys.size >= MAX_CACHED_KEYS) {
        this._keys.clear();
        this._internedPairs = 0;
      }
      this._keys.set(key, info);
    }
    return info;
  }

  /** The metadata pair of a scalar attribute of a key with a name: shared and pre-encoded when its value repeats. */
  pair(info: InternedKey, value: unknown): NamedValue {
    const shared = info.values?.get(value);
    if (shared !== undefined) return shared;
    const text = anyValueToString(value);
    return (
      this.intern(info, value, text) ?? {
        name: info.name!,
        value: text,
        rank: info.rank,
        encoded: undefined,
        nameField: info.nameField,
      }
    );
  }

  /**
   * A shared pair for `value` (whose text is `text`), which the caller looked up in
   * `info.values` and did not find: made now if the key and the value qualify; `undefined`
   * otherwise (the caller writes the pair itself).
   */
  intern(info: InternedKey, value: unknown, text: string): NamedValue | undefined {
    const values = info.values;
    if (values === undefined || typeof value === 'object') return undefined;
    if (values.size >= MAX_INTERNED_PER_KEY) {
      info.values = undefined;
      return undefined;
    }
    if (this._internedPairs >= MAX_INTERNED_PAIRS || text.length > MAX_INTERNED_VALUE_LENGTH || !text.isWellFormed())
      return undefined;
    const pair: NamedValue = {
      name: info.name!,
      value: text,
      rank: info.rank,
      encoded: undefined,
      nameField: info.nameField,
    };
    pair.encoded = encodeMetadataPairs([pair]);
    values.set(value, pair);
    this._internedPairs++;
    return pair;
  }
}

/** Name fields of the record fields whose values change from record to record, encoded once. */
export const OBSERVED_TIMESTAMP_NAME_FIELD = encodeNameField('observed_timestamp');
export const TRACE_ID_NAME_FIELD = encodeNameField('trace_id');
export const SPAN_ID_NAME_FIELD = encodeNameField('span_id');

/** A record field pair whose value changes from record to record: only its name comes encoded. */
export function varyingFieldPair(name: string, nameField: Uint8Array, value: string): NamedValue {
  return { name, value, rank: RANK_FIELD, encoded: undefined, nameField };
}

/**
 * The pairs of the record fields that change from record to record, `observed_timestamp`,
 * `trace_id` and `span_id`, each kept for the next record: records of one millisecond share
 * their observed time, records of one span their IDs, and then share the pair.
 */
export class VaryingFields {
  private _observedSeconds = NaN;
  private _observedNanos = NaN;
  private _observed: NamedValue | undefined;
  private _traceIdIn: string | undefined;
  private _traceId: NamedValue | undefined;
  private _spanIdIn: string | undefined;
  private _spanId: NamedValue | undefined;

  /** The `observed_timestamp` pair of an `HrTime` that holds a time. */
  observed(hrTime: readonly [number, number]): NamedValue {
    if (hrTime[0] !== this._observedSeconds || hrTime[1] !== this._observedNanos || this._observed === undefined) {
      this._observed = varyingFieldPair('observed_timestamp', OBSERVED_TIMESTAMP_NAME_FIELD, hrTimeToDecimal(hrTime));
      this._observedSeconds = hrTime[0];
      this._observedNanos = hrTime[1];
    }
    return this._observed;
  }

  /** The `trace_id` pair (lower case, as Loki writes it); `undefined` for an all-zero (invalid) ID. */
  traceId(id: string): NamedValue | undefined {
    if (id !== this._traceIdIn) {
      this._traceId = allZeros(id) ? undefined : varyingFieldPair('trace_id', TRACE_ID_NAME_FIELD, id.toLowerCase());
      this._traceIdIn = id;
    }
    return this._traceId;
  }

  /** The `span_id` pair (lower case); `undefined` for an all-zero (invalid) ID. */
  spanId(id: string): NamedValue | undefined {
    if (id !== this._spanIdIn) {
      this._spanId = allZeros(id) ? undefined : varyingFieldPair('span_id', SPAN_ID_NAME_FIELD, id.toLowerCase());
      this._spanIdIn = id;
    }
    return this._spanId;
  }
}

/** True when a trace or span ID is all zeros (invalid: not sent). */
function allZeros(id: string): boolean {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) !== 0x30) return false;
  return true;
}

/**
 * The pairs of one record field (`severity_text`...) with their encoding, per value: shared
 * for the few values that repeat, the last one at hand (records of a run mostly repeat it).
 */
export class InternedField {
  private readonly _values = new Map<string | number, NamedValue>();
  private _lastValue: string | number | undefined = undefined;
  private _lastPair: NamedValue | undefined = undefined;

  /** @param _wellFormed makes a value that is not well-formed UTF-16 well-formed (and counts it). */
  constructor(
    readonly name: string,
    private readonly _wellFormed: (name: string, value: string) => string
  ) {}

  /** The pair `name=value` (a number written as Loki writes it). */
  pair(value: string | number): NamedValue {
    if (value === this._lastValue) return this._lastPair!;
    let pair = this._values.get(value);
    if (pair === undefined) {
      const name = this.name;
      const text = typeof value === 'number' ? numberToString(value) : value;
      if (!text.isWellFormed()) return fieldPair(name, this._wellFormed(name, text));
      if (this._values.size >= MAX_INTERNED_VALUES) return fieldPair(name, text);
      pair = {
        name,
        value: text,
        rank: RANK_FIELD,
        encoded: encodeMetadataPairs([{ name, value: text }]),
        nameField: undefined,
      };
      this._values.set(value, pair);
    }
    this._lastValue = value;
    this._lastPair = pair;
    return pair;
  }
}

/** Record field pairs (`severity_text=INFO`...) with their encoding, per field name and value. */
export class FieldInterner {
  private readonly _fields = new Map<string, InternedField>();

  /** @param _wellFormed makes a value that is not well-formed UTF-16 well-formed (and counts it). */
  constructor(private readonly _wellFormed: (name: string, value: string) => string) {}

  /** The interned pairs of field `name` (kept: hot paths hold it rather than look it up per record). */
  field(name: string): InternedField {
    let field = this._fields.get(name);
    if (field === undefined) {
      field = new InternedField(name, this._wellFormed);
      this._fields.set(name, field);
    }
    return field;
  }

  /** The field pair `name=value` (a number written as Loki writes it), shared for the few values that repeat. */
  pair(name: string, value: string | number): NamedValue {
    return this.field(name).pair(value);
  }
}
