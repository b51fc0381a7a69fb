/** The transport: `LokiPushClient` of `@otel-loki/push` (splitting, retries, auth, TLS). */
import { LokiPushClient } from '@otel-loki/push';
import type { LokiClientOptions } from '@otel-loki/push';
import type { PushClient } from './internal-types';

/** Creates the real client. @throws {TypeError|RangeError} on options the client refuses. */
export function createPushClient(options: LokiClientOptions): PushClient {
  return new LokiPushClient(options);
}
