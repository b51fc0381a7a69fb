export { LokiLogRecordExporter, ExportResultCode } from './loki-log-record-exporter';
export type { ExportResult } from './loki-log-record-exporter';
export {
  LOKI_DEFAULT_LABEL_ATTRIBUTES,
  LOKI_DISCOVER_SERVICE_NAME,
  HIGH_CARDINALITY_LABEL_ATTRIBUTES,
} from './attribute-rules';
export { TRUNCATION_MARKER, ORIGINAL_TIMESTAMP } from './entry-limits';
export { ExitSafeLogRecordProcessor } from './exit-safe-processor';
export type { ExitFlushable, ExitSafeProcessorOptions } from './exit-safe-processor';
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
