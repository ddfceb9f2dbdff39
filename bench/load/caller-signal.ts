import { audioMessage, FRAME_MS, FRAME_SAMPLES } from '../../scripts/call-client/index.js';

const RATE = 8000;
const F0 = 300;
/** Relative amplitudes of harmonics 1..6 of F0: a buzzy, vowel-like spectrum. */
const HARMONICS = [1, 0.6, 0.4, 0.25, 0.15, 0.1];
/** Peak level, fraction of full scale (the simulator's VAD threshold is an RMS of 0.02). */
const PEAK = 0.35;
const EDGE_MS = 20;
/** Syllable rate of the amplitude modulation. */
const SYLLABLES_HZ = 4;

function frameMessage(samples: Int16Array): string {
  return audioMessage(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
}

/** One burst of speech-like sound: harmonics of 300 Hz, a syllable-rate envelope and soft edges. */
function speechBurst(ms: number): Int16Array {
  const n = Math.round((RATE * ms) / 1000);
  const out = new Int16Array(n);
  const norm = HARMONICS.reduce((a, b) => a + b, 0);
  const edge = (RATE * EDGE_MS) / 1000;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    let x = 0;
    for (let h = 0; h < HARMONICS.length; h++) x += HARMONICS[h] * Math.sin(2 * Math.PI * F0 * (h + 1) * t);
    const syllable = 0.65 + 0.35 * Math.sin(2 * Math.PI * SYLLABLES_HZ * t);
    const fade = Math.min(1, i / edge, (n - 1 - i) / edge);
    const ramp = 0.5 - 0.5 * Math.cos(Math.PI * Math.max(0, fade));
    out[i] = Math.round((x / norm) * PEAK * 32767 * syllable * ramp);
  }
  return out;
}

/**
 * The caller's repeating cycle as ready-to-send AVR core audio messages, one per 20 ms frame:
 * a burst of `speechMs`, then `silenceMs` of silence. Every call plays the same cycle (the
 * strings are shared, so a thousand callers cost no more memory than one).
 */
export function callerCycle(speechMs: number, silenceMs: number): { messages: string[]; speechFrames: number; silence: string } {
  const speechFrames = Math.round(speechMs / FRAME_MS);
  const silenceFrames = Math.round(silenceMs / FRAME_MS);
  const burst = speechBurst(speechFrames * FRAME_MS);
  const silence = frameMessage(new Int16Array(FRAME_SAMPLES));
  const messages: string[] = [];
  for (let f = 0; f < speechFrames; f++) messages.push(frameMessage(burst.subarray(f * FRAME_SAMPLES, (f + 1) * FRAME_SAMPLES)));
  for (let f = 0; f < silenceFrames; f++) messages.push(silence);
  return { messages, speechFrames, silence };
}
