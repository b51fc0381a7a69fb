/**
 * The labels of one entry as a pipeline changes them: stream labels, structured metadata and
 * parsed labels, with Loki's precedence (parsed > metadata > stream), deletions, `__error__` /
 * `__error_details__`, and the parser hints that limit extraction in metric queries.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/labels.go
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/logql/log/parser_hints.go
 */
import type { Label } from '../internal-types';

export const ERROR_LABEL = '__error__';
export const ERROR_DETAILS_LABEL = '__error_details__';
export const PRESERVE_ERROR_LABEL = '__preserve_error__';
export const DUPLICATE_SUFFIX = '_extracted';
/** Parsed keys remembered per stream (bounded: keys can be unique per line). */
const MAX_CACHED_KEYS = 4096;
const VALID_KEY = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Loki's `sanitizeLabelKey(key, true)`. */
function sanitizeKey(key: string): string {
  if (VALID_KEY.test(key)) return key;
  let k = key.trim();
  if (k.length === 0) return k;
  if (k[0] >= '0' && k[0] <= '9') k = '_' + k;
  return k.replace(/[^a-zA-Z0-9_]/g, '_');
}

/**
 * A small list of name/value pairs, reused from entry to entry without allocating (a `Map` or
 * `Set` allocates a new table on every `clear()`).
 */
class PairList {
  names: string[] = [];
  values: string[] = [];
  size = 0;

  indexOf(name: string): number {
    for (let i = 0; i < this.size; i++) if (this.names[i] === name) return i;
    return -1;
  }

  get(name: string): string | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  set(name: string, value: string): boolean {
    const i = this.indexOf(name);
    if (i >= 0) {
      this.values[i] = value;
      return false;
    }
    this.names[this.size] = name;
    this.values[this.size++] = value;
    return true;
  }

  delete(name: string): void {
    const i = this.indexOf(name);
    if (i < 0) return;
    this.size--;
    this.names[i] = this.names[this.size];
    this.values[i] = this.values[this.size];
  }

  clear(): void {
    this.size = 0;
  }
}

/** Which labels parsers extract (Loki's `ParserHint`); `undefined` required means all. */
export class ParserHints {
  private readonly _extracted = new PairList();
  private _requiredFound = 0;

  constructor(
    readonly required: readonly string[] | undefined,
    readonly noLabels: boolean,
    readonly preserveError = false
  ) {}

  shouldExtract(key: string): boolean {
    if (this.required === undefined) return !this._extracted.has(key);
    return this.required.includes(key) && !this._extracted.has(key);
  }

  shouldExtractPrefix(prefix: string): boolean {
    return this.required === undefined || this.required.some((l) => l.startsWith(prefix));
  }

  /** True when parsers may skip the line entirely. */
  skipParsing(): boolean {
    return this.noLabels || this.allRequiredExtracted();
  }

  recordExtracted(key: string): void {
    if (!this._extracted.set(key, '')) return;
    if (this.required !== undefined && this.required.includes(key)) this._requiredFound++;
  }

  allRequiredExtracted(): boolean {
    return this.required !== undefined && this.required.length > 0 && this._requiredFound === this.required.length;
  }

  reset(): void {
    this._extracted.clear();
    this._requiredFound = 0;
  }
}

/** Hints that extract everything (log queries). */
export const NO_HINTS = new ParserHints(undefined, false);

/** Loki's `LabelsBuilder` for one entry. */
export class LabelsBuilder {
  private readonly _metadata = new PairList();
  private readonly _parsed = new PairList();
  private readonly _deleted = new PairList();
  private readonly _baseMap: Map<string, string>;
  private readonly _keys = new Map<string, string>();
  err = '';
  errDetails = '';

  constructor(
    readonly base: readonly Label[],
    readonly hints: ParserHints = NO_HINTS
  ) {
    this._baseMap = new Map(base.map((l) => [l.name, l.value]));
  }

  /** Starts a new entry with its structured metadata (a name of a stream label gets `_extracted`). */
  reset(metadata: readonly Label[]): void {
    this._metadata.clear();
    this._parsed.clear();
    this._deleted.clear();
    this.err = '';
    this.errDetails = '';
    this.hints.reset();
    for (let i = 0; i < metadata.length; i++) {
      const l = metadata[i];
      const name = this._baseMap.has(l.name) ? l.name + DUPLICATE_SUFFIX : l.name;
      if (name === ERROR_LABEL) this.err = l.value;
      else if (name === ERROR_DETAILS_LABEL) this.errDetails = l.value;
      else this._metadata.set(name, l.value);
    }
  }

  baseHas(name: string): boolean {
    return this._baseMap.has(name);
  }

  /**
   * A parser's label name for `key`: sanitized (unless `sanitized`), with `_extracted` when a
   * stream label has that name. Cached per stream, as Loki's parsers intern keys.
   */
  resolveKey(key: string, sanitized = false): string {
    let name = this._keys.get(key);
    if (name === undefined) {
      name = sanitized ? key : sanitizeKey(key);
      if (this._baseMap.has(name)) name += DUPLICATE_SUFFIX;
      if (this._keys.size < MAX_CACHED_KEYS) this._keys.set(key, name);
    }
    return name;
  }

  get(name: string): string | undefined {
    const parsed = this._parsed.get(name);
    if (parsed !== undefined) return parsed;
    const meta = this._metadata.get(name);
    if (meta !== undefined) return meta;
    if (this._deleted.size > 0 && this._deleted.has(name)) return undefined;
    return this._baseMap.get(name);
  }

  hasParsed(name: string): boolean {
    return this._parsed.has(name);
  }

  /** A parsed label: it wins over metadata and stream labels of the same name. */
  setParsed(name: string, value: string): void {
    this._metadata.delete(name);
    if (this._parsed.set(name, value)) this.hints.recordExtracted(name);
  }

  delete(name: string): void {
    this._parsed.delete(name);
    this._metadata.delete(name);
    this._deleted.set(name, '');
  }

  setError(err: string, details?: string): void {
    this.err = err;
    if (details !== undefined) this.errDetails = details;
    if (this.hints.preserveError) this.setParsed(PRESERVE_ERROR_LABEL, 'true');
  }

  /** All labels, sorted by name, `__error__` and `__error_details__` included. */
  labels(): Label[] {
    const result: Label[] = [];
    for (const l of this.base) {
      if (this._deleted.has(l.name) || this._parsed.has(l.name) || this._metadata.has(l.name)) continue;
      result.push(l);
    }
    const meta = this._metadata;
    for (let i = 0; i < meta.size; i++) {
      if (!this._parsed.has(meta.names[i])) result.push({ name: meta.names[i], value: meta.values[i] });
    }
    const parsed = this._parsed;
    for (let i = 0; i < parsed.size; i++) result.push({ name: parsed.names[i], value: parsed.values[i] });
    if (this.err !== '') result.push({ name: ERROR_LABEL, value: this.err });
    if (this.errDetails !== '') result.push({ name: ERROR_DETAILS_LABEL, value: this.errDetails });
    return result.sort(compareLabels);
  }

  /** The labels as a map, as templates see them. */
  map(): Map<string, string> {
    return new Map(this.labels().map((l) => [l.name, l.value]));
  }

  /** The labels split as `categorize-labels` returns them. */
  categorized(): { stream: Label[]; metadata: Label[]; parsed: Label[] } {
    const stream: Label[] = [];
    const metadata: Label[] = [];
    const parsed: Label[] = [];
    for (const l of this.labels()) {
      if (l.name === ERROR_LABEL || l.name === ERROR_DETAILS_LABEL || this._parsed.has(l.name)) parsed.push(l);
      else if (this._metadata.has(l.name)) metadata.push(l);
      else stream.push(l);
    }
    return { stream, metadata, parsed };
  }
}

/** Go's byte-wise string order, as `labels.Compare` and `sort.Strings` use. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order equals UTF-8 byte order except around surrogates; labels are mostly ASCII.
  if (isAsciiOrBmp(a) && isAsciiOrBmp(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isAsciiOrBmp(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return false;
    if (c >= 0xe000) return false;
  }
  return true;
}

export function compareLabels(a: Label, b: Label): number {
  return compareStrings(a.name, b.name);
}
