/**
 * Groups GPT-Live's timed transcript fragments into turns. Live sends `start_ms`/`end_ms` fragments
 * on the session timeline with "no item ID or authoritative turn-completed event", so a turn ends
 * at a gap: a fragment starting more than `gapMs` after the previous one ended begins a new turn,
 * and a turn with no new fragment for `gapMs` of wall-clock time is complete. 800 ms is what
 * Pipecat (`TURN_GAP_SECS = 0.8`) and LiveKit (`MIN_SILENCE_DURATION = 800`) use.
 */
export interface TranscriptFragment {
  text: string;
  startMs: number;
  endMs: number;
}

export interface TranscriptTurn {
  /** Fragments concatenated exactly as received ("Concatenate text exactly as received"), trimmed. */
  text: string;
  /** Session-timeline milliseconds of the first fragment's start and the last one's end. */
  startMs: number;
  endMs: number;
}

export const DEFAULT_TURN_GAP_MS = 800;

/** Longest text kept per turn: a transcript that never pauses cannot grow without bound. */
const MAX_TURN_CHARS = 20_000;

export class TranscriptTurns {
  private text = '';
  private startMs = 0;
  private endMs = 0;
  private open = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly gapMs: number,
    private readonly onTurn: (turn: TranscriptTurn) => void,
  ) {}

  get pending(): boolean {
    return this.open;
  }

  add(fragment: TranscriptFragment): void {
    if (this.open && fragment.startMs - this.endMs > this.gapMs) this.flush();
    if (!this.open) {
      this.open = true;
      this.text = '';
      this.startMs = fragment.startMs;
      this.endMs = fragment.endMs;
    }
    if (this.text.length < MAX_TURN_CHARS) this.text += fragment.text.slice(0, MAX_TURN_CHARS - this.text.length);
    this.endMs = Math.max(this.endMs, fragment.endMs);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.gapMs);
  }

  /** Ends the open turn now (its speaker's turn is known to be over); whitespace-only turns vanish. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.open) return;
    this.open = false;
    const text = this.text.trim();
    this.text = '';
    if (text) this.onTurn({ text, startMs: this.startMs, endMs: this.endMs });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.open = false;
    this.text = '';
  }
}
