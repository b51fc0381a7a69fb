// The Node entry: the names shared with web.ts (listed, each by name, in common-exports.ts;
// `export *` here so that the two entries cannot drift), the Node exporter and crash capture.
export * from './common-exports';
export { LokiLogRecordExporter } from './loki-log-record-exporter';
export { ExitSafeLogRecordProcessor } from './exit/exit-safe-processor';
export type { ExitFlushable, ExitSafeProcessorOptions } from './exit/exit-safe-processor';
