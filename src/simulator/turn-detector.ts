/**
 * Energy-based turn detection, a stand-in for the upstream's server VAD: the RMS of each 20 ms
 * window is compared with a threshold; speech starts after `startMs` of loud windows and ends after
 * `silenceMs` of quiet ones. Time is counted in audio received, not wall-clock time, so a client
 * that sends faster than real time gets the same answer.
 */
export interface TurnDetectorOptions {
  /** RMS as a fraction of full scale (0-1) above which a window counts as speech. */
  threshold: number;
  startMs?: number;
  silenceMs?: number;
  /** Longest utterance kept for playback; longer speech is still detected, its tail not kept. */
  maxUtteranceMs?: number;
}

export interface TurnListener {
  speechStarted(audioStartMs: number): void;
  /** `utterance` runs from the first loud window to the last one (trailing silence dropped). */
  speechStopped(audioEndMs: number, utterance: Int16Array): void;
}

const WINDOW_MS = 20;

export class TurnDetector {
  private readonly windowSize: number;
  private readonly window: Int16Array;
  private filled = 0;
  private windowIndex = 0;
  private readonly startWindows: number;
  private readonly silenceWindows: number;
  private readonly maxWindows: number;
  /** Loud windows not yet confirmed as speech (shorter than startMs). */
  private candidate: Int16Array[] = [];
  private speech: { firstWindow: number; lastLoudWindow: number; windows: Int16Array[] } | undefined;

  constructor(
    readonly sampleRate: number,
    private readonly opts: TurnDetectorOptions,
    private readonly listener: TurnListener,
  ) {
    this.windowSize = Math.round((sampleRate * WINDOW_MS) / 1000);
    this.window = new Int16Array(this.windowSize);
    this.startWindows = Math.max(1, Math.round((opts.startMs ?? 60) / WINDOW_MS));
    this.silenceWindows = Math.max(1, Math.round((opts.silenceMs ?? 500) / WINDOW_MS));
    this.maxWindows = Math.round((opts.maxUtteranceMs ?? 30000) / WINDOW_MS);
  }

  get silenceMs(): number {
    return this.silenceWindows * WINDOW_MS;
  }

  /** Audio received so far, in whole windows. */
  get receivedMs(): number {
    return this.windowIndex * WINDOW_MS;
  }

  get inSpeech(): boolean {
    return this.speech !== undefined;
  }

  push(samples: Int16Array): void {
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.windowSize - this.filled, samples.length - offset);
      this.window.set(samples.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.windowSize) {
        this.onWindow(this.window.slice());
        this.filled = 0;
      }
    }
  }

  /** Ends the current speech now (a manual commit); returns whether there was any. */
  endSpeech(): boolean {
    if (!this.speech) return false;
    this.stop();
    return true;
  }

  /** Forgets everything heard but not yet ended (input_audio_buffer.clear). */
  reset(): void {
    this.candidate = [];
    this.speech = undefined;
    this.filled = 0;
  }

  private onWindow(window: Int16Array): void {
    const index = this.windowIndex++;
    const loud = rms(window) >= this.opts.threshold;
    const speech = this.speech;
    if (!speech) {
      if (!loud) {
        this.candidate = [];
        return;
      }
      this.candidate.push(window);
      if (this.candidate.length < this.startWindows) return;
      const firstWindow = index - this.candidate.length + 1;
      this.speech = { firstWindow, lastLoudWindow: index, windows: this.candidate };
      this.candidate = [];
      this.listener.speechStarted(firstWindow * WINDOW_MS);
      return;
    }
    if (speech.windows.length < this.maxWindows) speech.windows.push(window);
    if (loud) speech.lastLoudWindow = index;
    else if (index - speech.lastLoudWindow >= this.silenceWindows) this.stop();
  }

  private stop(): void {
    const speech = this.speech!;
    this.speech = undefined;
    const kept = speech.windows.slice(0, speech.lastLoudWindow - speech.firstWindow + 1);
    const utterance = new Int16Array(kept.length * this.windowSize);
    kept.forEach((w, i) => utterance.set(w, i * this.windowSize));
    this.listener.speechStopped((speech.lastLoudWindow + 1) * WINDOW_MS, utterance);
  }
}

/** Root mean square of 16-bit samples, as a fraction of full scale. */
function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length) / 32768;
}
