export { formatLabels, parseLabels, sanitizeLabelName, sanitizeLabelValue, isValidLabelName, LabelSyntaxError, LABEL_VALUE_REPLACEMENT } from './label-set';
export type { ParsedLabel } from './label-set';
export { goQuote, unquote, hasInvalidUnicode } from './go-quote';
export { encodePushRequest, decodePushRequest, encodeJsonPushRequest, toProtoTimestamp } from './push-request-codec';
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
