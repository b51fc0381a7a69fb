/**
 * A log record's line: by default the body as Loki's OTLP endpoint writes it (`AsString`);
 * with `lineFormat` `json` or `logfmt`, the line of the Collector's `lokiexporter`. Loki
 * refuses invalid UTF-8, so lone surrogates are replaced (counted).
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/push/otlp.go (otlpLogToPushEntry)
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { anyValueToString } from './any-value';
import type { Diagnostics } from './diagnostics';
import { jsonLine, logfmtLine } from './line-format';
import type { ResourceLineParts } from './line-format';
import type { LineFormat } from './types';

/** The line of `record`; `lineParts` are the resource's, required for `json` and `logfmt`. */
export function recordLine(
  record: ReadableLogRecord,
  format: LineFormat,
  lineParts: ResourceLineParts | undefined,
  diagnostics: Diagnostics
): string {
  let line: string;
  if (format === 'raw') line = anyValueToString(record.body);
  else line = format === 'json' ? jsonLine(record, lineParts!) : logfmtLine(record, lineParts!);
  if (line.isWellFormed()) return line;
  diagnostics.countAndWarnOnce('invalidUnicodeReplaced', 1, 'line');
  return line.toWellFormed();
}
