import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as api from '../src/index';

const PACKAGE = join(__dirname, '..');

/** Names in the README's "Public API" table (first column; `a` / `b` rows give two). */
function readmeNames(): string[] {
  const readme = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
  const section = readme.split('## Public API')[1].split('\n## ')[0];
  const names: string[] = [];
  for (const line of section.split('\n')) {
    const first = /^\| ([^|]+) \|/.exec(line)?.[1];
    if (first === undefined || first === 'name' || first.startsWith('---')) continue;
    for (const m of first.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)) names.push(m[1]);
  }
  return names.sort();
}

/** Every name `src/index.ts` exports, types included (types leave no trace at run time). */
function indexNames(): string[] {
  const source = readFileSync(join(PACKAGE, 'src', 'index.ts'), 'utf8');
  const names: string[] = [];
  for (const m of source.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop();
      if (name) names.push(name);
    }
  }
  return names.sort();
}

describe('public API', () => {
  it('is exactly what the README lists', () => {
    expect(indexNames()).to.deep.equal(readmeNames());
  });

  it('exports at run time every value the README lists and no other', () => {
    const runtime = Object.keys(api).sort();
    expect(runtime.every((name) => readmeNames().includes(name))).to.equal(true, `unlisted: ${runtime}`);
    expect(runtime).to.include.members(['LokiLogger', 'LokiPushClient', 'LokiPushError', 'encodePushRequest']);
  });

  it('does not load protobufjs until a push request is decoded', () => {
    // Other tests may have decoded already in this process: check in a fresh one.
    const script =
      "require('tsx/cjs'); require(process.argv[1]); " +
      'const n = Object.keys(require.cache).filter((p) => /[\\\\/]protobufjs[\\\\/]/.test(p)).length; ' +
      'process.stdout.write(String(n));';
    const count = execFileSync(process.execPath, ['-e', script, join(PACKAGE, 'src', 'index.ts')]).toString();
    expect(count).to.equal('0');
  });
});
