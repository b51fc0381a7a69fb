/** The SDK pipeline of the fault tests: records with unique ids, paced emission, counting ids back. */
import * as v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { BatchLogRecordProcessor as Processor } from '@opentelemetry/sdk-logs';

/** The batch processor's options (not exported by name from sdk-logs' entry point). */
type BufferConfig = Omit<NonNullable<ConstructorParameters<typeof Processor>[0]>, 'exporter'>;
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Logger } from '@opentelemetry/api-logs';
import type { LokiLogRecordExporter } from '@otel-loki/exporter';
import type { LokiTestServer } from '@otel-loki/testing';

/** Body filler so that a record is ~300 bytes as pushed (line + metadata), as in the scenarios. */
export const BODY_FILLER = 'GET /api/v1/orders?page=2 200 12ms user=4711 '.repeat(4);
const SEVERITY_INFO = 9;

/** A provider with one batch processor around `exporter`. */
export function pipeline(
  exporter: LokiLogRecordExporter,
  service: string,
  batch: BufferConfig = {}
): { provider: LoggerProvider; logger: Logger } {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    processors: [new BatchLogRecordProcessor({ exporter, ...batch })],
  });
  return { provider, logger: provider.getLogger('fault-test', '1.0.0') };
}

/** Emits record number `i`, carrying the unique id attribute `id`. */
export function emitRecord(logger: Logger, i: number): void {
  logger.emit({
    body: `${i} ${BODY_FILLER}`,
    severityNumber: SEVERITY_INFO,
    severityText: 'INFO',
    attributes: { id: `r${i}` },
  });
}

/**
 * Emits records `from` .. `to - 1` at `perSecond`, catching up after timer drift; resolves when
 * done. Returns the longest time one tick spent emitting (the app's own cost, in ms).
 */
export async function emitPaced(logger: Logger, from: number, to: number, perSecond: number): Promise<number> {
  const TICK_MILLIS = 5;
  const started = performance.now();
  let next = from;
  let longestTick = 0;
  // Bounded: every tick emits up to the target count, which reaches `to`.
  while (next < to) {
    const target = Math.min(to, from + Math.floor(((performance.now() - started) * perSecond) / 1000));
    const tickStart = performance.now();
    while (next < target) emitRecord(logger, next++);
    longestTick = Math.max(longestTick, performance.now() - tickStart);
    if (next < to) await new Promise((resolve) => setTimeout(resolve, TICK_MILLIS));
  }
  return longestTick;
}

/** How many times each id was stored. */
export function storedIds(server: LokiTestServer, service: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of server.entries({ selector: `{service_name="${service}"}` })) {
    const id = entry.metadata.id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Ids `0 .. count - 1` that are missing, and those stored more than once. */
export function lostAndDuplicated(
  counts: Map<string, number>,
  count: number
): { lost: string[]; duplicated: string[] } {
  const lost: string[] = [];
  for (let i = 0; i < count; i++) if (!counts.has(`r${i}`)) lost.push(`r${i}`);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  return { lost, duplicated };
}

/** Runs a full GC (V8 flag set at run time) and returns the heap used, in bytes. */
export function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Whether the long variants run (`OTEL_LOKI_LONG_TESTS=1`). */
export const LONG_TESTS = process.env.OTEL_LOKI_LONG_TESTS === '1';

/** Prints a measured figure under the test (the docs quote these lines). */
export function report(line: string): void {
  process.stdout.write(`      → ${line}\n`);
}
