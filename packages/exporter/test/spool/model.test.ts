/**
 * Random sequences of appends, sends that succeed or fail, restarts and crashes, checked
 * against a model: every record stored and not acknowledged is handed out again, exactly once
 * per drain, never one that was acknowledged, oldest first within what one process wrote.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { Spool } from '../../src/spool/spool';
import type { SpoolRef } from '../../src/spool/types';
import { body, IDENTITY, ManualClock, meta, noSyncFileSystem, openSpool, TempDirs } from './helpers';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const STEPS = 300;
const LEASE_EXPIRED_MILLIS = 60_000;

/** mulberry32. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('spool: random operations against a model', () => {
  const temp = new TempDirs();
  const abandoned: Spool[] = [];
  afterEach(async () => {
    for (const spool of abandoned.splice(0)) await spool.close();
    temp.cleanup();
  });

  for (const seed of SEEDS) {
    it(`seed ${seed}: nothing lost, nothing acknowledged comes back, nothing handed out twice`, async () => {
      const random = prng(seed);
      const directory = join(temp.make(), 'spool');
      const clock = new ManualClock();
      const open = async () =>
        (
          await openSpool({
            directory,
            now: clock.now,
            segmentBytes: 200 + Math.floor(random() * 600),
            fileSystem: noSyncFileSystem,
          })
        ).spool;
      let spool = await open();
      /** Records stored and not acknowledged, and those this process holds in flight. */
      const stored = new Set<string>();
      let inFlight = new Map<string, SpoolRef>();
      let next = 0;

      for (let step = 0; step < STEPS; step++) {
        const choice = random();
        if (choice < 0.45) {
          const label = `r${next++}`;
          const live = random() < 0.5;
          const result = await spool.append(IDENTITY, body(label, 20 + Math.floor(random() * 200)), meta(), {
            inFlight: live,
          });
          if (result.status !== 'stored') throw new Error(`not stored: ${result.reason}`);
          stored.add(label);
          if (live) inFlight.set(label, result.ref);
        } else if (choice < 0.6) {
          // The live sends finish: some succeed, the others go back to the backlog.
          for (const [label, ref] of inFlight) {
            if (random() < 0.5) {
              await spool.acknowledge(ref);
              stored.delete(label);
            } else spool.release(ref);
          }
          inFlight = new Map();
        } else if (choice < 0.85) {
          // A drain: everything stored and not in flight is handed out, once; some are acknowledged.
          const expected = [...stored].filter((label) => !inFlight.has(label)).sort();
          const seen: string[] = [];
          for await (const request of spool.pending(IDENTITY)) {
            const label = Buffer.from(request.body).toString().replace(/\.+$/, '');
            seen.push(label);
            if (random() < 0.7) {
              await spool.acknowledge(request.ref);
              stored.delete(label);
            } else inFlight.set(label, request.ref);
          }
          expect(seen.sort(), `step ${step}`).to.deep.equal(expected);
        } else if (choice < 0.93) {
          await spool.close(); // orderly restart
          spool = await open();
          inFlight = new Map();
        } else {
          abandoned.push(spool); // crash: the lease stays until it expires
          clock.millis += LEASE_EXPIRED_MILLIS;
          spool = await open();
          inFlight = new Map();
        }
      }

      for (const ref of inFlight.values()) spool.release(ref);
      const rest: string[] = [];
      for await (const request of spool.pending(IDENTITY))
        rest.push(Buffer.from(request.body).toString().replace(/\.+$/, ''));
      expect([...rest].sort()).to.deep.equal([...stored].sort());
      expect(spool.stats().records).to.equal(stored.size);
      await spool.close();
    });
  }
});
