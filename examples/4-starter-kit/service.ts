/**
 * The service of example 4: it imports `./telemetry` first, then goes about its business with
 * pino and node:http. Run:
 * `OTEL_EXPORTER_LOKI_ENDPOINT=http://localhost:3100 OTEL_SERVICE_NAME=checkout npx tsx examples/4-starter-kit/service.ts`
 */
import { shutdownTelemetry } from './telemetry';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';

const log = pino();

const server = http.createServer((req, res) => {
  log.info({ path: req.url, method: req.method }, 'request handled');
  res.end('ok');
});

server.listen(0, '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log.info({ url }, 'service started');
  for (const path of ['/checkout', '/cart', '/healthz']) await fetch(`${url}${path}`);
  server.close();
  await shutdownTelemetry();
  console.log('In Grafana: {service_name="checkout"} | trace_id != ""');
});
