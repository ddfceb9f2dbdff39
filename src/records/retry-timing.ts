/**
 * Back-off of call-record deliveries. Not environment variables: the defaults suit any receiver;
 * the token exists so tests can make retries take milliseconds.
 */
export interface RetryTiming {
  /** Wait before the second attempt; doubles per attempt, with jitter. */
  baseDelayMs: number;
  /** No single wait is longer. */
  maxDelayMs: number;
  /** No retry starts later than this after the first attempt, whatever maxAttempts allows. */
  maxTotalMs: number;
  /** While flushing for shutdown, waits are cut to this so retries happen before the deadline. */
  flushDelayMs: number;
}

export const RETRY_TIMING = Symbol('CALL_RECORD_RETRY_TIMING');

export const DEFAULT_RETRY_TIMING: RetryTiming = {
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxTotalMs: 120_000,
  flushDelayMs: 100,
};

/**
 * The wait after failed attempt number `attempt` (1-based): exponential, capped, and jittered
 * down to half so that records failing together (a receiver restart) do not retry together.
 */
export function backoffDelayMs(attempt: number, timing: RetryTiming, random: () => number = Math.random): number {
  const full = Math.min(timing.maxDelayMs, timing.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(full * (0.5 + random() / 2));
}
