/**
 * A token bucket: `ratePerSecond` units refill continuously up to `burst`. Used per connection for
 * caller audio bytes (real time plus a margin), messages and keypresses. One subtraction and one
 * clock read per use: cheap enough for 50 audio messages a second per call.
 */
export class RateBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes `units` if available (all or nothing). */
  take(units = 1): boolean {
    this.refill();
    if (this.tokens < units) return false;
    this.tokens -= units;
    return true;
  }

  /** Takes as many of `units` as are available, rounded down to a multiple of `step`; returns them. */
  takeUpTo(units: number, step = 1): number {
    this.refill();
    const granted = Math.min(units, Math.floor(this.tokens / step) * step);
    this.tokens -= granted;
    return granted;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
      this.last = now;
    }
  }
}

/** 8 kHz 16-bit mono: what AVR core sends in real time. */
const CALLER_BYTES_PER_SECOND = 16000;
/** Caller audio beyond real time plus this margin is dropped... */
const CALLER_RATE_MARGIN = 1.1;
/** ...after a burst of this much (a network stall released at once, a big first message). */
const CALLER_BURST_SECONDS = 5;

/** The caller-audio bound of one call. */
export function callerAudioBudget(now?: () => number): RateBudget {
  return new RateBudget(CALLER_BYTES_PER_SECOND * CALLER_RATE_MARGIN, CALLER_BYTES_PER_SECOND * CALLER_BURST_SECONDS, now);
}

/** Keypresses per second one call may send upstream (each becomes a conversation item and a response). */
export function keypressBudget(now?: () => number): RateBudget {
  return new RateBudget(5, 10, now);
}
