/**
 * `detected_level` structured metadata, as Loki 3.x's distributor derives it when
 * `discover_log_levels` is on: from a level-like stream label, then structured metadata, then
 * OTLP `severity_number`, then the line (JSON, logfmt or plain words); `unknown` otherwise.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/distributor/field_detection.go
 */
import type { Label } from './internal-types';

/** Name of the structured metadata Loki adds. */
export const DETECTED_LEVEL = 'detected_level';

/** Which Loki's detection to reproduce (see `LokiTestServerOptions.lokiVersion`). */
export type LevelDetectionStyle = '3.4' | 'latest';

const LEVEL_FIELDS_3_4 = [
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
];
const LEVEL_FIELDS_LATEST = [...LEVEL_FIELDS_3_4, 'severity_text', 'Severity_Text', 'SEVERITY_TEXT'];
/** `log_level_from_json_max_depth` default. */
const JSON_MAX_DEPTH = 2;

const ALIASES: ReadonlyArray<[string, readonly string[]]> = [
  ['trace', ['trace', 'trc']],
  ['debug', ['debug', 'dbg']],
  ['info', ['info', 'inf', 'information']],
  ['warn', ['warn', 'wrn', 'warning']],
  ['error', ['error', 'err']],
  ['critical', ['critical']],
  ['fatal', ['fatal']],
];

/** `normalizeLogLevel`: a known level in any case becomes its lower-case name; others stay. */
function normalize(level: string): string {
  const lower = level.toLowerCase();
  for (const [name, aliases] of ALIASES) if (aliases.includes(lower)) return name;
  return level;
}

function knownLevel(value: string | undefined, style: LevelDetectionStyle): string | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  // 'information' was added after 3.4.
  if (style === '3.4' && lower === 'information') return undefined;
  for (const [name, aliases] of ALIASES) if (aliases.includes(lower)) return name;
  return undefined;
}

function firstOf(labels: readonly Label[], names: readonly string[]): string | undefined {
  for (const name of names) {
    const found = labels.find((l) => l.name === name);
    if (found) return found.value;
  }
  return undefined;
}

/** OTLP severity number ranges (1-4 trace, 5-8 debug, ...). */
function fromSeverityNumber(text: string): string {
  if (!/^[+-]?\d+$/.test(text)) return 'info';
  const n = Number(text);
  if (n === 0) return 'unknown';
  const names = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  return n > 0 && n <= 24 ? names[Math.floor((n - 1) / 4)] : 'unknown';
}

function fromJson(line: string, fields: ReadonlySet<string>): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
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
  return visit(parsed, 0);
}

const LOGFMT_PAIR = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;

function fromLogfmt(line: string, fields: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestIndex = fields.length;
  for (const match of line.matchAll(LOGFMT_PAIR)) {
    const index = fields.findIndex((field) => field.toLowerCase() === match[1].toLowerCase());
    if (index >= 0 && index < bestIndex) {
      bestIndex = index;
      best = match[2].startsWith('"') ? match[2].slice(1, -1) : match[2];
    }
  }
  return best;
}

/** Loki 3.4's `detectLevelFromLogLine`: looser words (`err` matches `stderr`). */
const WORDS_3_4: ReadonlyArray<[string, readonly string[]]> = [
  ['info', ['info', 'INFO']],
  ['error', ['err', 'ERR', 'error', 'ERROR']],
  ['warn', ['warn', 'WARN', 'warning', 'WARNING']],
  ['critical', ['CRITICAL', 'critical']],
  ['debug', ['debug', 'DEBUG']],
];

const WORDS: ReadonlyArray<[string, readonly string[]]> = [
  ['info', ['info:', 'INFO:', '[info]', '[INFO]', 'info', 'INFO']],
  ['error', ['err:', 'ERR:', '[err]', '[ERR]', '[error]', '[ERROR]']],
  ['warn', ['warn:', 'WARN:', '[warn]', '[WARN]', '[warning]', '[WARNING]', 'warning', 'WARNING']],
  ['critical', ['critical:', 'CRITICAL:', '[critical]', '[CRITICAL]']],
  ['debug', ['debug:', 'DEBUG:', '[debug]', '[DEBUG]', 'debug', 'DEBUG']],
];

function fromWords(line: string, style: LevelDetectionStyle): string {
  for (const [level, words] of style === '3.4' ? WORDS_3_4 : WORDS)
    if (words.some((word) => line.includes(word))) return level;
  return 'unknown';
}

function fromLine(line: string, style: LevelDetectionStyle, fields: readonly string[]): string {
  const trimmed = line.trim();
  let value: string | undefined;
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) value = fromJson(line, new Set(fields));
  else if (line.includes('=')) value = fromLogfmt(line, fields);
  else return fromWords(line, style);
  return knownLevel(value, style) ?? fromWords(line, style);
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
  else level = fromLine(line, style, fields);
  return level === '' ? [...metadata] : [...metadata, { name: DETECTED_LEVEL, value: level }];
}
