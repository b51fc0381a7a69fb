/**
 * A decoded push, handled in Loki's order: labels parsed and `service_name` added (push.go),
 * streams and entries validated with the invalid ones dropped and listed (distributor), the
 * tenant's ingestion rate, the size of the message to the ingester, then the ingester.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/push/push.go (ParseLokiRequest)
 * @see https://github.com/grafana/loki/blob/main/pkg/distributor/distributor.go (PushWithResolver)
 */
import { encodePushRequest } from '@otel-loki/push';
import type { PushStream } from '@otel-loki/push';
import type { Ingester } from './ingester';
import type { HttpAnswer, IngestedEntry, Label } from '../internal-types';
import { formatRfc3339, millisToNanos } from '../go-format';
import { withDetectedLevel } from './level-detection';
import { labelsToString, parseMetric, sortLabels } from './metric-parser';
import type { TokenBucket } from './rate-limiter';
import type { ResolvedLimits } from '../server-config';
import {
  metadataSize,
  normalizeMetadata,
  SERVICE_NAME,
  truncateLine,
  UNKNOWN_SERVICE,
  validateEntry,
  validateLabels,
} from './validation';

/** Every stream in the forwarded request carries a 64-bit hash: tag plus a 10-byte varint. */
const HASH_FIELD_BYTES = 11;

/** What the distributor needs from the server. */
export interface DistributorContext {
  tenant: string;
  limits: ResolvedLimits;
  nowMillis: number;
  ingester: Ingester;
  rateLimiter: TokenBucket;
  grpcMaxRecvMsgSizeBytes: number;
  lokiVersion: '3.4' | 'latest';
}

/** The answer to a push and what it did. */
export interface PushOutcome extends HttpAnswer {
  stored: number;
  refused: number;
  deduplicated: number;
}

/**
 * Groups messages as Loki's `util.GroupedErrors` does: one message alone is itself; otherwise
 * `N errors like: <message>` joined with `; ` (first-seen order; Go's map order is random).
 */
export function groupErrors(messages: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const message of messages) counts.set(message, (counts.get(message) ?? 0) + 1);
  const grouped = counts.size > 1 || messages.length > 1;
  return [...counts].map(([message, n]) => (grouped ? `${n} errors like: ${message}` : message)).join('; ');
}

/** push.go: parse every stream's labels (a failure refuses the whole request) and add `service_name`. */
function addServiceNames(streams: readonly PushStream[], limits: ResolvedLimits): PushStream[] | HttpAnswer {
  const result: PushStream[] = [];
  for (const stream of streams) {
    const parsed = parseMetric(stream.labels);
    if (!parsed.ok) return { status: 400, body: `couldn't parse labels: ${parsed.error}` };
    const labels = parsed.labels;
    const has = (name: string): boolean => labels.some((l) => l.name === name);
    if (has(SERVICE_NAME) || limits.discoverServiceName.length === 0 || has('__aggregated_metric__')) {
      result.push(stream);
      continue;
    }
    let serviceName = UNKNOWN_SERVICE;
    for (const name of limits.discoverServiceName) {
      const value = labels.find((l) => l.name === name)?.value;
      if (value) {
        serviceName = value;
        break;
      }
    }
    const withService = sortLabels([...labels, { name: SERVICE_NAME, value: serviceName }]);
    result.push({ labels: labelsToString(withService), entries: stream.entries });
  }
  return result;
}

/** Handles one decoded push of one tenant. */
export function distribute(streams: readonly PushStream[], ctx: DistributorContext): PushOutcome {
  const outcome: PushOutcome = { status: 204, body: '', stored: 0, refused: 0, deduplicated: 0 };
  const prepared = addServiceNames(streams, ctx.limits);
  if (!Array.isArray(prepared)) {
    outcome.refused = streams.reduce((n, s) => n + s.entries.length, 0);
    return { ...outcome, ...prepared };
  }
  if (prepared.length === 0) {
    return { ...outcome, status: 422, body: 'error at least one valid stream is required for ingestion' };
  }
  const errors: string[] = [];
  const accepted: Array<{ labels: string; entries: IngestedEntry[] }> = [];
  let validatedBytes = 0;
  let validatedLines = 0;
  const { limits } = ctx;
  for (const stream of prepared) {
    if (stream.entries.length === 0) continue;
    const parsed = parseMetric(stream.labels);
    if (!parsed.ok) {
      errors.push(`Error parsing labels '${stream.labels}' with error: ${parsed.error}`);
      outcome.refused += stream.entries.length;
      continue;
    }
    const labelError = validateLabels(parsed.labels, stream.labels, limits);
    if (labelError !== undefined) {
      errors.push(labelError);
      outcome.refused += stream.entries.length;
      continue;
    }
    const canonical = labelsToString(parsed.labels);
    const entries: IngestedEntry[] = [];
    for (const raw of stream.entries) {
      const line =
        limits.maxLineSizeTruncate && limits.maxLineSize > 0 ? truncateLine(raw.line, limits.maxLineSize) : raw.line;
      const entryError = validateEntry({ ...raw, line }, canonical, limits, ctx.nowMillis);
      if (entryError !== undefined) {
        errors.push(entryError);
        outcome.refused++;
        continue;
      }
      let metadata: Label[] = normalizeMetadata(raw.metadata ?? []);
      if (limits.allowStructuredMetadata && limits.discoverLogLevels) {
        metadata = withDetectedLevel(parsed.labels, metadata, line, ctx.lokiVersion);
      }
      entries.push({ timestampNanos: raw.timestampNanos, line, metadata });
      validatedBytes += Buffer.byteLength(line) + metadataSize(metadata);
      validatedLines++;
    }
    if (entries.length > 0) accepted.push({ labels: canonical, entries });
  }
  const validationAnswer: HttpAnswer | undefined =
    errors.length > 0 ? { status: 400, body: groupErrors(errors) } : undefined;
  if (accepted.length === 0) return { ...outcome, ...(validationAnswer ?? {}) };

  if (ctx.nowMillis < limits.blockIngestionUntilMillis) {
    outcome.refused += validatedLines;
    const code = limits.blockIngestionStatusCode;
    // Loki answers success for 200 (the data is dropped all the same).
    if (code === 200) return outcome;
    const until = formatRfc3339(millisToNanos(limits.blockIngestionUntilMillis));
    return {
      ...outcome,
      status: code,
      body: `ingestion blocked for user ${ctx.tenant} until '${until}' with status code '${code}'`,
    };
  }
  if (!ctx.rateLimiter.allow(ctx.nowMillis, validatedBytes)) {
    outcome.refused += validatedLines;
    return {
      ...outcome,
      status: 429,
      body:
        `Ingestion rate limit exceeded for user ${ctx.tenant} (limit: ${Math.trunc(ctx.rateLimiter.ratePerSecond)} bytes/sec) ` +
        `while attempting to ingest '${validatedLines}' lines totaling '${validatedBytes}' bytes, reduce log volume ` +
        'or contact your Loki administrator to see if the limit can be increased',
    };
  }
  const messageSize =
    encodePushRequest(
      accepted.map((s) => ({ labels: s.labels, entries: s.entries.map((e) => ({ ...e, metadata: e.metadata })) }))
    ).length +
    HASH_FIELD_BYTES * accepted.length;
  if (messageSize > ctx.grpcMaxRecvMsgSizeBytes) {
    outcome.refused += validatedLines;
    return {
      ...outcome,
      status: 500,
      body:
        'rpc error: code = ResourceExhausted desc = grpc: received message larger than max ' +
        `(${messageSize} vs. ${ctx.grpcMaxRecvMsgSizeBytes})`,
    };
  }
  const ingested = ctx.ingester.push(ctx.tenant, accepted, ctx.nowMillis);
  outcome.stored += ingested.stored;
  outcome.refused += ingested.refused;
  outcome.deduplicated += ingested.deduplicated;
  const answer = ingested.error ?? validationAnswer;
  return answer ? { ...outcome, ...answer } : outcome;
}
