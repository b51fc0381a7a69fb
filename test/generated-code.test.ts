import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PUSH = join(__dirname, '..', 'packages', 'push');

describe('generated protobuf code', () => {
  it('matches proto/push.proto (run `npm run generate -w @otel-loki/push` after editing the proto)', function () {
    this.timeout(60_000);
    const out = mkdtempSync(join(tmpdir(), 'otel-loki-proto-'));
    try {
      execFileSync(process.execPath, [join(PUSH, 'scripts', 'generate-proto.js'), out]);
      for (const file of ['push.js', 'push.d.ts']) {
        expect(readFileSync(join(out, file), 'utf8'), file).to.equal(
          readFileSync(join(PUSH, 'src', 'generated', file), 'utf8')
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('is built next to the compiled code, so require("@otel-loki/push") works', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports
    const push = require('@otel-loki/push') as typeof import('@otel-loki/push');
    const bytes = push.encodePushRequest([{ labels: '{a="b"}', entries: [{ timestampNanos: 1n, line: 'x' }] }]);
    expect(push.decodePushRequest(bytes)[0].entries[0].line).to.equal('x');
  });
});
