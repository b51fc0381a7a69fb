/** Defaults of Loki's server configuration that clients and the test server both follow. */

/**
 * Loki's `discover_service_name` default: when a stream has no `service_name`, the first of
 * these labels present gives it one, else `unknown_service`.
 *
 * @see https://github.com/grafana/loki/blob/main/pkg/validation/limits.go
 */
export const LOKI_DISCOVER_SERVICE_NAME: readonly string[] = Object.freeze([
  'service',
  'app',
  'application',
  'app_name',
  'name',
  'app_kubernetes_io_name',
  'container',
  'container_name',
  'k8s_container_name',
  'component',
  'workload',
  'job',
  'k8s_job_name',
]);
