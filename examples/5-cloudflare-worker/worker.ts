/**
 * Example 5, a Cloudflare Worker: the OpenTelemetry SDK's `LoggerProvider` with
 * `LokiLogRecordExporter`, and the plain `LokiLogger` client, both sending after the response
 * through `ctx.waitUntil`. Works with and without the `nodejs_compat` flag: the packages'
 * `workerd` condition selects their fetch-based build (no `node:*` module, no `Buffer`).
 *
 * Deploy: `npx wrangler deploy` (wrangler.toml beside this file; set the secret with
 * `npx wrangler secret put LOKI_URL`). The root `test/workers.test.ts` bundles this file as
 * wrangler does and runs it in workerd against LokiTestServer.
 */
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { flushAfterResponse, LokiLogRecordExporter, RequestScopedLogRecordProcessor } from '@otel-loki/exporter';
import type { WaitUntilContext } from '@otel-loki/exporter';
import { LokiLogger } from '@otel-loki/push';

/** The Worker's bindings (wrangler.toml `[vars]` or secrets). */
interface Env {
  /** Loki's base URL, credentials included if it needs them: `https://user:token@logs.example.com`. */
  LOKI_URL: string;
}

/** One provider per isolate: made on the first request, when the bindings are known. */
let provider: LoggerProvider | undefined;
let client: LokiLogger | undefined;

function loggerProvider(env: Env): LoggerProvider {
  provider ??= new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'example-worker' }),
    // Holds records until flushAfterResponse flushes them at the end of each request: no timer,
    // whose callback would run in another request (BatchLogRecordProcessor's would).
    processors: [new RequestScopedLogRecordProcessor({ exporter: new LokiLogRecordExporter({ url: env.LOKI_URL }) })],
  });
  return provider;
}

export default {
  async fetch(request: Request, env: Env, ctx: WaitUntilContext): Promise<Response> {
    const { pathname } = new URL(request.url);

    // 1. Through OpenTelemetry: records become Loki entries as Loki's OTLP endpoint maps them.
    const logger = loggerProvider(env).getLogger('example-worker');
    logger.emit({
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: `handled ${pathname}`,
      attributes: { 'http.route': pathname }, // structured metadata http_route
    });
    flushAfterResponse(ctx, loggerProvider(env));

    // 2. The plain client: log() keeps entries, flush() sends them in one request.
    client ??= new LokiLogger({ url: env.LOKI_URL });
    client.log({
      message: `request ${pathname}`,
      labels: { job: 'example-worker-client' },
      metadata: { path: pathname },
    });
    ctx.waitUntil(client.flush().catch(() => undefined)); // a failure must not fail the response

    return new Response(`logged ${pathname}\n`);
  },
};
