/**
 * Interleaved rounds over tinybench: every round runs each task once (warm-up, then a time
 * budget), in an order rotated from round to round, and a task's figure is the median over
 * rounds of its per-round median. On a noisy two-core machine this keeps one slow phase of
 * the machine from landing on a single task. Time is the process's CPU time (user + system,
 * all threads: GC included), not wall-clock: what a log exporter costs its host, and less
 * disturbed by other processes than elapsed time.
 */
import { Bench } from 'tinybench';

/** One benchmarked function: sync or async, one call = one batch. */
export interface BenchTask {
  name: string;
  fn: () => unknown;
}

/** Settings of {@link runInterleaved}. */
export interface InterleaveOptions {
  rounds: number;
  /** Time budget per task and round, ms. */
  timeMillis: number;
  warmupMillis: number;
}

/** Median of `values` (not mutated). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** CPU time of the process in ms (tinybench's clock here). */
export function cpuNowMillis(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Median CPU time per call in ms of each task, over interleaved rounds. */
export async function runInterleaved(
  tasks: readonly BenchTask[],
  options: InterleaveOptions
): Promise<Map<string, number>> {
  const perRound = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    const order = tasks.map((_, i) => tasks[(i + round) % tasks.length]);
    for (const task of order) {
      const bench = new Bench({
        time: options.timeMillis,
        warmupTime: options.warmupMillis,
        throws: true,
        now: cpuNowMillis,
      });
      bench.add(task.name, task.fn);
      await bench.run();
      const result = bench.tasks[0].result;
      if (!('latency' in result)) throw new Error(`${task.name}: ${result.state}`);
      perRound.get(task.name)!.push(result.latency.p50);
    }
  }
  return new Map([...perRound].map(([name, values]) => [name, median(values)]));
}
