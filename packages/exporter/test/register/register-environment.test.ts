/** What the register entry reads from the environment (OTEL_BLRP_*, OTEL_SDK_DISABLED, exporters). */
import { expect } from 'chai';
import { readRegisterSettings } from '../../src/register/register-environment';
import { captureDiag, restoreDiag } from '../helpers/diag';

describe('register entry: environment', () => {
  afterEach(() => restoreDiag());

  it('with an empty environment: enabled, SDK batch defaults, no span or metric export', () => {
    const settings = readRegisterSettings({});

    expect(settings).to.deep.equal({
      disabled: false,
      batch: {
        scheduledDelayMillis: undefined,
        exportTimeoutMillis: undefined,
        maxQueueSize: undefined,
        maxExportBatchSize: undefined,
      },
      tracesFromEnvironment: false,
      metricsFromEnvironment: false,
    });
  });

  it('parses OTEL_BLRP_* as whole numbers', () => {
    const settings = readRegisterSettings({
      OTEL_BLRP_SCHEDULE_DELAY: '0',
      OTEL_BLRP_EXPORT_TIMEOUT: '5000',
      OTEL_BLRP_MAX_QUEUE_SIZE: ' 4096 ',
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '256',
    });

    expect(settings.batch).to.deep.equal({
      scheduledDelayMillis: 0,
      exportTimeoutMillis: 5000,
      maxQueueSize: 4096,
      maxExportBatchSize: 256,
    });
  });

  it('an invalid OTEL_BLRP_* value warns, naming it, and keeps the default', () => {
    const diagSpies = captureDiag();

    const settings = readRegisterSettings({ OTEL_BLRP_MAX_QUEUE_SIZE: '0', OTEL_BLRP_EXPORT_TIMEOUT: '1.5s' });

    expect(settings.batch.maxQueueSize).to.equal(undefined);
    expect(settings.batch.exportTimeoutMillis).to.equal(undefined);
    expect(diagSpies.warnings().join('\n'))
      .to.include('OTEL_BLRP_MAX_QUEUE_SIZE')
      .and.include('OTEL_BLRP_EXPORT_TIMEOUT');
  });

  it('OTEL_SDK_DISABLED is true only for "true" (any case)', () => {
    expect(readRegisterSettings({ OTEL_SDK_DISABLED: 'TRUE' }).disabled).to.equal(true);
    expect(readRegisterSettings({ OTEL_SDK_DISABLED: '1' }).disabled).to.equal(false);
    expect(readRegisterSettings({ OTEL_SDK_DISABLED: 'false' }).disabled).to.equal(false);
  });

  it('spans are exported only when OTEL_TRACES_EXPORTER names an exporter other than none', () => {
    expect(readRegisterSettings({ OTEL_TRACES_EXPORTER: 'otlp' }).tracesFromEnvironment).to.equal(true);
    expect(readRegisterSettings({ OTEL_TRACES_EXPORTER: 'console,otlp' }).tracesFromEnvironment).to.equal(true);
    expect(readRegisterSettings({ OTEL_TRACES_EXPORTER: 'none' }).tracesFromEnvironment).to.equal(false);
    expect(readRegisterSettings({ OTEL_TRACES_EXPORTER: ' ' }).tracesFromEnvironment).to.equal(false);
  });

  it('metrics follow OTEL_METRICS_EXPORTER when it is set (none included), else none', () => {
    expect(readRegisterSettings({ OTEL_METRICS_EXPORTER: 'prometheus' }).metricsFromEnvironment).to.equal(true);
    expect(readRegisterSettings({ OTEL_METRICS_EXPORTER: 'none' }).metricsFromEnvironment).to.equal(true);
    expect(readRegisterSettings({}).metricsFromEnvironment).to.equal(false);
  });
});
