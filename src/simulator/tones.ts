/** Synthetic audio: test signals and the "spoken-style" tone sequence the simulator answers with. */

/** A sine whose phase continues from `startSample`, so consecutive calls join without a click. */
export function sineWave(rate: number, sampleCount: number, frequencyHz: number, amplitude = 0.5, startSample = 0): Int16Array {
  const out = new Int16Array(sampleCount);
  const peak = amplitude * 32767;
  for (let i = 0; i < sampleCount; i++) out[i] = Math.round(peak * Math.sin((2 * Math.PI * frequencyHz * (startSample + i)) / rate));
  return out;
}

/** Syllables as (length ms, pitch Hz, following gap ms): a fixed script, so every reply sounds the same. */
const SYLLABLES: ReadonlyArray<readonly [number, number, number]> = [
  [180, 220, 60],
  [140, 260, 45],
  [220, 200, 80],
  [160, 240, 220],
  [130, 280, 50],
  [200, 230, 70],
  [170, 190, 55],
  [240, 210, 260],
];

/**
 * Syllable-like tones (voice-range pitch with a harmonic, soft attack and release, short gaps and
 * an occasional longer pause) so a listener on a phone hears "someone talking", not a test beep.
 */
export function toneSequence(rate: number, durationMs: number): Int16Array {
  const out = new Int16Array(Math.round((rate * durationMs) / 1000));
  let at = 0;
  for (let s = 0; at < out.length; s++) {
    const [lengthMs, pitch, gapMs] = SYLLABLES[s % SYLLABLES.length];
    const length = Math.round((rate * lengthMs) / 1000);
    for (let i = 0; i < length && at + i < out.length; i++) {
      const envelope = Math.sin((Math.PI * i) / length);
      const t = i / rate;
      const wave = 0.75 * Math.sin(2 * Math.PI * pitch * t) + 0.25 * Math.sin(4 * Math.PI * pitch * t);
      out[at + i] = Math.round(0.4 * 32767 * envelope * wave);
    }
    at += length + Math.round((rate * gapMs) / 1000);
  }
  return out;
}
