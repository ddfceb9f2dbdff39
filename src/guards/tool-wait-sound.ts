/** Frames handed to the client per tick, and how often: the sound runs at most this far ahead. */
const FRAMES_PER_TICK = 5;
const TICK_MS = FRAMES_PER_TICK * 20;

/**
 * A soft looped sound while a slow tool works, so the caller does not sit in dead air. It starts
 * only after a delay (fast tools never make a sound), only while the agent is silent, and stops
 * the moment the result is in or the agent speaks. It is fed in real time, one tick ahead, so
 * stopping leaves at most a tick of it queued at the caller's end, never under agent speech.
 */
export class ToolWaitSound {
  private delayTimer: NodeJS.Timeout | undefined;
  private tick: NodeJS.Timeout | undefined;
  private next = 0;
  private waiting = 0;

  constructor(
    private readonly frames: readonly Buffer[],
    private readonly afterMs: number,
    private readonly out: { play(frames: readonly Buffer[]): void; agentAudible(): boolean },
    signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.silence(), { once: true });
  }

  /** A tool started working. */
  toolStarted(): void {
    if (this.afterMs <= 0 || this.frames.length === 0) return;
    if (this.waiting++ > 0) return;
    this.delayTimer = setTimeout(() => this.begin(), this.afterMs);
  }

  /** A tool's result is in: the sound stops once no tool is left working. */
  toolDone(): void {
    if (this.waiting === 0) return;
    if (--this.waiting === 0) this.silence();
  }

  /** The agent is speaking: the sound gives way (and does not come back for this wait). */
  agentSpeaks(): void {
    if (this.tick || this.delayTimer) this.silence();
  }

  get playing(): boolean {
    return this.tick !== undefined;
  }

  private begin(): void {
    this.delayTimer = undefined;
    if (this.out.agentAudible()) return;
    this.feed();
    this.tick = setInterval(() => this.feed(), TICK_MS);
  }

  private feed(): void {
    const batch: Buffer[] = [];
    for (let i = 0; i < FRAMES_PER_TICK; i++) {
      batch.push(this.frames[this.next]);
      this.next = (this.next + 1) % this.frames.length;
    }
    this.out.play(batch);
  }

  private silence(): void {
    clearTimeout(this.delayTimer);
    clearInterval(this.tick);
    this.delayTimer = undefined;
    this.tick = undefined;
  }
}
