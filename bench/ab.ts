/**
 * `node --import tsx bench/ab.ts <base checkout> [--corpus=access] [--rounds=4] [--seconds=4]
 * [--js]`: the CPU per record of `export()` without HTTP (our push client with a transport that
 * answers 204 at once) of another checkout's build against this one's, each measured in a
 * fresh process, the two alternated round by round; prints both medians and the median of the
 * per-round ratios (this ÷ base). In-process A/B misleads for changes that move garbage or
 * external memory (one build's garbage is collected during the other's turn), hence the
 * processes. Build both first (`npm run build`; for the base, e.g. `git worktree add
 * /tmp/base <commit> && cd /tmp/base && npm ci && npm run build`).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { corpusBatches, corpusFromArgs } from './corpus';
import { median } from './harness';

const NO_CONTENT = { kind: 'response' as const, status: 204, body: '', headers: {} };
const WARMUP_MILLIS = 1500;

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}

/** One measurement in this process: CPU µs per record of the build in `root`. */
async function measure(root: string, seconds: number): Promise<number> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const exporter = require(path.join(root, 'packages/exporter/build/src/index.js'));
  const seam = require(path.join(root, 'packages/exporter/build/src/test-seam.js'));
  const push = require(path.join(root, 'packages/push/build/src/index.js'));
  const internal = require(path.join(root, 'packages/push/build/src/internal.js'));
  /* eslint-enable @typescript-eslint/no-require-imports */
  internal.useSnappyImplementation(process.argv.includes('--js') ? 'javascript' : 'native');
  const transport = { send: async () => NO_CONTENT, close: () => {} };
  const instance = new exporter.LokiLogRecordExporter({
    url: 'http://127.0.0.1:9',
    [seam.INTERNALS]: { createClient: (o: unknown) => new push.LokiPushClient(o, { transport }) },
  });
  const batches = corpusBatches(8, undefined, corpusFromArgs(process.argv));
  let next = 0;
  const run = async (millis: number): Promise<number> => {
    const end = Date.now() + millis;
    let exported = 0;
    const start = process.cpuUsage();
    // Bounded by the clock: one batch per pass.
    while (Date.now() < end) {
      const batch = batches[next++ % batches.length];
      await new Promise<void>((resolve) => instance.export(batch, () => resolve()));
      await instance.forceFlush();
      exported += batch.length;
    }
    const cpu = process.cpuUsage(start);
    return (cpu.user + cpu.system) / exported;
  };
  await run(WARMUP_MILLIS);
  return run(seconds * 1000);
}

async function main(): Promise<void> {
  const seconds = option('seconds', 4);
  const one = process.argv.find((a) => a.startsWith('--one='));
  if (one !== undefined) {
    process.stdout.write(`${await measure(one.slice('--one='.length), seconds)}\n`);
    return;
  }
  const base = process.argv.slice(2).find((a) => !a.startsWith('--'));
  if (base === undefined) throw new Error('usage: bench/ab.ts <base checkout> [--corpus=access] [--rounds=4]');
  const roots = [path.resolve(base), path.resolve(__dirname, '..')];
  const passOn = process.argv.slice(2).filter((a) => a.startsWith('--'));
  const results: number[][] = [[], []];
  const rounds = option('rounds', 4);
  for (let round = 0; round < rounds; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const out = execFileSync(process.execPath, [...process.execArgv, __filename, ...passOn, `--one=${roots[i]}`]);
      results[i].push(Number(out.toString()));
    }
  }
  const ratios = results[1].map((value, round) => value / results[0][round]);
  process.stdout.write(
    `base ${median(results[0]).toFixed(2)} µs/record [${results[0].map((v) => v.toFixed(2)).join(' ')}]\n` +
      `this ${median(results[1]).toFixed(2)} µs/record [${results[1].map((v) => v.toFixed(2)).join(' ')}]\n` +
      `this ÷ base: ${median(ratios).toFixed(3)} (median of ${rounds} rounds)\n`
  );
}

void main();
