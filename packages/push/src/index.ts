// The public API of @otel-loki/push: every name here is listed in the package README and kept
// under semver (a test compares the two lists). What only the sibling packages share is in
// `./internal` (`@otel-loki/push/internal`), outside semver.
export { LokiLogger } from './client/loki-logger';
export { LokiPushClient } from './client/push-client';
export type { EncodedPushRequest, PushOptions, PushSyncOptions } from './client/push-client';
export { LokiPushError } from './client/errors';
export type { LokiPushErrorReason } from './client/errors';
export { DEFAULT_LIMITS } from './client/configuration';
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
  HttpAgentLike,
  SendBatchOptions,
  PushResult,
  LoggerResult,
} from './types';
export {
  formatLabels,
  parseLabels,
  sanitizeLabelName,
  sanitizeLabelValue,
  isValidLabelName,
  LabelSyntaxError,
  LABEL_VALUE_REPLACEMENT,
} from './wire/label-set';
export type { ParsedLabel } from './wire/label-set';
export { encodePushRequest } from './wire/push-request-writer';
export { decodePushRequest } from './wire/push-request-decoder';
export { encodeJsonPushRequest } from './wire/json-push-request';
export { snappyCompress, snappyUncompress } from './wire/snappy';
export { validateTenantId } from './loki/tenant';
export { nowNanos, toNanos } from './loki/timestamp';
export { VERSION } from './version';
