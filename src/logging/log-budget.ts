/**
 * At most `perWindow` lines per window for one kind of event that an attacker can repeat at will
 * (refused connections, timed-out handshakes): the rest are counted, and the next line that is
 * written says how many were left out.
 */
export class LogBudget {
  private windowStart = 0;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly perWindow = 10,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined: do not log this one. Otherwise log it, with `suppressed` when lines were left out. */
  take(): { suppressed?: number } | undefined {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.perWindow) {
      this.suppressed++;
      return undefined;
    }
    this.used++;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return suppressed > 0 ? { suppressed } : {};
  }
}
