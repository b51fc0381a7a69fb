/** The service of example 2: plain node:http and winston, no OpenTelemetry code. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import winston from 'winston';

const logger = winston.createLogger({
  level: 'info',
  format: winston.format.json(),
  transports: [new winston.transports.Console()],
});

/** Starts the server on a free loopback port. */
export function startServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/orders/')) {
      logger.info('order fetched', { orderId: req.url.slice('/orders/'.length) });
      res.writeHead(200).end('ok');
      return;
    }
    logger.warn('no such route', { path: req.url });
    res.writeHead(404).end();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
