/**
 * A stream's label set made acceptable to Loki before it is sent: empty values dropped (as
 * Loki drops them), over-long values truncated, U+FFFD and lone surrogates replaced (Loki
 * answers 400 to them), label candidates beyond `max_label_names_per_series` demoted to
 * structured metadata, and never an empty set.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/validation/limits.go
 */
import { formatLabels, sanitizeLabelValue } from '@otel-loki/push';
import { hasInvalidUnicode } from '@otel-loki/push/internal';
import type { MetadataPair } from '@otel-loki/push';
import type { Diagnostics } from './diagnostics';
import type { ResolvedLimits, StreamLabels } from './internal-types';
import { exceedsUtf8, truncateUtf8 } from './utf8';

/** The label Loki never counts against `max_label_names_per_series` and adds when a stream has no labels. */
export const SERVICE_NAME_LABEL = 'service_name';
/** What Loki calls a stream without a service. */
export const UNKNOWN_SERVICE = 'unknown_service';

/**
 * Builds the final label set from ordered candidates (earlier candidates are kept first when
 * there are too many). `excluded` names are demoted whatever the limits (the stream cap's choice).
 */
export function finalizeLabels(
  candidates: readonly MetadataPair[],
  limits: ResolvedLimits,
  diagnostics: Diagnostics,
  excluded?: ReadonlySet<string>
): StreamLabels {
  const labels: Record<string, string> = {};
  const pairs: MetadataPair[] = [];
  const demoted: MetadataPair[] = [];
  let counted = 0;
  for (const candidate of candidates) {
    let { value } = candidate;
    const { name } = candidate;
    if (value === '') continue;
    if (excluded?.has(name) || exceedsUtf8(name, limits.maxLabelNameLength)) {
      demoted.push({ name, value });
      continue;
    }
    if (name !== SERVICE_NAME_LABEL) {
      if (counted >= limits.maxLabelNamesPerSeries) {
        demoted.push({ name, value });
        diagnostics.countAndWarnOnce(
          'labelsDemoted',
          1,
          `label ${name} beyond ${limits.maxLabelNamesPerSeries} labels`
        );
        continue;
      }
      counted++;
    }
    if (exceedsUtf8(value, limits.maxLabelValueLength)) {
      value = truncateUtf8(value, limits.maxLabelValueLength);
      diagnostics.countAndWarnOnce('labelValuesTruncated', 1, `label ${name}`);
    }
    if (hasInvalidUnicode(value)) {
      value = sanitizeLabelValue(value);
      diagnostics.countAndWarnOnce('invalidUnicodeReplaced', 1, `label ${name}`);
    }
    labels[name] = value;
    pairs.push({ name, value });
  }
  if (pairs.length === 0) {
    labels[SERVICE_NAME_LABEL] = UNKNOWN_SERVICE;
    pairs.push({ name: SERVICE_NAME_LABEL, value: UNKNOWN_SERVICE });
  }
  return { labelString: formatLabels(labels), pairs, demoted };
}
