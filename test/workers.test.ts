/**
 * Cloudflare Workers (issue 13, point 2): the packages bundled as wrangler bundles them (esbuild,
 * conditions `workerd`, `worker`, `browser`) run in workerd (npm `workerd`), with and without
 * `nodejs_compat`, and push to a LokiTestServer of this process over loopback; what the
 * server stored is checked. Also: what the web conditions leave out of every bundle. Needs
 * `npm run build`.
 */
import { expect } from 'chai';
import path from 'node:path';
import { LokiTestServer } from '@otel-loki/testing';
import { bundle, CONDITIONS } from './helpers/web-bundle';
import type { Bundle, BundleTarget } from './helpers/web-bundle';
import { startWorker } from './helpers/workerd';
import type { RunningWorker } from './helpers/workerd';

const ROOT = path.join(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'examples', '5-cloudflare-worker', 'worker.ts');
const CLIENT_WORKER = path.join(__dirname, 'fixtures', 'workers', 'client-worker.ts');
const TEST_TIMEOUT_MILLIS = 60_000;
/** Bound of the wait for what a Worker sends after its response (ctx.waitUntil). */
const DELIVERY_TIMEOUT_MILLIS = 10_000;
const POLL_MILLIS = 50;
const NANOS_PER_MILLI = 1_000_000n;
const MINUTE_NANOS = 60_000n * NANOS_PER_MILLI;

/** Modules no web bundle may contain: Node's, native, generated code, and the Node-only parts. */
const NODE_ONLY = [
  /(^|\/)node:/,
  /node_modules\/snappy\//,
  /node_modules\/protobufjs\//,
  /packages\/push\/build\/src\/generated\//,
  /packages\/push\/build\/src\/platform\/node\//,
  /packages\/push\/build\/src\/transport\/(http-transport|sync-transport|proxy-agent|proxy-settings|no-proxy)\.js$/,
  /packages\/exporter\/build\/src\/platform\/node\//,
  /packages\/exporter\/build\/src\/(register|register\/.*|exit\/exit-safe-processor|sending\/spooling-sender|spool\/spool)\.js$/,
];

/** Waits until `check` holds (bounded); returns its last value. */
async function eventually<T>(read: () => T, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MILLIS;
  let value = read();
  // Bounded by DELIVERY_TIMEOUT_MILLIS.
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MILLIS));
    value = read();
  }
  return value;
}

describe('web bundles (the workerd, worker, browser and edge-light conditions)', function () {
  this.timeout(TEST_TIMEOUT_MILLIS);

  for (const target of Object.keys(CONDITIONS) as BundleTarget[]) {
    it(`${target}: @otel-loki/push and @otel-loki/exporter bundle self-contained, with no Node-only module`, async () => {
      const built: Bundle = await bundle(target, {
        contents: `export * from '@otel-loki/push'; export * from '@otel-loki/exporter';`,
        resolveDir: ROOT,
      });
      expect(built.external).to.deep.equal([]);
      const offending = built.inputs.filter((input) => NODE_ONLY.some((pattern) => pattern.test(input)));
      expect(offending).to.deep.equal([]);
      expect(built.inputs).to.include('packages/push/build/src/transport/fetch-transport.js');
      expect(built.inputs).to.include('packages/exporter/build/src/web.js');
    });
  }
});

for (const nodejsCompat of [false, true]) {
  describe(`Cloudflare Workers in workerd, ${nodejsCompat ? 'with' : 'without'} nodejs_compat`, function () {
    this.timeout(TEST_TIMEOUT_MILLIS);
    let loki: LokiTestServer;
    let worker: RunningWorker | undefined;

    beforeEach(async () => {
      loki = await LokiTestServer.start({ port: 0 });
    });
    afterEach(async () => {
      await worker?.stop();
      worker = undefined;
      await loki.close();
    });

    async function run(file: string): Promise<RunningWorker> {
      const { code } = await bundle('workerd', { file });
      worker = await startWorker(code, { nodejsCompat, bindings: { LOKI_URL: loki.url } });
      return worker;
    }

    it('examples/5-cloudflare-worker: the SDK with the exporter, and LokiLogger, send after each response', async () => {
      const { url, output } = await run(EXAMPLE);
      const before = BigInt(Date.now()) * NANOS_PER_MILLI;

      const get = async (route: string): Promise<void> => {
        const response = await fetch(`${url}${route}`);
        expect(response.status, output()).to.equal(200);
        expect(await response.text()).to.equal(`logged ${route}\n`);
      };
      await get('/a');
      // Two at once: each flushes from its own request, neither waits on the other's.
      await Promise.all([get('/b'), get('/c')]);

      const otel = await eventually(
        () => loki.entries({ selector: '{service_name="example-worker"}' }),
        (entries) => entries.length === 3
      );
      expect(otel.map((e) => e.line).sort(), output()).to.deep.equal(['handled /a', 'handled /b', 'handled /c']);
      expect(otel.map((e) => e.metadata.http_route).sort()).to.deep.equal(['/a', '/b', '/c']);
      expect(otel[0].metadata).to.include({ severity_text: 'INFO' });
      const client = await eventually(
        () => loki.entries({ selector: '{job="example-worker-client"}' }),
        (entries) => entries.length === 3
      );
      expect(client.map((e) => e.metadata.path).sort(), output()).to.deep.equal(['/a', '/b', '/c']);
      for (const entry of [...otel, ...client]) {
        expect(entry.timestampNanos > before - MINUTE_NANOS && entry.timestampNanos < before + MINUTE_NANOS).to.equal(
          true
        );
      }
    });

    it('LokiLogger: tenant and basic auth on the wire, a 503 retried within the request', async () => {
      const { url, output } = await run(CLIENT_WORKER);
      loki.failNext([{ status: 503 }, { status: 429, retryAfterSeconds: 0 }]);

      const response = await fetch(`${url}/send?tenant=team-w`);
      const body = (await response.json()) as { attempts: number; entries: number };

      expect(response.status, `${JSON.stringify(body)} ${output()}`).to.equal(200);
      expect(body).to.deep.equal({ attempts: 3, entries: 1 });
      const [entry] = loki.entries({ selector: '{job="worker-client"}' });
      expect(entry.labels).to.include({ job: 'worker-client' });
      expect(entry.line).to.equal(`from a Worker, typeof Buffer: ${nodejsCompat ? 'function' : 'undefined'}`);
      const pushed = loki.requests.at(-1);
      expect(pushed?.headers['authorization']).to.equal(`Basic ${btoa('worker:secret')}`);
      expect(pushed?.headers['content-type']).to.equal('application/x-protobuf');
      expect(pushed?.headers['x-scope-orgid']).to.equal('team-w');
    });

    it('refuses options that cannot apply (proxy, spool) by name; decodes without protobufjs', async () => {
      const { url } = await run(CLIENT_WORKER);

      for (const option of ['proxy', 'spool']) {
        const refused = (await (await fetch(`${url}/${option}`)).json()) as { name: string; message: string };
        expect(refused.name).to.equal('TypeError');
        expect(refused.message).to.match(new RegExp(`^${option}: not supported`));
      }
      const decoded = await (await fetch(`${url}/decode`)).json();
      expect(decoded).to.deep.equal({ labels: '{job="w"}', line: 'é 😀', ts: '1700000000000000001' });
    });
  });
}
