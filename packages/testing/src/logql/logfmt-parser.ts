/**
 * `| logfmt` with Loki's decoder: `--strict` stops at the first syntax error and sets
 * `LogfmtParserErr`, `--keep-empty` keeps keys without values, `| logfmt a, b="c"` extracts
 * only the named keys.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/logfmt/decode.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/parser.go
 */
import type { Extraction } from './ast';
import { sanitizeLabelKey } from './json-parser';
import { DUPLICATE_SUFFIX } from './labels-builder';
import type { LabelsBuilder } from './labels-builder';

const LOGFMT_PARSER_ERR = 'LogfmtParserErr';

interface Pair {
  key?: string;
  value?: string;
}

/** Loki's logfmt `Decoder`. */
class Decoder {
  pos = 0;
  err?: string;

  constructor(private readonly _line: string) {}

  eol(): boolean {
    return this.pos >= this._line.length;
  }

  private _error(message: string): void {
    this.err = `logfmt syntax error at pos ${Buffer.byteLength(this._line.slice(0, this.pos)) + 1} : ${message}`;
  }

  private _skipValue(): false {
    const line = this._line;
    while (this.pos < line.length && line.charCodeAt(this.pos) > 32) this.pos++;
    return false;
  }

  /** Scans one `key=value`; returns false (and maybe sets `err`) when it is not one. */
  scan(out: Pair): boolean {
    out.key = undefined;
    out.value = undefined;
    const line = this._line;
    while (this.pos < line.length && line.charCodeAt(this.pos) <= 32) this.pos++;
    if (this.pos >= line.length) return false;
    const start = this.pos;
    for (; this.pos < line.length; this.pos++) {
      const c = line[this.pos];
      if (c === '=') {
        if (this.pos === start) {
          this._error("unexpected '='");
          return this._skipValue();
        }
        out.key = line.slice(start, this.pos);
        return this._value(out);
      }
      if (c === '"') {
        this._error("unexpected '\"'");
        return this._skipValue();
      }
      if (line.charCodeAt(this.pos) <= 32) {
        out.key = line.slice(start, this.pos);
        return true;
      }
    }
    out.key = line.slice(start);
    return true;
  }

  private _value(out: Pair): boolean {
    const line = this._line;
    this.pos++;
    if (this.pos >= line.length || line.charCodeAt(this.pos) <= 32) return true;
    if (line[this.pos] === '"') return this._quoted(out);
    const start = this.pos;
    for (; this.pos < line.length; this.pos++) {
      const c = line[this.pos];
      if (c === '=' || c === '"') {
        this._error(`unexpected '${c}'`);
        return this._skipValue();
      }
      if (line.charCodeAt(this.pos) <= 32) break;
    }
    if (this.pos > start) out.value = line.slice(start, this.pos);
    return true;
  }

  private _quoted(out: Pair): boolean {
    const line = this._line;
    const start = this.pos;
    let escaped = false;
    let hasEscape = false;
    for (let i = this.pos + 1; i < line.length; i++) {
      const c = line[i];
      if (escaped) escaped = false;
      else if (c === '\\') {
        hasEscape = true;
        escaped = true;
      } else if (c === '"') {
        this.pos = i + 1;
        const raw = line.slice(start, this.pos);
        if (!hasEscape) {
          if (raw.length > 2) out.value = raw.slice(1, -1);
          return true;
        }
        try {
          out.value = JSON.parse(raw) as string;
        } catch {
          this._error('invalid quoted value');
          return false;
        }
        return true;
      }
    }
    this.pos = line.length;
    this._error('unterminated quoted value');
    return false;
  }
}

/** `| logfmt [--strict] [--keep-empty]`. */
export function parseLogfmtLine(line: string, strict: boolean, keepEmpty: boolean, lbs: LabelsBuilder): void {
  const hints = lbs.hints;
  if (hints.skipParsing()) return;
  const dec = new Decoder(line);
  const pair: Pair = {};
  while (!dec.eol()) {
    if (!dec.scan(pair)) {
      if (strict) break;
      continue;
    }
    const key = lbs.resolveKey(pair.key ?? '');
    if (key.length === 0) continue;
    if (!hints.shouldExtract(key) && !lbs.hasParsed(key)) continue;
    const value = (pair.value ?? '').replace(/\uFFFD/g, ' ');
    if (!keepEmpty && value.length === 0) continue;
    lbs.setParsed(key, value);
    if (hints.allRequiredExtracted()) break;
  }
  if (strict && dec.err !== undefined) lbs.setError(LOGFMT_PARSER_ERR, dec.err);
}

/** `| logfmt a, b="c"`: only the named keys, each "" until found. */
export function parseLogfmtExpressions(
  line: string,
  strict: boolean,
  extractions: Extraction[],
  lbs: LabelsBuilder
): void {
  if (lbs.hints.skipParsing()) return;
  const byKey = new Map<string, string>();
  for (const ex of extractions) {
    byKey.set(ex.expression, ex.name);
    if (!lbs.baseHas(ex.name)) lbs.setParsed(ex.name, '');
  }
  const dec = new Decoder(line);
  const pair: Pair = {};
  while (!dec.eol()) {
    if (!dec.scan(pair)) {
      if (strict) break;
      continue;
    }
    const key = sanitizeLabelKey(pair.key ?? '', true);
    const id = byKey.get(key);
    if (id === undefined) continue;
    const value = (pair.value ?? '').includes('\uFFFD') ? '' : (pair.value ?? '');
    lbs.setParsed(lbs.baseHas(id) ? id + DUPLICATE_SUFFIX : id, value);
  }
  if (strict && dec.err !== undefined) lbs.setError(LOGFMT_PARSER_ERR, dec.err);
}
