/**
 * When the caller stopped speaking before each agent turn, from GPT-Live's timed input transcript.
 * Live has no end-of-speech event; its transcript fragments carry `start_ms`/`end_ms` "on the Live
 * session timeline, in milliseconds from the beginning of the session" (SDK
 * `InputTranscriptDeltaEvent`), mapped here to wall-clock time by the caller. They lag the speech
 * (the reference notes 600–1000 ms), so the last words of what the agent answers are often
 * transcribed only after the agent began: an agent turn's caller end is settled, and reported, once
 * nothing earlier can come any more: when the caller speaks again after the agent began (fragments
 * come in order), when the next agent turn opens, or when this one ends.
 *
 * The end reported is that of the last fragment, which falls on the transcript's 200 ms frame
 * boundaries: the latency measured from it is the true one to within that.
 */
export class CallerTurnEnds {
  /** Latest end of caller speech begun since the last agent turn opened, epoch ms. */
  private unanswered: number | undefined;
  /** When the latest agent turn opened (its first loud audio), epoch ms. */
  private agentOpenedAt = Number.NEGATIVE_INFINITY;
  /** The latest agent turn, until its caller end is settled. */
  private answering: { callerEndAt: number | undefined; measurable: boolean } | undefined;

  constructor(private readonly report: (callerEndAt: number) => void) {}

  /** A caller transcript fragment, its start and end in epoch ms. */
  fragment(startAt: number, endAt: number): void {
    if (startAt < this.agentOpenedAt) {
      // Speech begun before the agent's turn opened: a late transcript of what the turn answers.
      const turn = this.answering;
      if (!turn) return; // already settled: too late to count, and it answers no later turn
      if (endAt <= this.agentOpenedAt) turn.callerEndAt = Math.max(turn.callerEndAt ?? endAt, endAt);
      // It runs past the agent's start (clocks apart, or the agent began while the caller spoke):
      // no lag can be told for this turn, so it has none (skipped rather than clamped to 0 ms).
      else turn.measurable = false;
      return;
    }
    // The caller speaks again since the agent began: everything the turn answered is in.
    this.settle();
    this.unanswered = Math.max(this.unanswered ?? endAt, endAt);
  }

  /** An agent turn opened at `openedAt` (epoch ms): it answers the caller speech not yet answered. */
  agentTurnStarted(openedAt: number): void {
    this.settle();
    this.agentOpenedAt = openedAt;
    // Caller speech mapped past the agent's start is skipped too (see fragment()).
    const callerEndAt = this.unanswered;
    this.answering = { callerEndAt, measurable: callerEndAt === undefined || callerEndAt <= openedAt };
    this.unanswered = undefined;
  }

  /** The agent turn ended (or the session is closing). */
  agentTurnEnded(): void {
    this.settle();
  }

  private settle(): void {
    const turn = this.answering;
    this.answering = undefined;
    if (turn?.measurable && turn.callerEndAt !== undefined) this.report(turn.callerEndAt);
  }
}
