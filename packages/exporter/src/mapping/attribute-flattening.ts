/**
 * Attributes as Loki's OTLP endpoint flattens them: names sanitized as Prometheus label
 * names, map values expanded recursively as `parent_child`, other values stringified by
 * `AsString` rules; and a deterministic answer when two sanitized names collide.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/loghttp/push/otlp.go (attributeToLabels)
 */
import { sanitizeLabelName } from '@otel-loki/push';
import type { MetadataPair } from '@otel-loki/push';
import { anyValueToString, isAttributeMap } from './any-value';
import type { Diagnostics } from '../observability/diagnostics';
import type { NamedValue } from '../internal-types';

/** Sanitized names remembered; attribute names repeat from record to record. */
const MAX_CACHED_NAMES = 8192;
/** Nesting limit of flattened maps (the SDK refuses cycles; bodies are not flattened). */
const MAX_FLATTEN_DEPTH = 32;

const nameCache = new Map<string, string | null>();

/** `sanitizeLabelName` with a bounded cache; `undefined` for names Loki cannot take. */
export function sanitizeName(name: string): string | undefined {
  let cached = nameCache.get(name);
  if (cached === undefined) {
    cached = sanitizeLabelName(name) ?? null;
    if (nameCache.size >= MAX_CACHED_NAMES) nameCache.clear();
    nameCache.set(name, cached);
  }
  return cached ?? undefined;
}

/**
 * Appends the pairs of one attribute to `out`. Returns the number of pairs dropped because a
 * name could not be sanitized (Loki fails the whole request on such a name).
 */
export function flattenAttribute(key: string, value: unknown, out: NamedValue[]): number {
  return flatten(key, value, undefined, out, 0);
}

function flatten(key: string, value: unknown, prefix: string | undefined, out: NamedValue[], depth: number): number {
  const raw = prefix === undefined ? key : `${prefix}_${key}`;
  const name = sanitizeName(raw);
  if (name === undefined || depth > MAX_FLATTEN_DEPTH) return 1;
  if (isAttributeMap(value)) {
    let dropped = 0;
    for (const child of Object.keys(value)) dropped += flatten(child, value[child], name, out, depth + 1);
    return dropped;
  }
  out.push(
    name === raw
      ? { name, value: anyValueToString(value) }
      : { name, value: anyValueToString(value), rank: RANK_REWRITTEN }
  );
  return 0;
}

/** Precedence when names collide (lower wins): record and scope fields (`severity_text`, `trace_id`, ...). */
export const RANK_FIELD = 0;
/** Precedence of an attribute whose name needed no rewriting (the default when `rank` is absent). */
export const RANK_EXACT = 1;
/** Precedence of an attribute whose name was rewritten by sanitizing. */
export const RANK_REWRITTEN = 2;

/** A record or scope field as a pair that wins name collisions. */
export function fieldPair(name: string, value: string): NamedValue {
  // Every field the encoder reads, in one order: pairs of one shape keep its reads monomorphic.
  return { name, value, rank: RANK_FIELD, encoded: undefined, nameField: undefined };
}

/**
 * Removes pairs whose names collide, keeping per name the pair of lowest rank (fields, then
 * exact names, then rewritten ones), the first one among equals. Returns how many were removed;
 * `pairs` is filtered in place and keeps its order.
 */
export function resolveCollisions(pairs: NamedValue[]): number {
  const winners = new Map<string, number>();
  let collisions = 0;
  for (let i = 0; i < pairs.length; i++) {
    const name = pairs[i].name;
    const current = winners.get(name);
    if (current === undefined) {
      winners.set(name, i);
      continue;
    }
    collisions++;
    if (rank(pairs[i]) < rank(pairs[current])) winners.set(name, i);
  }
  if (collisions === 0) return 0;
  let write = 0;
  for (let i = 0; i < pairs.length; i++) {
    if (winners.get(pairs[i].name) === i) pairs[write++] = pairs[i];
  }
  pairs.length = write;
  return collisions;
}

function rank(pair: NamedValue): number {
  return pair.rank ?? RANK_EXACT;
}

/**
 * Replaces lone surrogates in metadata values (they are not valid UTF-8 on the wire), in
 * place, counted. Only for pairs not shared yet: interned and tail pairs are sanitized once.
 */
export function sanitizeValues<T extends MetadataPair>(pairs: T[], diagnostics: Diagnostics): T[] {
  for (const pair of pairs) {
    if (!pair.value.isWellFormed()) {
      pair.value = pair.value.toWellFormed();
      diagnostics.countAndWarnOnce('invalidUnicodeReplaced', 1, `metadata ${pair.name}`);
    }
  }
  return pairs;
}
