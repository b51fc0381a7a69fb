/** ReadableLogRecord fixtures built directly, so that every field is under the test's control. */
import type { HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { ExportResult } from '../../src/loki-log-record-exporter';
import type { LokiLogRecordExporter } from '../../src/loki-log-record-exporter';

/** 2026-01-02T03:04:05.123456789Z as HrTime: a fixed, recent time. */
export const T0: HrTime = [1767323045, 123456789];
export const T0_NANOS = 1767323045123456789n;
/** Now for tests, a minute after T0. */
export const NOW_MILLIS = 1767323105123;

export const DEFAULT_RESOURCE = resourceFromAttributes({ 'service.name': 'api' });
export const DEFAULT_SCOPE = { name: 'test-scope' };

/** Overrides of a record fixture. */
export type RecordFields = Partial<Omit<ReadableLogRecord, 'resource'>> & {
  resource?: Resource | Record<string, unknown>;
};

const resources = new Map<string, Resource>();
const fakeResources = new WeakSet<object>();

/** A record; `resource` may be given as attributes (a Resource is made and reused per content). */
export function logRecord(fields: RecordFields = {}): ReadableLogRecord {
  let resource = fields.resource ?? DEFAULT_RESOURCE;
  if (!isResource(resource)) {
    const key = JSON.stringify(resource, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    let made = resources.get(key);
    if (made === undefined) {
      made = { attributes: resource } as unknown as Resource;
      fakeResources.add(made);
      resources.set(key, made);
    }
    resource = made;
  }
  return {
    hrTime: T0,
    hrTimeObserved: T0,
    attributes: {},
    droppedAttributesCount: 0,
    instrumentationScope: DEFAULT_SCOPE,
    ...fields,
    resource,
  } as ReadableLogRecord;
}

function isResource(value: unknown): value is Resource {
  return typeof (value as Resource).merge === 'function' || fakeResources.has(value as object);
}

/** Runs `export` and resolves with its (single) result. */
export function exportAndWait(exporter: LokiLogRecordExporter, records: ReadableLogRecord[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(records, resolve));
}
