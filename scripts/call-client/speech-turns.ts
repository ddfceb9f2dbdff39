import { FRAME_MS, FRAME_SAMPLES, frameCount } from './frames.js';

/** A stretch of caller speech, in 20 ms frame indices of the input (both inclusive). */
export interface SpeechTurn {
  firstFrame: number;
  lastFrame: number;
}

export interface SpeechDetectorOptions {
  /**
   * Frame energy (dBFS) above which a frame is speech. By default it follows the recording:
   * 35 dB under its loudest frame, so a quiet or a loud recording both work, but never under
   * -55 dBFS, which keeps the hiss of a silent stretch out.
   */
  thresholdDb?: number;
  /** A pause shorter than this is inside a turn (between words), not the end of it. */
  minSilenceMs?: number;
  /** Speech shorter than this is a click or a cough, not a turn. */
  minSpeechMs?: number;
}

/**
 * Finds the caller's turns in a recording with a frame energy detector: a turn ends at its last
 * frame above the threshold before at least minSilenceMs of quiet. The end of a turn is when
 * the caller stops talking, the moment the agent's response latency is measured from.
 */
export function findSpeechTurns(samples: Int16Array, options: SpeechDetectorOptions = {}): SpeechTurn[] {
  const minSilenceFrames = Math.ceil((options.minSilenceMs ?? 500) / FRAME_MS);
  const minSpeechFrames = Math.ceil((options.minSpeechMs ?? 60) / FRAME_MS);
  const energies = Array.from({ length: frameCount(samples.length) }, (_, f) => frameEnergyDb(samples, f));
  const loudest = energies.reduce((max, db) => Math.max(max, db), -Infinity);
  const threshold = options.thresholdDb ?? Math.max(loudest - 35, -55);

  const turns: SpeechTurn[] = [];
  let current: SpeechTurn | undefined;
  energies.forEach((db, f) => {
    if (db <= threshold) return;
    if (current && f - current.lastFrame - 1 < minSilenceFrames) current.lastFrame = f;
    else turns.push((current = { firstFrame: f, lastFrame: f }));
  });
  return turns.filter((t) => t.lastFrame - t.firstFrame + 1 >= minSpeechFrames);
}

/** Where a turn's speech ends, in ms from the start of the recording. */
export function speechEndMs(turn: SpeechTurn): number {
  return (turn.lastFrame + 1) * FRAME_MS;
}

function frameEnergyDb(samples: Int16Array, frame: number): number {
  const start = frame * FRAME_SAMPLES;
  const end = Math.min(start + FRAME_SAMPLES, samples.length);
  let sum = 0;
  for (let i = start; i < end; i++) sum += samples[i] * samples[i];
  const meanSquare = sum / FRAME_SAMPLES / (32768 * 32768);
  return 10 * Math.log10(meanSquare);
}
