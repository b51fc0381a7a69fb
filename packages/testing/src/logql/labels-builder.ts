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

/** Which labels parsers extract (Loki's `ParserHint`); `undefined` required means all. */
export class ParserHints {
  private readonly _extracted = new Set<string>();

  constructor(
    readonly required: readonly string[] | undefined,
    readonly noLabels: boolean,
    readonly preserveError = false
  ) {}

  shouldExtract(key: string): boolean {
    if (this._extracted.has(key)) return false;
    return this.required === undefined || this.required.includes(key);
  }

  shouldExtractPrefix(prefix: string): boolean {
    return this.required === undefined || this.required.some((l) => l.startsWith(prefix));
  }

  /** True when parsers may skip the line entirely. */
  skipParsing(): boolean {
    return this.noLabels || this.allRequiredExtracted();
  }

  recordExtracted(key: string): void {
    this._extracted.add(key);
  }

  allRequiredExtracted(): boolean {
    if (this.required === undefined || this.required.length === 0) return false;
    return this.required.every((l) => this._extracted.has(l));
  }

  reset(): void {
    this._extracted.clear();
  }
}

/** Hints that extract everything (log queries). */
export const NO_HINTS = new ParserHints(undefined, false);

/** Loki's `LabelsBuilder` for one entry. */
export class LabelsBuilder {
  readonly metadata = new Map<string, string>();
  readonly parsed = new Map<string, string>();
  private readonly _deleted = new Set<string>();
  private readonly _baseMap: Map<string, string>;
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
    this.metadata.clear();
    this.parsed.clear();
    this._deleted.clear();
    this.err = '';
    this.errDetails = '';
    this.hints.reset();
    for (const l of metadata) {
      const name = this._baseMap.has(l.name) ? l.name + DUPLICATE_SUFFIX : l.name;
      if (name === ERROR_LABEL) this.err = l.value;
      else if (name === ERROR_DETAILS_LABEL) this.errDetails = l.value;
      else if (!this.parsed.has(name)) this.metadata.set(name, l.value);
    }
  }

  baseHas(name: string): boolean {
    return this._baseMap.has(name);
  }

  get(name: string): string | undefined {
    const parsed = this.parsed.get(name);
    if (parsed !== undefined) return parsed;
    const meta = this.metadata.get(name);
    if (meta !== undefined) return meta;
    if (this._deleted.has(name)) return undefined;
    return this._baseMap.get(name);
  }

  /** A parsed label: it wins over metadata and stream labels of the same name. */
  setParsed(name: string, value: string): void {
    this.metadata.delete(name);
    if (!this.parsed.has(name)) this.hints.recordExtracted(name);
    this.parsed.set(name, value);
  }

  delete(name: string): void {
    this.parsed.delete(name);
    this.metadata.delete(name);
    this._deleted.add(name);
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
      if (this._deleted.has(l.name) || this.parsed.has(l.name) || this.metadata.has(l.name)) continue;
      result.push(l);
    }
    for (const [name, value] of this.metadata) if (!this.parsed.has(name)) result.push({ name, value });
    for (const [name, value] of this.parsed) result.push({ name, value });
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
      if (l.name === ERROR_LABEL || l.name === ERROR_DETAILS_LABEL || this.parsed.has(l.name)) parsed.push(l);
      else if (this.metadata.has(l.name)) metadata.push(l);
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
