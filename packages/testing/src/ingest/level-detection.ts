/**
 * `detected_level` structured metadata, as Loki's distributor derives it when
 * `discover_log_levels` is on: from a level-like stream label, then structured metadata, then
 * OTLP `severity_number`, then the line (JSON, logfmt or words); `unknown` otherwise. Loki 3.4
 * and current Loki differ in the field names, the normalization, the JSON search and, most
 * visibly, the words found in plain lines.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/distributor/field_detection.go
 * @see https://github.com/grafana/loki/blob/main/pkg/distributor/field_detection.go
 */
import type { Label } from '../internal-types';
import { decodeLogfmt } from './logfmt-decoder';

/** Name of the structured metadata Loki adds. */
export const DETECTED_LEVEL = 'detected_level';

/** Which Loki's detection to reproduce (see `LokiTestServerOptions.lokiVersion`). */
export type LevelDetectionStyle = '3.4' | 'latest';

/** Loki 3.4's `log_level_fields` default (pkg/validation/limits.go). */
const LEVEL_FIELDS_3_4 = ['level', 'LEVEL', 'Level', 'Severity', 'severity', 'SEVERITY', 'lvl', 'LVL', 'Lvl'];
/** Current Loki's `DefaultAllowedLevelFields`. */
const LEVEL_FIELDS_LATEST = [
  'level',
  'LEVEL',
  'Level',
  'log.level',
  'severity',
  'SEVERITY',
  'Severity',
  'SeverityText',
  'lvl',
  'LVL',
  'Lvl',
  'severity_text',
  'Severity_Text',
  'SEVERITY_TEXT',
];
/** `log_level_from_json_max_depth` default (current Loki; 3.4 reads top-level keys only). */
const JSON_MAX_DEPTH = 2;
const UNKNOWN = 'unknown';

/** `normalizeLogLevel` / the switch of `extractLogLevelFromLogLine`, case-insensitive. */
const ALIASES: ReadonlyArray<[string, readonly string[]]> = [
  ['trace', ['trace', 'trc']],
  ['debug', ['debug', 'dbg']],
  ['info', ['info', 'inf', 'information']],
  ['warn', ['warn', 'wrn', 'warning']],
  ['error', ['error', 'err']],
  ['critical', ['critical']],
  ['fatal', ['fatal']],
];

function knownLevel(value: string | undefined, style: LevelDetectionStyle): string | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  // 'information' was added after 3.4.
  if (style === '3.4' && lower === 'information') return undefined;
  for (const [name, aliases] of ALIASES) if (aliases.includes(lower)) return name;
  return undefined;
}

/** Current Loki's `normalizeLogLevel`: a known level becomes its name; other values stay. */
function normalize(level: string): string {
  return knownLevel(level, 'latest') ?? level;
}

/** `labelsContainAny`: the first field name (in the list's order) present. */
function firstOf(labels: readonly Label[], names: readonly string[]): string | undefined {
  for (const name of names) {
    const found = labels.find((l) => l.name === name);
    if (found) return found.value;
  }
  return undefined;
}

const SEVERITY_NAMES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
/** Go's `strconv.Atoi` range (int64). */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** OTLP `severity_number` ranges (1-4 trace, 5-8 debug, ...); anything <= 4 but 0 is trace, as in Loki. */
function fromSeverityNumber(text: string): string {
  if (!/^[+-]?\d+$/.test(text)) return 'info';
  const n = BigInt(text);
  if (n < INT64_MIN || n > INT64_MAX) return 'info';
  if (n === 0n) return UNKNOWN;
  if (n <= 4n) return 'trace';
  return n <= 24n ? SEVERITY_NAMES[Math.floor((Number(n) - 1) / 4)] : UNKNOWN;
}

/** `isJSON`: the first and last non-space characters are braces. */
function looksLikeJson(line: string): boolean {
  const trimmed = line.trim();
  return trimmed.startsWith('{') && trimmed.endsWith('}');
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Loki 3.4's `getValueUsingJSONParser`: the first field (in list order) among top-level keys, any type. */
function fromJson34(line: string, fields: readonly string[]): string | undefined {
  const object = parseObject(line);
  if (!object) return undefined;
  for (const field of fields) {
    if (!Object.prototype.hasOwnProperty.call(object, field)) continue;
    const value = object[field];
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
  return undefined;
}

/** Current Loki's `getLevelUsingJSONParser`: the first string field met, depth first, up to depth 2. */
function fromJsonLatest(line: string, fields: ReadonlySet<string>): string | undefined {
  const visit = (value: unknown, depth: number): string | undefined => {
    if (depth >= JSON_MAX_DEPTH || value === null || typeof value !== 'object' || Array.isArray(value))
      return undefined;
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string' && fields.has(key)) return child;
      const nested = visit(child, depth + 1);
      if (nested !== undefined) return nested;
    }
    return undefined;
  };
  return visit(parseObject(line), 0);
}

/** `getValueUsingLogfmtParser`: the value of the field earliest in the list (keys compared case-insensitively). */
function fromLogfmt(line: string, fields: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestIndex = fields.length;
  const lowerFields = fields.map((f) => f.toLowerCase());
  for (const { key, value } of decodeLogfmt(line).pairs) {
    const index = lowerFields.indexOf(key.toLowerCase());
    if (index >= 0 && index < bestIndex) {
      bestIndex = index;
      best = value;
      if (index === 0) break;
    }
  }
  return best;
}

/** Loki 3.4's `detectLevelFromLogLine`: case-sensitive substrings, first group that matches wins. */
const WORDS_3_4: ReadonlyArray<[string, readonly string[]]> = [
  ['info', ['info:', 'INFO:', 'info', 'INFO']],
  ['error', ['err:', 'ERR:', 'error', 'ERROR']],
  ['warn', ['warn:', 'WARN:', 'warning', 'WARNING']],
  ['critical', ['CRITICAL:', 'critical:']],
  ['debug', ['debug:', 'DEBUG:']],
];

function fromWords34(line: string): string {
  for (const [level, words] of WORDS_3_4) if (words.some((word) => line.includes(word))) return level;
  return UNKNOWN;
}

/** Current Loki's `levelPatterns`, in its order (which breaks ties at one position). */
const LEVEL_PATTERNS: ReadonlyArray<[string, string]> = [
  ['trace', 'trace'],
  ['debug', 'debug'],
  ['fatal', 'fatal'],
  ['critical', 'critical'],
  ['error', 'error'],
  ['err', 'error'],
  ['warning', 'warn'],
  ['warn', 'warn'],
  ['info', 'info'],
];
/** Characters allowed before a level word (not `:`, so `misc:error` is no level). */
const LEFT_BOUNDARY = new Set([' ', '\t', '\n', '[', '(', '{', '"', "'", '=', '|']);
/** Characters allowed after a level word (`:` too, for `debug: message`). */
const RIGHT_BOUNDARY = new Set([' ', '\t', '\n', '[', ']', '(', ')', '{', '}', ':', ',', '!', '"', "'", '=', '|']);

function indexOfBoundedWord(line: string, word: string): number {
  for (let pos = line.indexOf(word); pos !== -1; pos = line.indexOf(word, pos + 1)) {
    const before = pos === 0 ? undefined : line[pos - 1];
    const after = pos + word.length >= line.length ? undefined : line[pos + word.length];
    if ((before === undefined || LEFT_BOUNDARY.has(before)) && (after === undefined || RIGHT_BOUNDARY.has(after)))
      return pos;
  }
  return -1;
}

/** Current Loki's `detectLevelFromLogLine`: the level word (bounded, any case) that comes first in the line. */
function fromWordsLatest(line: string): string {
  const lower = line.toLowerCase();
  let best = lower.length;
  let level = UNKNOWN;
  for (const [word, name] of LEVEL_PATTERNS) {
    const pos = indexOfBoundedWord(lower, word);
    if (pos === -1 || pos >= best) continue;
    best = pos;
    level = name;
    if (pos === 0) break;
  }
  return level;
}

function fromLine(line: string, style: LevelDetectionStyle): string {
  const words = style === '3.4' ? fromWords34 : fromWordsLatest;
  let value: string | undefined;
  if (looksLikeJson(line))
    value = style === '3.4' ? fromJson34(line, LEVEL_FIELDS_3_4) : fromJsonLatest(line, new Set(LEVEL_FIELDS_LATEST));
  else if (line.includes('=')) value = fromLogfmt(line, style === '3.4' ? LEVEL_FIELDS_3_4 : LEVEL_FIELDS_LATEST);
  else return words(line);
  return knownLevel(value, style) ?? words(line);
}

/**
 * Returns the entry's structured metadata with `detected_level` added (or, in current Loki,
 * an existing one normalized), as Loki stores it.
 */
export function withDetectedLevel(
  streamLabels: readonly Label[],
  metadata: readonly Label[],
  line: string,
  style: LevelDetectionStyle = 'latest'
): Label[] {
  const latest = style === 'latest';
  const existing = metadata.findIndex((l) => l.name === DETECTED_LEVEL);
  if (latest && existing >= 0) {
    return metadata.map((l, i) => (i === existing ? { name: l.name, value: normalize(l.value) } : l));
  }
  const fields = latest ? LEVEL_FIELDS_LATEST : LEVEL_FIELDS_3_4;
  const keep = latest ? normalize : (value: string): string => value;
  const fromLabel = firstOf(streamLabels, fields);
  const fromMetadata = fromLabel === undefined ? firstOf(metadata, fields) : undefined;
  const severity = metadata.find((l) => l.name === 'severity_number')?.value;
  let level: string;
  if (fromLabel !== undefined) level = keep(fromLabel);
  else if (fromMetadata !== undefined) level = keep(fromMetadata);
  else if (severity !== undefined && severity !== '') level = fromSeverityNumber(severity);
  else level = fromLine(line, style);
  return level === '' ? [...metadata] : [...metadata, { name: DETECTED_LEVEL, value: level }];
}
