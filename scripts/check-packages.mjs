#!/usr/bin/env node
/**
 * `npm run check:packages`: publint (strict: warnings fail) and @arethetypeswrong/cli (every
 * resolution mode, node10 included) on each workspace package, from its packed tarball. Needs
 * `npm run build`. Exits non-zero when any check fails.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const bin = (name) => join(root, 'node_modules', '.bin', name);

let failed = 0;
for (const workspace of workspaces) {
  const cwd = join(root, workspace);
  for (const [tool, args] of [
    ['publint', ['--strict']],
    ['attw', ['--pack', '.', '--format', 'ascii']],
  ]) {
    const result = spawnSync(bin(tool), args, { cwd, encoding: 'utf8' });
    const ok = result.status === 0;
    if (!ok) failed++;
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${tool} ${workspace}\n`);
    if (!ok) process.stdout.write(`${result.stdout}${result.stderr}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
