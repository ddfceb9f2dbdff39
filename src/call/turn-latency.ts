import type { MetricsService } from '../metrics/metrics.service.js';

/**
 * Frames further apart than this are two stretches of agent audio. Realtime sends a response faster
 * than real time and GPT-Live in ~100 ms deltas at real-time pace (five frames at once), while
 * GPT-Live's turns are at least the caller's words and the model's lag apart.
 */
export const AGENT_RUN_GAP_MS = 300;

/**
 * Per turn, the caller's end of speech to the first agent frame sent: what a caller feels as lag.
 *
 * Two ways to learn the caller's end:
 * - `callerStopped()`, as it happens (Realtime's server VAD): the next agent frame ends the measure;
 * - `callerTurnEnded(at)`, after the fact (GPT-Live's timed transcript, which lags speech by up to a
 *   second, so it may come after the agent began to answer): the answer is the first agent frame
 *   sent after `at` that begins a stretch of agent audio, sent before or after the event.
 */
export class TurnLatency {
  readonly perTurnMs: number[] = [];
  private stoppedAt = 0;
  private awaiting = false;
  /** A timed caller end whose answer has not been sent yet. */
  private pendingEndAt: number | undefined;
  private lastFrameAt = Number.NEGATIVE_INFINITY;
  /** First frame of the current stretch of agent audio, and whether a sample has used it. */
  private runStartedAt = Number.NEGATIVE_INFINITY;
  private runMeasured = false;

  constructor(
    private readonly metrics: MetricsService,
    private readonly now: () => number = Date.now,
  ) {}

  /** The caller stopped speaking just now. */
  callerStopped(): void {
    // The agent's audio is still going out (the caller spoke over it and it was not cut short, as
    // in a protected greeting, or GPT-Live reported an overlap as a whole): the next frame answers
    // nothing, so it is no turn to measure.
    if (this.now() - this.lastFrameAt < AGENT_RUN_GAP_MS) return;
    this.stoppedAt = this.now();
    this.awaiting = true;
    this.pendingEndAt = undefined;
  }

  /** The caller's turn ended at `at` (epoch ms), learnt after the fact. */
  callerTurnEnded(at: number): void {
    this.awaiting = false;
    this.pendingEndAt = undefined;
    if (this.runStartedAt >= at) {
      // The answer has begun already; a stretch another caller end was measured against is not reused.
      if (!this.runMeasured) this.record(this.runStartedAt - at);
      return;
    }
    // Agent audio was going out at `at` (the caller's end maps into the agent's speech: clocks
    // apart, or the caller spoke over the agent): skipped, not clamped, since a 0 ms turn would
    // pull the median down and no answer can be told apart.
    if (this.lastFrameAt >= at) return;
    this.pendingEndAt = at;
  }

  /** A barge-in is no turn to measure. */
  cancel(): void {
    this.awaiting = false;
    this.pendingEndAt = undefined;
  }

  agentFrame(): void {
    const now = this.now();
    const startsRun = now - this.lastFrameAt >= AGENT_RUN_GAP_MS;
    this.lastFrameAt = now;
    if (startsRun) {
      this.runStartedAt = now;
      this.runMeasured = false;
    }
    if (this.awaiting) {
      this.awaiting = false;
      this.record(now - this.stoppedAt);
      return;
    }
    const endAt = this.pendingEndAt;
    if (endAt === undefined) return;
    this.pendingEndAt = undefined;
    // A frame that continues audio already going out answers nothing; a caller end mapped after
    // this frame (clock skew) is skipped rather than clamped, as above.
    if (startsRun && now >= endAt) this.record(now - endAt);
  }

  private record(latencyMs: number): void {
    this.runMeasured = true;
    this.perTurnMs.push(latencyMs);
    this.metrics.responseLatency.observe(latencyMs / 1000);
  }
}
