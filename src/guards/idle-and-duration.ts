/**
 * The two clocks of a call that no participant stops by themselves: a caller who says nothing
 * (hold music, a phone left off the hook) and a call that runs past its allowed length. Pure
 * timing: what to say and how to hang up belong to the call engine, which listens.
 */
export interface IdleAndDurationSettings {
  /** Quiet on both sides for this long makes the agent check in; 0 = off. */
  idlePromptMs: number;
  /** Check-ins left unanswered before the call is given up (no_input). */
  idleMaxPrompts: number;
  /** Hard limit on the call's length; 0 = unlimited. */
  maxCallSeconds: number;
  /** How long before the limit the model is told to wrap up. */
  wrapUpSeconds: number;
}

export interface IdleAndDurationListener {
  /** The line has been quiet: ask the caller whether they are still there (1 = the first time). */
  checkIn(attempt: number): void;
  /** Every check-in went unanswered: say goodbye and end the call (outcome no_input). */
  giveUpSilent(): void;
  /** The limit is near: the model should bring the conversation to a close. */
  wrapUp(): void;
  /** The limit is reached: let the closing words finish (bounded), then end the call. */
  limitReached(): void;
}

/**
 * The idle clock runs only while nobody is busy: agent speech and tool work hold it, and it starts
 * again from zero when they are done. Only the caller (speech, a keypress) answers a check-in.
 */
export class IdleAndDurationGuard {
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly durationTimers: NodeJS.Timeout[] = [];
  private unanswered = 0;
  private busyReasons = 0;
  private stopped = false;

  constructor(
    private readonly settings: IdleAndDurationSettings,
    private readonly listener: IdleAndDurationListener,
    signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.stop(), { once: true });
    if (signal.aborted) this.stop();
  }

  /** From the moment the call is connected to the model. */
  start(): void {
    if (this.stopped) return;
    const { maxCallSeconds, wrapUpSeconds } = this.settings;
    if (maxCallSeconds > 0) {
      const wrapAtMs = (maxCallSeconds - wrapUpSeconds) * 1000;
      if (wrapUpSeconds > 0 && wrapAtMs > 0) this.durationTimers.push(setTimeout(() => this.listener.wrapUp(), wrapAtMs));
      this.durationTimers.push(setTimeout(() => this.listener.limitReached(), maxCallSeconds * 1000));
    }
    this.armIdle();
  }

  /** The caller spoke or pressed a key: check-ins are answered, and the quiet starts again. */
  callerActive(): void {
    this.unanswered = 0;
    this.armIdle();
  }

  /** Agent speech or tool work began: the line is not idle until `idle()` balances it. */
  busy(): void {
    this.busyReasons++;
    clearTimeout(this.idleTimer);
  }

  idle(): void {
    if (this.busyReasons > 0) this.busyReasons--;
    this.armIdle();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.idleTimer);
    for (const t of this.durationTimers) clearTimeout(t);
  }

  private armIdle(afterMs = this.settings.idlePromptMs): void {
    clearTimeout(this.idleTimer);
    if (this.stopped || this.busyReasons > 0 || this.settings.idlePromptMs <= 0) return;
    this.idleTimer = setTimeout(() => this.onIdle(), afterMs);
  }

  private onIdle(): void {
    if (this.unanswered >= this.settings.idleMaxPrompts) {
      this.stop();
      this.listener.giveUpSilent();
      return;
    }
    this.unanswered++;
    this.listener.checkIn(this.unanswered);
    // The check-in is agent speech: the engine holds the clock with busy() while it plays, and the
    // quiet after it is measured again from its end. Until the reply starts, a slow model must not
    // count as a second unanswered check-in; a reply that never comes still does, later.
    this.armIdle(2 * this.settings.idlePromptMs);
  }
}
