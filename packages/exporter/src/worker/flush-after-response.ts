/**
 * Sending after the response, where a platform lets work outlive it: a Cloudflare Worker's
 * `ctx.waitUntil`, Vercel's `waitUntil`, a Deno Deploy or Netlify edge function's context. The
 * data goes out while the response is already on its way, and a failure is reported through
 * `diag` instead of becoming an unhandled rejection the platform logs as an error.
 */
import { logger } from '../observability/diagnostics';

/** The part of a Worker's `ExecutionContext` (or any `waitUntil` holder) used here. */
export interface WaitUntilContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** What can be flushed: the SDK's `LoggerProvider`, a log record processor, the exporter. */
export interface Flushable {
  forceFlush(): Promise<void>;
}

/**
 * Flushes each of `flushables` in order (the provider before the exporter, when both are
 * given) inside `ctx.waitUntil`, so that the runtime keeps the request alive until the data is
 * sent. The promise given to `waitUntil` never rejects: failures go to `diag.error`. Returns
 * nothing, so that a handler has no promise to await or mark: awaiting a flush before answering
 * is `await provider.forceFlush()`.
 *
 * @example
 * ```ts
 * export default {
 *   async fetch(request, env, ctx) {
 *     logger.emit({ body: 'handled', severityText: 'INFO' });
 *     flushAfterResponse(ctx, loggerProvider);
 *     return new Response('ok');
 *   },
 * };
 * ```
 */
export function flushAfterResponse(ctx: WaitUntilContext, ...flushables: Flushable[]): void {
  if (ctx === null || typeof ctx !== 'object' || typeof ctx.waitUntil !== 'function') {
    throw new TypeError("ctx: expected an object with waitUntil(promise), such as a Worker's ExecutionContext");
  }
  for (const [i, flushable] of flushables.entries()) {
    if (flushable === null || typeof flushable !== 'object' || typeof flushable.forceFlush !== 'function') {
      throw new TypeError(`flushables[${i}]: expected an object with forceFlush(), such as a LoggerProvider`);
    }
  }
  const flushed = (async () => {
    for (const flushable of flushables) {
      try {
        await flushable.forceFlush();
      } catch (err) {
        logger.error('flushing after the response failed', err);
      }
    }
  })();
  ctx.waitUntil(flushed);
}
