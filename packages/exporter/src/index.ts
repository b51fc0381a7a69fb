export { LokiLogRecordExporter, ExportResultCode } from './loki-log-record-exporter';
export type { ExportResult } from './loki-log-record-exporter';
export {
  LOKI_DEFAULT_LABEL_ATTRIBUTES,
  LOKI_DISCOVER_SERVICE_NAME,
  HIGH_CARDINALITY_LABEL_ATTRIBUTES,
} from './mapping/attribute-rules';
export { TRUNCATION_MARKER, ORIGINAL_TIMESTAMP } from './limits/entry-limits';
export { ExitSafeLogRecordProcessor } from './exit/exit-safe-processor';
export type { ExitFlushable, ExitSafeProcessorOptions } from './exit/exit-safe-processor';
export { flushAfterResponse } from './worker/flush-after-response';
export type { Flushable, WaitUntilContext } from './worker/flush-after-response';
export { RequestScopedLogRecordProcessor } from './worker/request-scoped-processor';
export type { RequestScopedProcessorOptions } from './worker/request-scoped-processor';
export type {
  AttributeAction,
  AttributeRule,
  AttributeSource,
  LineFormat,
  LokiExporterOptions,
  LokiExporterStats,
} from './types';
// The mapping functions (record-mapping.ts, any-value.ts) stay internal: their shape follows
// Loki's source and may change; the exporter is the API.
