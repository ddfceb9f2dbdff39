import { speechEndMs, type SpeechTurn } from './speech-turns.js';

export interface TurnLatency {
  /** Where the caller stops talking, in ms of the input recording. */
  speechEndMs: number;
  /** From sending the turn's last speech frame to the first agent audio after it; null when no answer came before the caller spoke again or the call ended. */
  latencyMs: number | null;
}

/**
 * Times the agent's answers: a turn's clock starts when its last speech frame is sent and
 * stops at the first agent audio received after that, as long as the caller has not started
 * the next turn. Times are whatever clock the caller of frameSent/agentAudio uses.
 *
 * Known limit: audio of an earlier answer still arriving after the next turn ended counts as
 * the answer to it; a recording with pauses long enough for each answer avoids that.
 */
export class LatencyTracker {
  private readonly results: TurnLatency[];
  /** The turn whose end was sent and whose answer is awaited, or -1. */
  private waiting = -1;
  private endSentAt = 0;

  constructor(private readonly turns: readonly SpeechTurn[]) {
    this.results = turns.map((t) => ({ speechEndMs: speechEndMs(t), latencyMs: null }));
  }

  frameSent(index: number, atMs: number): void {
    const turn = this.turns.findIndex((t) => t.lastFrame === index);
    if (turn >= 0) {
      this.waiting = turn;
      this.endSentAt = atMs;
    } else if (this.waiting >= 0 && this.turns[this.waiting + 1]?.firstFrame === index) {
      this.waiting = -1; // the caller talks again: that turn went unanswered
    }
  }

  /** Returns the turn this audio answered first, if it did. */
  agentAudio(atMs: number): { turn: number; latencyMs: number } | undefined {
    if (this.waiting < 0) return undefined;
    const turn = this.waiting;
    const latencyMs = atMs - this.endSentAt;
    this.results[turn].latencyMs = latencyMs;
    this.waiting = -1;
    return { turn, latencyMs };
  }

  summary(): TurnLatency[] {
    return this.results.map((r) => ({ ...r }));
  }
}
