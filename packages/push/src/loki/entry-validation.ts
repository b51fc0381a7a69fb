/**
 * Turns user entries into wire streams, refusing before any I/O what Loki would refuse:
 * every problem is a TypeError/RangeError naming the entry and the field.
 */
import type { ResolvedLimits } from '../internal-types';
import { formatLabels, isValidLabelName, sanitizeLabelName } from '../wire/label-set';
import { hasInvalidUnicode } from '../wire/go-quote';
import { nowNanos, toNanos } from './timestamp';
import type { LogEntry, MetadataPair, PushEntry, PushStream } from '../types';
import { utf8Length } from '#platform/bytes';

const NANOS_PER_MILLI = 1_000_000n;
/** Loki does not count this label against `max_label_names_per_series`. */
const SERVICE_NAME_LABEL = 'service_name';

/** Context of a validation pass. */
export interface ValidationContext {
  timezone: string;
  limits: ResolvedLimits;
  /** Wall-clock now in ms, for the timestamp window. */
  nowMillis: number;
}

/** One validated entry with its stream key. */
export interface ValidatedEntry {
  labels: string;
  entry: PushEntry;
  /** Label values in which U+FFFD or lone surrogates were replaced. */
  replacedValues: number;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isoOf(nanos: bigint): string {
  const millis = Number(nanos / NANOS_PER_MILLI);
  return Number.isFinite(millis) && Math.abs(millis) < 8.64e15 ? new Date(millis).toISOString() : `${nanos} ns`;
}

/**
 * Validates one entry.
 *
 * @param field how to name the entry in errors, e.g. `entries[3]` or `entry`.
 * @throws {TypeError|RangeError} naming `field` and what is wrong.
 */
export function validateEntry(raw: LogEntry, field: string, ctx: ValidationContext): ValidatedEntry {
  if (!isPlainObject(raw))
    throw new TypeError(`${field}: expected an object { message, labels }, got ${typeName(raw)}`);
  const { limits } = ctx;
  if (typeof raw.message !== 'string') {
    throw new TypeError(`${field}.message: expected a string, got ${typeName(raw.message)}`);
  }
  const lineBytes = utf8Length(raw.message);
  if (lineBytes > limits.maxLineSize) {
    throw new RangeError(
      `${field}.message: ${lineBytes} bytes is over Loki's max_line_size of ${limits.maxLineSize} bytes (limits.maxLineSize)`
    );
  }

  if (!isPlainObject(raw.labels)) {
    throw new TypeError(
      `${field}.labels: expected an object of label names to string values, got ${typeName(raw.labels)}`
    );
  }
  let counted = 0;
  let replacedValues = 0;
  for (const [name, value] of Object.entries(raw.labels)) {
    const where = `${field}.labels[${JSON.stringify(name)}]`;
    if (typeof value !== 'string') throw new TypeError(`${where}: expected a string, got ${typeName(value)}`);
    if (!isValidLabelName(name)) {
      const suggestion = sanitizeLabelName(name);
      throw new TypeError(
        `${where}: invalid label name; Loki accepts [a-zA-Z_][a-zA-Z0-9_]*${suggestion ? ` (e.g. ${JSON.stringify(suggestion)})` : ''}`
      );
    }
    if (utf8Length(name) > limits.maxLabelNameLength) {
      throw new RangeError(`${where}: name is over Loki's max_label_name_length of ${limits.maxLabelNameLength}`);
    }
    if (value === '') continue;
    if (utf8Length(value) > limits.maxLabelValueLength) {
      throw new RangeError(
        `${where}: ${utf8Length(value)} bytes is over Loki's max_label_value_length of ${limits.maxLabelValueLength}`
      );
    }
    if (hasInvalidUnicode(value)) replacedValues++;
    if (name !== SERVICE_NAME_LABEL) counted++;
  }
  if (counted === 0 && !(SERVICE_NAME_LABEL in raw.labels && raw.labels[SERVICE_NAME_LABEL] !== '')) {
    throw new TypeError(
      `${field}.labels: at least one label with a non-empty value is required, e.g. { job: 'my_app' }`
    );
  }
  if (counted > limits.maxLabelNamesPerSeries) {
    throw new RangeError(
      `${field}.labels: ${counted} labels is over Loki's max_label_names_per_series of ${limits.maxLabelNamesPerSeries} (service_name not counted)`
    );
  }

  let metadata: MetadataPair[] | undefined;
  if (raw.metadata !== undefined && raw.metadata !== null) {
    if (!isPlainObject(raw.metadata)) {
      throw new TypeError(
        `${field}.metadata: expected an object of names to string values, got ${typeName(raw.metadata)}`
      );
    }
    metadata = [];
    let size = 0;
    for (const [name, value] of Object.entries(raw.metadata)) {
      const where = `${field}.metadata[${JSON.stringify(name)}]`;
      if (typeof value !== 'string') throw new TypeError(`${where}: expected a string, got ${typeName(value)}`);
      if (name.length === 0) throw new TypeError(`${field}.metadata: a metadata name must not be empty`);
      size += utf8Length(name) + utf8Length(value);
      metadata.push({ name, value });
    }
    if (metadata.length > limits.maxStructuredMetadataEntries) {
      throw new RangeError(
        `${field}.metadata: ${metadata.length} entries is over Loki's max_structured_metadata_entries_count of ${limits.maxStructuredMetadataEntries}`
      );
    }
    if (size > limits.maxStructuredMetadataSize) {
      throw new RangeError(
        `${field}.metadata: ${size} bytes is over Loki's max_structured_metadata_size of ${limits.maxStructuredMetadataSize} bytes`
      );
    }
  }

  const timestampNanos =
    raw.timestamp === undefined ? nowNanos() : toNanos(raw.timestamp, ctx.timezone, `${field}.timestamp`);
  const nowNanosValue = BigInt(ctx.nowMillis) * NANOS_PER_MILLI;
  if (Number.isFinite(limits.rejectOldSamplesMaxAgeMillis)) {
    const oldest = nowNanosValue - BigInt(Math.floor(limits.rejectOldSamplesMaxAgeMillis)) * NANOS_PER_MILLI;
    if (timestampNanos < oldest) {
      throw new RangeError(
        `${field}.timestamp: ${isoOf(timestampNanos)} is older than Loki's reject_old_samples_max_age (${limits.rejectOldSamplesMaxAgeMillis} ms); Loki would refuse it (limits.rejectOldSamplesMaxAgeMillis)`
      );
    }
  }
  if (Number.isFinite(limits.creationGracePeriodMillis)) {
    const newest = nowNanosValue + BigInt(Math.floor(limits.creationGracePeriodMillis)) * NANOS_PER_MILLI;
    if (timestampNanos > newest) {
      throw new RangeError(
        `${field}.timestamp: ${isoOf(timestampNanos)} is further in the future than Loki's creation_grace_period (${limits.creationGracePeriodMillis} ms) (limits.creationGracePeriodMillis)`
      );
    }
  }

  const entry: PushEntry =
    metadata && metadata.length > 0
      ? { timestampNanos, line: raw.message, metadata }
      : { timestampNanos, line: raw.message };
  return { labels: formatLabels(raw.labels), entry, replacedValues };
}

/**
 * Groups validated entries into streams. `groupByLabels`: one stream per distinct label set
 * (in order of first appearance), entries sorted by timestamp (stable); otherwise one stream
 * per entry, in the given order.
 */
export function groupIntoStreams(entries: readonly ValidatedEntry[], groupByLabels: boolean): PushStream[] {
  if (!groupByLabels) return entries.map((v) => ({ labels: v.labels, entries: [v.entry] }));
  const byLabels = new Map<string, PushEntry[]>();
  for (const v of entries) {
    const list = byLabels.get(v.labels);
    if (list === undefined) byLabels.set(v.labels, [v.entry]);
    else list.push(v.entry);
  }
  const streams: PushStream[] = [];
  for (const [labels, list] of byLabels) {
    list.sort((a, b) => (a.timestampNanos < b.timestampNanos ? -1 : a.timestampNanos > b.timestampNanos ? 1 : 0));
    streams.push({ labels, entries: list });
  }
  return streams;
}
