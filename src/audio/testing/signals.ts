/**
 * Synthetic signals and spectral measurement for the audio specs and the benchmark.
 * Measurements use a rectangular-window DFT over a whole number of periods: tones are placed on
 * exact bins (multiples of rate / length Hz), so there is no leakage and no window to account for.
 */

/** Seeded PRNG (mulberry32): reproducible "random" chunkings and noise. Returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A sine of the given amplitude (in int16 units), rounded to int16. */
export function tone(freqHz: number, rateHz: number, count: number, amplitude: number, phase = 0): Int16Array {
  const out = new Int16Array(count);
  const w = (2 * Math.PI * freqHz) / rateHz;
  for (let n = 0; n < count; n++) out[n] = Math.round(amplitude * Math.sin(w * n + phase));
  return out;
}

/** Int16 samples as LE bytes. */
export function toBytes(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], 2 * i);
  return out;
}

/** LE bytes as int16 samples (a copy; any alignment). */
export function fromBytes(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length >> 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true);
  return out;
}

/** |X_k|^2 of the length-`length` DFT of x starting at `start` (Goertzel). */
export function binPower(x: ArrayLike<number>, start: number, length: number, bin: number): number {
  const coef = 2 * Math.cos((2 * Math.PI * bin) / length);
  let s1 = 0;
  let s2 = 0;
  for (let n = 0; n < length; n++) {
    const s0 = x[start + n] + coef * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coef * s1 * s2;
}

/** Amplitude of the sinusoid on an exact bin at freqHz (bin spacing rate / length). */
export function toneAmplitude(x: ArrayLike<number>, start: number, length: number, rateHz: number, freqHz: number): number {
  const bin = exactBin(freqHz, rateHz, length);
  return (2 * Math.sqrt(binPower(x, start, length, bin))) / length;
}

/** Summed bin power over [fromHz, toHz] inclusive, in the same units as binPower. */
export function bandPower(x: ArrayLike<number>, start: number, length: number, rateHz: number, fromHz: number, toHz: number): number {
  const spacing = rateHz / length;
  const first = Math.ceil(fromHz / spacing);
  const last = Math.min(Math.floor(toHz / spacing), length / 2);
  let sum = 0;
  // Bins other than DC and Nyquist stand for both the positive and the negative frequency.
  for (let k = first; k <= last; k++) sum += binPower(x, start, length, k) * (k === 0 || 2 * k === length ? 1 : 2);
  return sum;
}

/** Mean of x^2 over [start, start + length). */
export function meanSquare(x: ArrayLike<number>, start: number, length: number): number {
  let sum = 0;
  for (let n = start; n < start + length; n++) sum += x[n] * x[n];
  return sum / length;
}

export function db(powerRatio: number): number {
  return 10 * Math.log10(powerRatio);
}

function exactBin(freqHz: number, rateHz: number, length: number): number {
  const bin = (freqHz * length) / rateHz;
  if (!Number.isInteger(bin)) throw new Error(`${freqHz} Hz is not on a bin of a ${length}-point DFT at ${rateHz} Hz`);
  return bin;
}
