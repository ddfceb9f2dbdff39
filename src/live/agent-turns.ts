import { mulawToPcm16 } from '../audio/g711.js';
import type { UpstreamAudioFormat } from '../realtime/upstream-session.js';

/**
 * Finds the agent's turns in GPT-Live's output audio. Live has no response events: its primary
 * WebSocket streams output "continuously at real-time pace, silence included" (Pipecat, tau2, a
 * TS provider; μ-law silence is 0xFF) with no ids, timing or done event. A speech gate with
 * hysteresis (tau2-bench's RMS thresholds on 16-bit PCM: open at 100, stay open above 15) opens a
 * turn at the first loud 20 ms window; the turn ends after `hangoverMs` of quiet (LiveKit's 800 ms),
 * counted in audio received, or of no audio at all (a server that omits silence), and only once
 * the output transcript has been quiet for `transcriptQuietMs` too, since transcript fragments
 * trail the audio. Audio outside a turn (the silence between turns) is not passed on.
 */
export interface AgentTurnListener {
  started(turnId: string): void;
  audio(turnId: string, audio: Buffer): void;
  ended(turnId: string): void;
}

export interface AgentTurnOptions {
  openRms?: number;
  closeRms?: number;
  hangoverMs?: number;
  transcriptQuietMs?: number;
}

const WINDOW_MS = 20;

/** 16-bit value of each μ-law byte, for measuring energy without decoding whole chunks. */
const MULAW_LINEAR = (() => {
  const all = new Uint8Array(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const pcm = mulawToPcm16(all);
  const table = new Int16Array(256);
  for (let i = 0; i < 256; i++) table[i] = pcm.readInt16LE(i * 2);
  return table;
})();

export class AgentTurns {
  private readonly openRms: number;
  private readonly closeRms: number;
  private readonly hangoverMs: number;
  private readonly transcriptQuietMs: number;
  private readonly samplesPerWindow: number;
  private readonly bytesPerSample: number;
  private turnId: string | undefined;
  private turns = 0;
  private quietMs = 0;
  private lastTranscriptAt = 0;
  private lastAudioAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  /** Wall-clock time the current turn opened. */
  openedAt = 0;
  /** Audio of the current turn so far, and up to the end of its last loud window, in ms of audio. */
  private turnAudioMs = 0;
  private loudUntilMs = 0;

  constructor(
    format: UpstreamAudioFormat,
    private readonly listener: AgentTurnListener,
    opts: AgentTurnOptions = {},
  ) {
    this.openRms = opts.openRms ?? 100;
    this.closeRms = opts.closeRms ?? 15;
    this.hangoverMs = opts.hangoverMs ?? 800;
    this.transcriptQuietMs = opts.transcriptQuietMs ?? 400;
    const rate = format === 'pcmu' ? 8000 : 24000;
    this.samplesPerWindow = (rate * WINDOW_MS) / 1000;
    this.bytesPerSample = format === 'pcmu' ? 1 : 2;
  }

  /**
   * When the current turn's speech ends at the caller's ear (wall clock, estimated): its audio plays
   * in real time from the turn's start, however fast it arrived, up to its last loud window.
   */
  get loudUntil(): number {
    return this.openedAt + this.loudUntilMs;
  }

  /** The open turn's id, undefined between turns. */
  get current(): string | undefined {
    return this.turnId;
  }

  push(audio: Buffer): void {
    const { loud, trailingQuietMs, durationMs } = this.measure(audio, this.turnId ? this.closeRms : this.openRms);
    if (!this.turnId) {
      if (!loud) return;
      this.turnId = `live_turn_${++this.turns}`;
      this.openedAt = Date.now();
      this.quietMs = 0;
      this.turnAudioMs = 0;
      this.loudUntilMs = 0;
      this.listener.started(this.turnId);
    }
    const turnId = this.turnId;
    this.listener.audio(turnId, audio);
    this.turnAudioMs += durationMs;
    if (loud) {
      this.loudUntilMs = this.turnAudioMs - trailingQuietMs;
      this.quietMs = trailingQuietMs;
      clearTimeout(this.closeTimer);
      this.closeTimer = undefined;
    } else {
      this.quietMs += durationMs;
    }
    this.lastAudioAt = Date.now();
    // One timer per turn, re-armed only when it fires early (no timer churn per delta).
    if (!this.idleTimer) this.idleTimer = setTimeout(() => this.onIdleCheck(), this.hangoverMs);
    if (this.quietMs >= this.hangoverMs) this.tryEnd();
  }

  /** An output transcript fragment arrived: the agent is still being transcribed. */
  transcriptActivity(): void {
    this.lastTranscriptAt = Date.now();
  }

  /** Ends the open turn now (the session is closing or was lost). */
  end(): void {
    if (this.turnId) this.finish();
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.closeTimer);
    this.idleTimer = undefined;
    this.closeTimer = undefined;
    this.turnId = undefined;
  }

  /** No audio at all for the hangover (a server that omits silence) also ends the turn. */
  private onIdleCheck(): void {
    this.idleTimer = undefined;
    if (!this.turnId) return;
    const left = this.lastAudioAt + this.hangoverMs - Date.now();
    if (left > 0) this.idleTimer = setTimeout(() => this.onIdleCheck(), left);
    else this.tryEnd();
  }

  private tryEnd(): void {
    if (!this.turnId) return;
    const wait = this.lastTranscriptAt + this.transcriptQuietMs - Date.now();
    if (wait <= 0) return this.finish();
    clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => this.tryEnd(), wait);
  }

  private finish(): void {
    const turnId = this.turnId!;
    clearTimeout(this.idleTimer);
    clearTimeout(this.closeTimer);
    this.idleTimer = undefined;
    this.closeTimer = undefined;
    this.turnId = undefined;
    this.quietMs = 0;
    this.listener.ended(turnId);
  }

  /** Whether any 20 ms window reaches `threshold` RMS, and how much quiet audio ends the chunk. */
  private measure(audio: Buffer, threshold: number): { loud: boolean; trailingQuietMs: number; durationMs: number } {
    const samples = Math.floor(audio.length / this.bytesPerSample);
    const durationMs = (samples / this.samplesPerWindow) * WINDOW_MS;
    const limit = threshold * threshold * this.samplesPerWindow;
    let loud = false;
    let lastLoudEnd = 0;
    for (let start = 0; start < samples; start += this.samplesPerWindow) {
      const end = Math.min(samples, start + this.samplesPerWindow);
      let sum = 0;
      for (let i = start; i < end; i++) {
        const s = this.bytesPerSample === 1 ? MULAW_LINEAR[audio[i]] : audio.readInt16LE(i * 2);
        sum += s * s;
      }
      // A short last window is scaled up so it is judged like a whole one.
      if (sum * (this.samplesPerWindow / (end - start)) >= limit) {
        loud = true;
        lastLoudEnd = end;
      }
    }
    return { loud, trailingQuietMs: ((samples - lastLoudEnd) / this.samplesPerWindow) * WINDOW_MS, durationMs };
  }
}
