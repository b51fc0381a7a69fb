/**
 * A promise raced against a timer, for every bounded wait of the exporter (an export handing
 * off to the retry buffer, shutdown draining exports, the exit hooks' shutdown). Never rejects;
 * the timer is cleared as soon as the promise settles.
 */

/** How a promise settled within the time given, or that it did not. */
export type SettleResult<T> =
  { status: 'fulfilled'; value: T } | { status: 'rejected'; reason: unknown } | { status: 'timedOut' };

/** Settings of {@link settleWithin}. */
export interface SettleWithinOptions {
  /**
   * Keep the process alive while waiting (a ref'd timer): for a wait the process must outlive,
   * such as shutting down after a signal. By default the timer is unref'd.
   * @default false
   */
  keepAlive?: boolean;
}

/** How `promise` settles, or `timedOut` after `millis`. */
export function settleWithin<T>(
  promise: Promise<T>,
  millis: number,
  options: SettleWithinOptions = {}
): Promise<SettleResult<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ status: 'timedOut' }), millis);
    if (options.keepAlive !== true) timer.unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ status: 'fulfilled', value });
      },
      (reason: unknown) => {
        clearTimeout(timer);
        resolve({ status: 'rejected', reason });
      }
    );
  });
}
