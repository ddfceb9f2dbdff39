import type { MetricsService } from '../metrics/metrics.service.js';

/** Per turn, the caller's end of speech to the first agent frame sent: what a caller feels as lag. */
export class TurnLatency {
  readonly perTurnMs: number[] = [];
  private stoppedAt = 0;
  private awaiting = false;

  constructor(private readonly metrics: MetricsService) {}

  callerStopped(): void {
    this.stoppedAt = Date.now();
    this.awaiting = true;
  }

  /** A barge-in is no turn to measure. */
  cancel(): void {
    this.awaiting = false;
  }

  agentFrame(): void {
    if (!this.awaiting) return;
    this.awaiting = false;
    const latency = Date.now() - this.stoppedAt;
    this.perTurnMs.push(latency);
    this.metrics.responseLatency.observe(latency / 1000);
  }
}
