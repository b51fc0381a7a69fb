export { LokiTestServer, FAKE_TENANT } from './loki-test-server';
export { DEFAULT_SERVER_LIMITS, DEFAULT_DISCOVER_SERVICE_NAME } from './server-config';
export { LogqlQueryError } from './logql/errors';
export type {
  LokiTestServerOptions,
  LokiTestServerCors,
  LokiServerLimits,
  StoredEntry,
  EntriesFilter,
  ReceivedRequest,
  RequestKind,
  RequestInfo,
  FailureSpec,
  FailWhenOptions,
  LokiTestServerCounters,
  QueryOptions,
  QueryTime,
  QueryResult,
  QueryStreamValue,
  StreamsQueryResult,
  MatrixQueryResult,
  VectorQueryResult,
  ScalarQueryResult,
} from './types';
// The parsers, validators and the ingester are internal: their shapes follow Loki's code, not a public contract.
