/**
 * `GET /loki/api/v1/status/buildinfo`: Prometheus' `PrometheusVersion` shape, naming the Loki
 * version this server behaves like. No tenant is needed, as in Loki.
 *
 * @see https://github.com/grafana/loki/blob/v3.4.6/pkg/loki/version_handler.go
 */
import type { HttpAnswer } from '../internal-types';
import { jsonAnswer } from './loki-params';

/** What `lokiVersion: '3.4'` reports: Loki v3.4.6's tag and Go version. */
const LOKI_3_4 = { version: '3.4.6', revision: '2b7b94ffbf', goVersion: 'go1.23.12' };
/** What `lokiVersion: 'latest'` reports: the newest release whose behaviour is emulated. */
const LOKI_LATEST = { version: '3.7.6', revision: '5003600d7c', goVersion: 'go1.26.5' };

/** Answers `status/buildinfo`. */
export function handleBuildInfo(lokiVersion: '3.4' | 'latest'): HttpAnswer {
  const release = lokiVersion === '3.4' ? LOKI_3_4 : LOKI_LATEST;
  return jsonAnswer(
    {
      version: release.version,
      revision: release.revision,
      branch: `release-${release.version.split('.').slice(0, 2).join('.')}.x`,
      buildUser: '@otel-loki/testing',
      buildDate: '',
      goVersion: release.goVersion,
    },
    200,
    'application/json'
  );
}
