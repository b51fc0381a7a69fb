// @otel-loki/exporter where it is bundled for Cloudflare Workers, browsers and edge runtimes
// (the package's `workerd`, `worker`, `browser` and `edge-light` conditions select this
// entry). Requests go through `fetch` (`@otel-loki/push`'s web platform). Nothing here reaches
// a Node module: no crash capture (`ExitSafeLogRecordProcessor` and the register entry are
// Node's), no disk spool (`spool` is refused), no synchronous flush.
import { LokiLogRecordExporter as BaseLokiLogRecordExporter } from './loki-log-record-exporter';
import type { LokiExporterOptions } from './types';

// The names shared with index.ts (listed, each by name, in common-exports.ts; `export *` here
// so that the two entries cannot drift), and this entry's own LokiLogRecordExporter below.
export * from './common-exports';
// ExitSafeLogRecordProcessor is left out: it hooks process 'exit', which these runtimes lack.

/**
 * Pushes at once here by default. An export that waited for a slot would be started by the
 * end of another one, possibly another request's: a Worker may not do I/O for a request from
 * another one's code ("Cannot perform I/O on behalf of a different request").
 */
const WEB_MAX_CONCURRENT_EXPORTS = 64;
const NO_SPOOL =
  'not supported in this runtime (Workers, browsers and edge runtimes have no file system); remove the option';

/**
 * The exporter for Workers, browsers and edge runtimes: as on Node, except for its defaults.
 * No retry buffer unless `retryBufferBytes` is set, and no waiting line of exports
 * (`maxQueuedExports: 0`, `maxConcurrentExports: 64`): each export is pushed at once from the
 * request that exported it, retried within `retryDeadlineMillis`, and answered when delivered
 * or given up, so nothing outlives that request or runs in another's. `flushSync()` is not
 * supported.
 */
export class LokiLogRecordExporter extends BaseLokiLogRecordExporter {
  /**
   * @param options as on Node; `retryBufferBytes` and `maxQueuedExports` default to `0` and
   *   `maxConcurrentExports` to 64 here, and `spool`, `proxy`,
   *   `agent`, `ca`, `cert`, `key` and `insecureSkipVerify` are refused by name.
   * @throws {TypeError|RangeError} naming the option when an option is invalid or unsupported.
   */
  constructor(options: LokiExporterOptions = {}) {
    if (options?.spool !== undefined && options.spool !== false) {
      // Before the spool's options are read: they ask the process for its uid.
      throw new TypeError(`spool: ${NO_SPOOL}`);
    }
    super({
      ...options,
      retryBufferBytes: options.retryBufferBytes ?? 0,
      maxConcurrentExports: options.maxConcurrentExports ?? WEB_MAX_CONCURRENT_EXPORTS,
      maxQueuedExports: options.maxQueuedExports ?? 0,
    });
  }

  /**
   * Not supported here: there is no process exit to block in. Use `forceFlush()` (in a
   * Worker, through `flushAfterResponse(ctx, provider)`).
   *
   * @throws {Error} always.
   */
  override flushSync(): void {
    throw new Error(
      'LokiLogRecordExporter.flushSync() is not supported in this runtime (Workers, browsers, edge): use forceFlush(), e.g. flushAfterResponse(ctx, loggerProvider)'
    );
  }
}
