/**
 * A loopback sink in a process of its own (so that its CPU is not counted against the
 * exporter): accepts Loki pushes (`/loki/api/v1/push`, 204) and OTLP/HTTP log exports
 * (`/v1/logs`, 200 with an empty `ExportLogsServiceResponse`), and counts them. Loki protobuf
 * pushes are decoded and their entries counted, to check that every record arrived.
 * Prints `{"port": N}` when listening; `GET /stats` answers the counters; exits on SIGTERM.
 */
import * as http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { pushBuild } from './packages';

const stats = { requests: 0, bytes: 0, lokiEntries: 0, otlpRequests: 0 };
const verify = process.argv.includes('--verify');

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...stats, verify }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    stats.requests++;
    stats.bytes += body.byteLength;
    if (req.url?.startsWith('/loki/api/v1/push')) {
      if (verify && req.headers['content-type'] === 'application/x-protobuf') {
        const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
        for (const stream of pushBuild.decodePushRequest(pushBuild.snappyUncompress(raw)))
          stats.lokiEntries += stream.entries.length;
      }
      res.writeHead(204);
      res.end();
      return;
    }
    stats.otlpRequests++;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end();
  });
});

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
