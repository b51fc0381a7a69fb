/**
 * The service of `npm run demo`: a small shop API on node:http with pino, and no OpenTelemetry
 * code at all. `scripts/demo.ts` starts it as
 * `node --require @otel-loki/exporter/register scripts/demo-service.js`, so its logs reach Loki
 * with trace context through auto-instrumentation alone. Prints `listening <port>` when ready;
 * on SIGTERM it stops accepting requests, prints `logged <n>` and lets the process end once the
 * register entry has flushed the last logs.
 */
'use strict';
const http = require('node:http');
const pino = require('pino');

const log = pino({ level: 'debug' });
const PRODUCTS = ['espresso', 'flat-white', 'cortado', 'matcha', 'chai'];
let logged = 0;

function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const user = url.searchParams.get('user') ?? 'anonymous';
  if (url.pathname === '/products') {
    log.debug({ user, count: PRODUCTS.length }, 'listed products');
    logged++;
    return reply(res, 200, PRODUCTS);
  }
  if (url.pathname === '/cart') {
    const product = PRODUCTS[Number(url.searchParams.get('item') ?? 0) % PRODUCTS.length];
    log.info({ user, product }, `added ${product} to cart`);
    logged++;
    return reply(res, 200, { product });
  }
  if (url.pathname === '/checkout') {
    const order = `ord-${Math.floor(Math.random() * 1e6)}`;
    if (Math.random() < 0.1) {
      const err = new Error('card declined');
      err.name = 'PaymentDeclined';
      log.error({ user, order, err }, 'payment failed');
      logged++;
      return reply(res, 502, { error: 'payment failed' });
    }
    const millis = 20 + Math.floor(Math.random() * 400);
    if (millis > 300) {
      log.warn({ user, order, millis }, 'slow payment provider');
      logged++;
    }
    log.info({ user, order, millis }, 'order placed');
    logged++;
    return reply(res, 201, { order });
  }
  log.warn({ path: url.pathname }, 'no such route');
  logged++;
  return reply(res, 404, { error: 'not found' });
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = http.createServer(handle);
server.keepAliveTimeout = 1_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

process.on('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
  process.stdout.write(`logged ${logged}\n`);
});
