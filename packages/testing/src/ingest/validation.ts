/**
 * The distributor's validation of stream labels and entries, with Loki's messages.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/distributor/validator.go
 * @see https://github.com/grafana/loki/blob/main/pkg/validation/validate.go (messages)
 */
import type { MetadataPair } from '@otel-loki/push';
import { formatRfc3339, millisToNanos } from '../go-format';
import type { Label } from '../internal-types';
import type { ResolvedLimits } from '../server-config';

/** Stream label Loki 3.x adds when a stream has none. */
export const SERVICE_NAME = 'service_name';
/** Value of `service_name` when no discovery label is present. */
export const UNKNOWN_SERVICE = 'unknown_service';
/** Labels of Loki's internal streams, which skip label validation. */
const INTERNAL_LABELS = ['__aggregated_metric__', '__pattern__'];

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** `ValidateLabels`: returns Loki's message, or `undefined` when the labels are valid. */
export function validateLabels(
  labels: readonly Label[],
  streamLabels: string,
  limits: ResolvedLimits
): string | undefined {
  if (labels.length === 0) return 'error at least one label pair is required per stream';
  if (labels.some((l) => INTERNAL_LABELS.includes(l.name))) return undefined;
  const count = labels.length - (labels.some((l) => l.name === SERVICE_NAME) ? 1 : 0);
  if (count > limits.maxLabelNamesPerSeries) {
    return `entry for stream '${streamLabels}' has ${count} label names; limit ${limits.maxLabelNamesPerSeries}`;
  }
  let previous = '';
  for (const label of labels) {
    if (byteLength(label.name) > limits.maxLabelNameLength) {
      return `stream '${streamLabels}' has label name too long: '${label.name}'`;
    }
    if (byteLength(label.value) > limits.maxLabelValueLength) {
      return `stream '${streamLabels}' has label value too long: '${label.value}'`;
    }
    if (label.name === previous) return `stream '${streamLabels}' has duplicate label name: '${label.name}'`;
    previous = label.name;
  }
  return undefined;
}

/** Sum of name and value bytes, Loki's `util.StructuredMetadataSize`. */
export function metadataSize(metadata: readonly MetadataPair[]): number {
  let size = 0;
  for (const pair of metadata) size += byteLength(pair.name) + byteLength(pair.value);
  return size;
}

/** `ValidateEntry`: returns Loki's message, or `undefined` when the entry is valid. */
export function validateEntry(
  entry: { timestampNanos: bigint; line: string; metadata?: readonly MetadataPair[] },
  streamLabels: string,
  limits: ResolvedLimits,
  nowMillis: number
): string | undefined {
  const now = millisToNanos(nowMillis);
  const oldest = now - millisToNanos(limits.rejectOldSamplesMaxAgeMillis);
  if (limits.rejectOldSamples && entry.timestampNanos < oldest) {
    return (
      `entry for stream '${streamLabels}' has timestamp too old: ${formatRfc3339(entry.timestampNanos)}, ` +
      `oldest acceptable timestamp is: ${formatRfc3339(oldest)}`
    );
  }
  if (entry.timestampNanos > now + millisToNanos(limits.creationGracePeriodMillis)) {
    return `entry for stream '${streamLabels}' has timestamp too new: ${formatRfc3339(entry.timestampNanos)}`;
  }
  const lineBytes = byteLength(entry.line);
  if (limits.maxLineSize !== 0 && lineBytes > limits.maxLineSize) {
    return (
      `Max entry size '${limits.maxLineSize}' bytes exceeded for stream '${streamLabels}' ` +
      `while adding an entry with length '${lineBytes}' bytes`
    );
  }
  const metadata = entry.metadata ?? [];
  if (metadata.length > 0) {
    if (!limits.allowStructuredMetadata) {
      return (
        `stream '${streamLabels}' includes structured metadata, but this feature is disallowed. ` +
        'Please see `limits_config.allow_structured_metadata` or contact your Loki administrator to enable it.'
      );
    }
    const size = metadataSize(metadata);
    if (limits.maxStructuredMetadataSize !== 0 && size > limits.maxStructuredMetadataSize) {
      return (
        `stream '${streamLabels}' has structured metadata too large: '${size}' bytes, limit: ` +
        `'${limits.maxStructuredMetadataSize}' bytes. Please see \`limits_config.max_structured_metadata_size\` ` +
        'or contact your Loki administrator to increase it.'
      );
    }
    const max = limits.maxStructuredMetadataEntriesCount;
    if (max !== 0 && metadata.length > max) {
      return (
        `stream '${streamLabels}' has too many structured metadata labels: '${metadata.length}', limit: '${max}'. ` +
        'Please see `limits_config.max_structured_metadata_entries_count` or contact your Loki administrator to increase it.'
      );
    }
  }
  return undefined;
}

/** Truncates `line` to `maxBytes` UTF-8 bytes, as Loki's `max_line_size_truncate` does. */
export function truncateLine(line: string, maxBytes: number): string {
  const bytes = Buffer.from(line, 'utf8');
  return bytes.length <= maxBytes ? line : bytes.subarray(0, maxBytes).toString('utf8');
}

/**
 * Structured metadata as the distributor forwards it (Loki 3.4): names through Prometheus'
 * old `NormalizeLabel` (every rune that is not a letter or digit becomes `_`; a leading digit
 * gets `key_`, a single leading `_` gets `key`), U+FFFD removed from values.
 */
export function normalizeMetadata(metadata: readonly MetadataPair[]): Label[] {
  return metadata.map((pair) => ({ name: normalizeName(pair.name), value: pair.value.replace(/\ufffd/g, '') }));
}

function normalizeName(name: string): string {
  if (name === '') return name;
  let out = '';
  for (const ch of name) out += /^[\p{L}\p{Nd}]$/u.test(ch) ? ch : '_';
  if (/^\p{Nd}/u.test(out)) return 'key_' + out;
  if (out.startsWith('_') && !out.startsWith('__')) return 'key' + out;
  return out;
}
