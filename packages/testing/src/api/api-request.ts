/** What the endpoints of this folder get from the server for one request. */
import type { Ingester } from '../ingest/ingester';

/** One request to a metadata endpoint, reduced to what the handlers need. */
export interface ApiRequest {
  path: string;
  params: URLSearchParams;
  headers: Record<string, string>;
  /** Tenant, for endpoints that need one. */
  tenant: string;
  nowMillis: number;
  ingester: Ingester;
  lokiVersion: '3.4' | 'latest';
}
