/**
 * A loopback sink in a process of its own (so that its CPU is not counted against the
 * exporter): accepts Loki pushes (`/loki/api/v1/push`, 204) and OTLP/HTTP log exports
 * (`/v1/logs`, 200 with an empty `ExportLogsServiceResponse`), and counts them. Loki protobuf
 * pushes are decompressed and their entries counted (with `--verify`), to check that every
 * record arrived.
 * Prints `{"port": N}` when listening; `GET /stats` answers the counters; exits on SIGTERM.
 */
import * as http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { pushBuild } from './packages';

/** Snappy block decompression: native when installed (cheaper for the sink), else snappyjs. */
const uncompress: (body: Buffer) => Uint8Array = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const native = require('snappy') as { uncompressSync(input: Buffer): Buffer };
    return (body: Buffer) => native.uncompressSync(body);
  } catch {
    return (body: Buffer) => pushBuild.snappyUncompress(body);
  }
})();

/**
 * Entries in a protobuf `PushRequest`, counted by walking its fields (streams = 1, a stream's
 * entries = 2) without decoding them: the sink must stay cheap, or the pipelines it serves
 * wait on it. The test suites check the format itself against independent decoders.
 */
function countEntries(buf: Uint8Array): number {
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    let byte: number;
    do {
      byte = buf[pos++];
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80 && pos < buf.length);
    return value;
  };
  const skip = (tag: number): void => {
    const value = varint();
    if ((tag & 7) !== 0) pos += value;
  };
  let entries = 0;
  while (pos < buf.length) {
    const tag = varint();
    if (tag !== 0x0a) {
      skip(tag);
      continue;
    }
    const length = varint();
    const end = pos + length;
    while (pos < end) {
      const field = varint();
      if (field === 0x12) entries++;
      skip(field);
    }
  }
  if (pos !== buf.length) throw new Error('sink: malformed PushRequest');
  return entries;
}

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
        stats.lokiEntries += countEntries(uncompress(raw));
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
