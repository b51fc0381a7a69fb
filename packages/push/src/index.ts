export {
  formatLabels,
  parseLabels,
  sanitizeLabelName,
  sanitizeLabelValue,
  isValidLabelName,
  LabelSyntaxError,
  LABEL_VALUE_REPLACEMENT,
} from './label-set';
export type { ParsedLabel } from './label-set';
export { goQuote, unquote, hasInvalidUnicode } from './go-quote';
export { encodePushRequest, decodePushRequest, encodeJsonPushRequest, toProtoTimestamp } from './push-request-codec';
export { writePushRequest } from './protobuf-writer';
export { EntryEncoder, encodeMetadataPairs, encodeNameField } from './entry-encoder';
export { snappyCompress, snappyUncompress } from './snappy';
export { tenantIdProblem, validateTenantId, MAX_TENANT_ID_LENGTH } from './tenant';
export { nowNanos, toNanos, validateTimezone } from './timestamp';
export type {
  Labels,
  StructuredMetadata,
  TimestampInput,
  LogEntry,
  MetadataPair,
  PushEntry,
  PushStream,
  PushFormat,
  HeadersOption,
  LokiLimits,
  LokiClientOptions,
  SendBatchOptions,
  PushResult,
} from './types';
export { LokiLogger } from './loki-logger';
export { LokiPushClient } from './push-client';
export type { PushOptions } from './push-client';
export { LokiPushError, MAX_ERROR_BODY_CHARS } from './errors';
export type { LokiPushErrorReason } from './errors';
export { DEFAULT_LIMITS } from './configuration';
export { STATUS_INGESTION_BLOCKED } from './retry-policy';
export { VERSION } from './version';
export { LOKI_DISCOVER_SERVICE_NAME } from './loki-defaults';
