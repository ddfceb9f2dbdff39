import { TurnDetector } from './turn-detector.js';

/** Caller audio as 16-bit samples at its own rate. */
export interface Utterance {
  samples: Int16Array;
  rate: number;
}

export interface CallerInputListener {
  speechStarted(audioStartMs: number): void;
  /** Turn detection ended a turn (silence, or a commit during speech). */
  speechStopped(audioEndMs: number, utterance: Utterance): void;
  /** Without turn detection: the client committed what it had appended. */
  committed(utterance: Utterance): void;
}

/** Longest caller audio kept for playback, whichever mode. */
const MAX_UTTERANCE_MS = 30_000;

/**
 * The server side of the input audio buffer. With turn detection an energy VAD finds the caller's
 * turns; without it, audio piles up (bounded) until the client commits it.
 */
export class CallerInput {
  private detector: TurnDetector | undefined;
  private rate = 24000;
  private pending: Int16Array[] = [];
  private pendingSamples = 0;

  constructor(
    private readonly threshold: number,
    private readonly listener: CallerInputListener,
  ) {}

  /** Applies the session's input rate and turn detection (null: none). */
  configure(rate: number, turnDetection: { silenceMs: number } | null): void {
    if (rate !== this.rate) this.clear();
    this.rate = rate;
    if (!turnDetection) {
      this.detector = undefined;
      return;
    }
    // A detector mid-utterance is kept unless what it measures has changed.
    if (this.detector?.sampleRate === rate && this.detector.silenceMs === turnDetection.silenceMs) return;
    const options = { threshold: this.threshold, silenceMs: turnDetection.silenceMs, maxUtteranceMs: MAX_UTTERANCE_MS };
    this.detector = new TurnDetector(rate, options, {
      speechStarted: (ms) => this.listener.speechStarted(ms),
      speechStopped: (ms, samples) => this.listener.speechStopped(ms, { samples, rate }),
    });
  }

  append(samples: Int16Array): void {
    if (this.detector) return this.detector.push(samples);
    const room = (this.rate * MAX_UTTERANCE_MS) / 1000 - this.pendingSamples;
    if (room <= 0) return;
    const kept = samples.subarray(0, room);
    this.pending.push(kept);
    this.pendingSamples += kept.length;
  }

  /** input_audio_buffer.commit; false when there is nothing to commit. */
  commit(): boolean {
    if (this.detector) return this.detector.endSpeech();
    if (this.pendingSamples === 0) return false;
    const samples = new Int16Array(this.pendingSamples);
    let at = 0;
    for (const part of this.pending) {
      samples.set(part, at);
      at += part.length;
    }
    this.clear();
    this.listener.committed({ samples, rate: this.rate });
    return true;
  }

  clear(): void {
    this.detector?.reset();
    this.pending = [];
    this.pendingSamples = 0;
  }
}
