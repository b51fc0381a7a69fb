/**
 * The NodeSDK that `@otel-loki/exporter/register` starts: logs through
 * `BatchLogRecordProcessor` + {@link LokiLogRecordExporter}, auto-instrumentation when
 * `@opentelemetry/auto-instrumentations-node` is installed, a tracer provider that records
 * spans (so log records carry trace context) but exports none unless `OTEL_TRACES_EXPORTER`
 * says so, metrics only when `OTEL_METRICS_EXPORTER` says so, shutdown hooks (signals,
 * `beforeExit`) and crash capture (`'exit'`: uncaught exceptions, unhandled rejections,
 * `process.exit()`; see `exit-safe-processor.ts`).
 *
 * `@opentelemetry/sdk-node` and the auto-instrumentations are optional peers, loaded with
 * `require` here only, so that importing the exporter itself never loads them.
 */
import type { Env } from '../internal-types';
import { metrics } from '@opentelemetry/api';
import type { Context, MeterProvider } from '@opentelemetry/api';
import type * as SdkLogs from '@opentelemetry/sdk-logs';
import type { LogRecordExporter, LogRecordProcessor, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type * as AutoInstrumentations from '@opentelemetry/auto-instrumentations-node';
import type * as SdkNode from '@opentelemetry/sdk-node';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { logger } from '../observability/diagnostics';
import { ExitSafeLogRecordProcessor } from '../exit/exit-safe-processor';
import { LokiLogRecordExporter } from '../loki-log-record-exporter';
import { readRegisterSettings } from './register-environment';
import type { BatchSettings } from './register-environment';
import { installShutdownHooks } from './register-shutdown';

type SdkNodeModule = typeof SdkNode;
type SdkLogsModule = typeof SdkLogs;
type AutoInstrumentationsModule = typeof AutoInstrumentations;

/** Marks the process once the entry has run (it may be given both as --require and --import). */
const STARTED = Symbol.for('@otel-loki/exporter/register');

/** What {@link startFromEnvironment} started. */
export interface RegisteredTelemetry {
  shutdown(): Promise<void>;
  exporter: LokiLogRecordExporter;
}

/**
 * With a disk spool, each process gets its own `service.instance.id` (a random UUID, unless
 * `OTEL_RESOURCE_ATTRIBUTES` gives one), which Loki makes a label: each process then writes its
 * own streams, so that a process draining another's backlog (after a restart, or a takeover in
 * a shared directory) never sends entries more than an hour behind a stream's newest ("entry too
 * far behind"). The SDK's default detectors (env, process, host) plus the SDK's own
 * `serviceInstanceIdDetector`, in the order of the SDK's `OTEL_NODE_RESOURCE_DETECTORS=all`
 * (env last). Left alone when `OTEL_NODE_RESOURCE_DETECTORS` chooses the detectors.
 */
function spoolResourceDetectors(
  sdkNode: SdkNodeModule,
  env: Env
): NodeSDKConfiguration['resourceDetectors'] | undefined {
  if ((env.OTEL_EXPORTER_LOKI_SPOOL_DIR ?? '').trim() === '') return undefined;
  if ((env.OTEL_NODE_RESOURCE_DETECTORS ?? '').trim() !== '') return undefined;
  const resources = (sdkNode as Partial<SdkNodeModule>).resources;
  if (resources?.serviceInstanceIdDetector === undefined) return undefined;
  return [
    resources.hostDetector,
    resources.serviceInstanceIdDetector,
    resources.processDetector,
    resources.envDetector,
  ];
}

/**
 * Starts the NodeSDK as described in the module comment; returns `undefined` (and starts
 * nothing) when `OTEL_SDK_DISABLED=true`, when already started, or when
 * `@opentelemetry/sdk-node` cannot be loaded (with a process warning saying so).
 */
export function startFromEnvironment(env: Env = process.env): RegisteredTelemetry | undefined {
  const global = globalThis as { [STARTED]?: boolean };
  if (global[STARTED] === true) return undefined;
  global[STARTED] = true;
  const settings = readRegisterSettings(env);
  if (settings.disabled) {
    logger.debug('OTEL_SDK_DISABLED=true: @otel-loki/exporter/register starts nothing');
    return undefined;
  }
  const sdkNode = loadOptional<SdkNodeModule>('@opentelemetry/sdk-node');
  if (sdkNode === undefined) {
    process.emitWarning(
      '@otel-loki/exporter/register: @opentelemetry/sdk-node is not installed (npm i @opentelemetry/sdk-node); logs are not sent to Loki',
      'OtelLokiWarning'
    );
    return undefined;
  }
  const auto = loadOptional<AutoInstrumentationsModule>('@opentelemetry/auto-instrumentations-node');
  const exporter = new LokiLogRecordExporter();
  const processor = new LateBoundLogRecordProcessor();
  const configuration: Partial<NodeSDKConfiguration> = {
    logRecordProcessors: [processor],
    instrumentations: auto === undefined ? [] : [auto.getNodeAutoInstrumentations()],
  };
  // The SDK's defaults would export spans and metrics over OTLP to localhost:4318, which
  // usually is not there: only when the user asks for them.
  if (!settings.tracesFromEnvironment) configuration.spanProcessors = [NON_EXPORTING_SPAN_PROCESSOR];
  if (!settings.metricsFromEnvironment) configuration.metricReaders = [];
  const detectors = spoolResourceDetectors(sdkNode, env);
  if (detectors !== undefined) configuration.resourceDetectors = detectors;
  const providerBefore = metrics.getMeterProvider();
  const sdk = new sdkNode.NodeSDK(configuration);
  sdk.start();
  // The processor is built now that the SDK has registered its MeterProvider (if any), so that
  // its own self-observability metrics (records dropped when its queue is full) reach it.
  const providerAfter = metrics.getMeterProvider();
  // The batch processor sits inside one that remembers what it holds, so that a crash or a
  // process.exit() still delivers it (synchronously, within the exporter's exitTimeoutMillis).
  processor.bind(
    new ExitSafeLogRecordProcessor({
      exporter,
      createProcessor: (tracked) =>
        createBatchProcessor(
          sdkNode,
          tracked,
          settings.batch,
          providerAfter === providerBefore ? undefined : providerAfter
        ),
      maxQueueSize: settings.batch.maxQueueSize,
    })
  );
  logger.debug(
    `@otel-loki/exporter/register started (auto-instrumentation: ${auto === undefined ? 'not installed' : 'on'})`
  );
  // Logs first: the SDK shuts its providers down in parallel, and the MeterProvider's last
  // collection must see the counts of the final export.
  const shutdown = async (): Promise<void> => {
    await processor.shutdown();
    await sdk.shutdown();
  };
  installShutdownHooks(shutdown);
  return { shutdown, exporter };
}

/**
 * A `BatchLogRecordProcessor` of the sdk-logs that the NodeSDK uses: its `logs` namespace
 * (sdk-node 0.2xx), else the `@opentelemetry/sdk-logs` peer (sdk-node 0.3xx has no namespace).
 */
function createBatchProcessor(
  sdkNode: SdkNodeModule,
  exporter: LogRecordExporter,
  batch: BatchSettings,
  selfObsMeterProvider: MeterProvider | undefined
): LogRecordProcessor {
  const options: Record<string, unknown> = { exporter, selfObsMeterProvider };
  for (const [key, value] of Object.entries(batch)) if (value !== undefined) options[key] = value;
  const sdkLogs = (sdkNode as Partial<SdkNodeModule>).logs ?? loadOptional<SdkLogsModule>('@opentelemetry/sdk-logs');
  if (sdkLogs === undefined) throw new Error('@opentelemetry/sdk-logs is not installed');
  // The SDK's own type of the options; `selfObsMeterProvider` is ignored by versions without it.
  return new sdkLogs.BatchLogRecordProcessor(
    options as unknown as ConstructorParameters<SdkLogsModule['BatchLogRecordProcessor']>[0]
  );
}

/** `require(name)`, or `undefined` when the package is not installed. Other errors are reported. */
function loadOptional<T>(name: string): T | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer, loaded on demand
    return require(name) as T;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(name)) return undefined;
    process.emitWarning(
      `@otel-loki/exporter/register: could not load ${name}: ${(err as Error).message}`,
      'OtelLokiWarning'
    );
    return undefined;
  }
}

/**
 * A span processor that exports nothing: with it the SDK installs a tracer provider, so spans
 * get real ids and logs emitted inside them carry `trace_id` / `span_id`.
 */
const NON_EXPORTING_SPAN_PROCESSOR = Object.freeze({
  onStart(): void {},
  onEnd(): void {},
  forceFlush: (): Promise<void> => Promise.resolve(),
  shutdown: (): Promise<void> => Promise.resolve(),
}) as unknown as NonNullable<NodeSDKConfiguration['spanProcessors']>[number];

/**
 * A log record processor whose real processor is given after `NodeSDK.start()`; nothing is
 * emitted before (the logger provider is registered by `start()` itself).
 */
class LateBoundLogRecordProcessor implements LogRecordProcessor {
  private _inner: LogRecordProcessor | undefined;

  bind(inner: LogRecordProcessor): void {
    this._inner = inner;
  }

  onEmit(logRecord: SdkLogRecord, context?: Context): void {
    this._inner?.onEmit(logRecord, context);
  }

  forceFlush(): Promise<void> {
    return this._inner?.forceFlush() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this._inner?.shutdown() ?? Promise.resolve();
  }
}
