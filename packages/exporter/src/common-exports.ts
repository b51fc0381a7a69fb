// The names both entries export: index.ts (Node) and web.ts (Workers, browsers, edge runtimes)
// re-export this list whole, so the two cannot drift apart. Each adds its own
// LokiLogRecordExporter (web.ts's has other defaults) and index.ts its Node-only names. Nothing
// here may reach a Node module: web.ts bundles it (the root test/workers.test.ts checks).
export { ExportResultCode } from './loki-log-record-exporter';
export type { ExportResult } from './loki-log-record-exporter';
export {
  LOKI_DEFAULT_LABEL_ATTRIBUTES,
  LOKI_DISCOVER_SERVICE_NAME,
  HIGH_CARDINALITY_LABEL_ATTRIBUTES,
} from './mapping/attribute-rules';
export { TRUNCATION_MARKER, ORIGINAL_TIMESTAMP } from './limits/entry-limits';
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
