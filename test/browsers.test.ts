/**
 * Browsers (issue 13, point 4): a page bundled for the `browser` condition runs the
 * OpenTelemetry logs SDK with LokiLogRecordExporter, and LokiLogger, in headless Chromium
 * (Debian's `chromium`, driven by playwright-core), and pushes across origins to a
 * LokiTestServer with the `cors` option; what the server stored is checked. Needs
 * `npm run build`; on a machine without /usr/bin/chromium the tests are skipped, in CI they fail.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { LokiTestServer } from '@otel-loki/testing';
import { bundle } from './helpers/web-bundle';

const CHROMIUM = '/usr/bin/chromium';
const PAGE_SCRIPT = path.join(__dirname, 'fixtures', 'browsers', 'page.ts');
const TEST_TIMEOUT_MILLIS = 60_000;
/** Bound of the page's own work (its pushes give up after 3 s). */
const PAGE_TIMEOUT_MILLIS = 20_000;

interface PageResult {
  exporter?: { entries: number; exportsFailed: number };
  logger?: { entries?: number; error?: string };
  error?: string;
}

/** Serves the page and its bundle from an origin of its own (loopback, port 0). */
async function servePage(script: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/page.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(script);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>otel-loki</title><script type="module" src="/page.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('browsers: headless Chromium', function () {
  this.timeout(TEST_TIMEOUT_MILLIS);
  let browser: Browser;
  let page: Awaited<ReturnType<typeof servePage>>;
  let loki: LokiTestServer | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
      this.skip();
    }
    const { code } = await bundle('browser', { file: PAGE_SCRIPT }, { minify: true });
    page = await servePage(code);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await page?.close();
  });
  afterEach(async () => {
    await loki?.close();
    loki = undefined;
  });

  /** Opens the page against `loki` and waits for what it reports. */
  async function open(lokiUrl: string): Promise<PageResult> {
    const tab = await browser.newPage();
    try {
      await tab.goto(`${page.origin}/?loki=${encodeURIComponent(lokiUrl)}`);
      await tab.waitForFunction(() => 'result' in globalThis, undefined, { timeout: PAGE_TIMEOUT_MILLIS });
      return (await tab.evaluate(() => (globalThis as unknown as { result: PageResult }).result)) as PageResult;
    } finally {
      await tab.close();
    }
  }

  it('the SDK with LokiLogRecordExporter, and LokiLogger, push across origins to a Loki that allows the page', async () => {
    loki = await LokiTestServer.start({ cors: { origins: [page.origin] }, authEnabled: true });

    const result = await open(loki.url);

    expect(result).to.deep.equal({ exporter: { entries: 1, exportsFailed: 0 }, logger: { entries: 1 } });
    const [record] = loki.entries({ tenant: 'browser', selector: '{service_name="browser-page"}' });
    expect(record.line).to.equal('page loaded');
    expect(record.metadata).to.include({ url_path: '/', severity_text: 'INFO' });
    expect(record.metadata.user_agent_original).to.match(/Chrome/);
    const [logged] = loki.entries({ tenant: 'browser', selector: '{job="browser-client"}' });
    expect(logged.line).to.equal('clicked');
    const push = loki.requests.find((r) => r.kind === 'push');
    expect(push?.headers['content-type']).to.equal('application/x-protobuf');
    expect(push?.headers['origin']).to.equal(page.origin);
  });

  it('a Loki (or gateway) that does not allow the page: the browser blocks the push, and the page is told', async () => {
    loki = await LokiTestServer.start({ cors: { origins: ['http://elsewhere.example'] } });

    const result = await open(loki.url);

    expect(result.exporter).to.deep.equal({ entries: 0, exportsFailed: 1 });
    expect(result.logger?.error).to.match(/^Could not reach Loki at /);
    expect(loki.entries()).to.have.length(0);
  });
});
