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

const LEVEL_FIELDS = [
  'level', 'LEVEL', 'Level', 'log.level', 'severity', 'SEVERITY', 'Severity', 'SeverityText',
  'lvl', 'LVL', 'Lvl', 'severity_text', 'Severity_Text', 'SEVERITY_TEXT',
];
const LEVEL_FIELD_SET = new Set(LEVEL_FIELDS);
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

function knownLevel(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
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

function fromJson(line: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  const visit = (value: unknown, depth: number): string | undefined => {
    if (depth >= JSON_MAX_DEPTH || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string' && LEVEL_FIELD_SET.has(key)) return child;
      const nested = visit(child, depth + 1);
      if (nested !== undefined) return nested;
    }
    return undefined;
  };
  return visit(parsed, 0);
}

const LOGFMT_PAIR = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;

function fromLogfmt(line: string): string | undefined {
  let best: string | undefined;
  let bestIndex = LEVEL_FIELDS.length;
  for (const match of line.matchAll(LOGFMT_PAIR)) {
    const index = LEVEL_FIELDS.findIndex((field) => field.toLowerCase() === match[1].toLowerCase());
    if (index >= 0 && index < bestIndex) {
      bestIndex = index;
      best = match[2].startsWith('"') ? match[2].slice(1, -1) : match[2];
    }
  }
  return best;
}

const WORDS: ReadonlyArray<[string, readonly string[]]> = [
  ['info', ['info:', 'INFO:', '[info]', '[INFO]', 'info', 'INFO']],
  ['error', ['err:', 'ERR:', '[err]', '[ERR]', '[error]', '[ERROR]']],
  ['warn', ['warn:', 'WARN:', '[warn]', '[WARN]', '[warning]', '[WARNING]', 'warning', 'WARNING']],
  ['critical', ['critical:', 'CRITICAL:', '[critical]', '[CRITICAL]']],
  ['debug', ['debug:', 'DEBUG:', '[debug]', '[DEBUG]', 'debug', 'DEBUG']],
];

function fromWords(line: string): string {
  for (const [level, words] of WORDS) if (words.some((word) => line.includes(word))) return level;
  return 'unknown';
}

function fromLine(line: string): string {
  const trimmed = line.trim();
  let value: string | undefined;
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) value = fromJson(line);
  else if (line.includes('=')) value = fromLogfmt(line);
  else return fromWords(line);
  return knownLevel(value) ?? fromWords(line);
}

/**
 * Returns the entry's structured metadata with `detected_level` added or normalized, as Loki
 * stores it.
 */
export function withDetectedLevel(streamLabels: readonly Label[], metadata: readonly Label[], line: string): Label[] {
  const existing = metadata.findIndex((l) => l.name === DETECTED_LEVEL);
  if (existing >= 0) {
    return metadata.map((l, i) => (i === existing ? { name: l.name, value: normalize(l.value) } : l));
  }
  const fromLabel = firstOf(streamLabels, LEVEL_FIELDS);
  const fromMetadata = fromLabel === undefined ? firstOf(metadata, LEVEL_FIELDS) : undefined;
  const severity = metadata.find((l) => l.name === 'severity_number')?.value;
  let level: string;
  if (fromLabel !== undefined) level = normalize(fromLabel);
  else if (fromMetadata !== undefined) level = normalize(fromMetadata);
  else if (severity !== undefined && severity !== '') level = fromSeverityNumber(severity);
  else level = fromLine(line);
  return level === '' ? [...metadata] : [...metadata, { name: DETECTED_LEVEL, value: level }];
}
