/**
 * The transport: `LokiPushClient` of `@otel-loki/push` (splitting, retries, auth, TLS).
 * Looked up at run time so that this package builds and tests against a push package that
 * does not export it yet; tests inject a fake through the exporter's internal seam.
 */
import * as push from '@otel-loki/push';
import type { LokiClientOptions } from '@otel-loki/push';
import type { PushClient } from './internal-types';

type PushClientConstructor = new (options: LokiClientOptions) => PushClient;

/**
 * Creates the real client.
 * @throws {Error} when the installed `@otel-loki/push` has no `LokiPushClient`.
 */
export function createPushClient(options: LokiClientOptions): PushClient {
  const Client = (push as unknown as { LokiPushClient?: PushClientConstructor }).LokiPushClient;
  if (typeof Client !== 'function') {
    throw new Error('@otel-loki/exporter needs @otel-loki/push with LokiPushClient; install a matching version');
  }
  return new Client(options);
}
