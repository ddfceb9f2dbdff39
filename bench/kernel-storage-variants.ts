import { designThirdBandLowpass } from '../src/audio/third-band-filter.js';
import { nsPerUnit } from './bench-timing.js';

/**
 * Why the converters keep samples and taps in Float64Array: the downsampler's inner loop, as
 * shipped, timed against the same loop on Float32Array storage, and on Float32Array storage
 * with every operation rounded to float32 (Math.fround), i.e. true float32 arithmetic.
 * Separate functions on purpose: one function fed both array types would go polymorphic in
 * V8 and slow both down.
 */
export interface StorageVariant {
  name: string;
  nsPerOutput: number;
  /** Largest |difference| from the Float64 output, in int16 steps. */
  maxDiffLsb: number;
  /** Share of output samples that differ from the Float64 output. */
  differing: number;
}

const h = designThirdBandLowpass();
const SPAN = h.length - 1;
const CENTRE = SPAN / 2;
const GROUPS = CENTRE / 3;
const near64 = new Float64Array(GROUPS);
const far64 = new Float64Array(GROUPS);
for (let t = 0; t < GROUPS; t++) {
  near64[t] = h[3 * t + 1];
  far64[t] = h[3 * t + 2];
}
const near32 = new Float32Array(near64);
const far32 = new Float32Array(far64);
const centre64 = h[CENTRE];
const centre32 = Math.fround(h[CENTRE]);

function clamp16(v: number): number {
  const r = Math.round(v);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

function kernel64(w: Float64Array, n: number, out: Int16Array): number {
  let o = 0;
  for (let m = SPAN; m < SPAN + n; m += 3) {
    let a = centre64 * w[m - CENTRE];
    let b = 0;
    let p = m - 1;
    let q = m - SPAN + 1;
    for (let t = 0; t < GROUPS; t++) {
      a += near64[t] * (w[p] + w[q]);
      b += far64[t] * (w[p - 1] + w[q + 1]);
      p -= 3;
      q += 3;
    }
    out[o++] = clamp16(a + b);
  }
  return o;
}

function kernel32(w: Float32Array, n: number, out: Int16Array): number {
  let o = 0;
  for (let m = SPAN; m < SPAN + n; m += 3) {
    let a = centre32 * w[m - CENTRE];
    let b = 0;
    let p = m - 1;
    let q = m - SPAN + 1;
    for (let t = 0; t < GROUPS; t++) {
      a += near32[t] * (w[p] + w[q]);
      b += far32[t] * (w[p - 1] + w[q + 1]);
      p -= 3;
      q += 3;
    }
    out[o++] = clamp16(a + b);
  }
  return o;
}

function kernel32Fround(w: Float32Array, n: number, out: Int16Array): number {
  const f = Math.fround;
  let o = 0;
  for (let m = SPAN; m < SPAN + n; m += 3) {
    let a = f(centre32 * w[m - CENTRE]);
    let b = 0;
    let p = m - 1;
    let q = m - SPAN + 1;
    for (let t = 0; t < GROUPS; t++) {
      a = f(a + f(near32[t] * f(w[p] + w[q])));
      b = f(b + f(far32[t] * f(w[p - 1] + w[q + 1])));
      p -= 3;
      q += 3;
    }
    out[o++] = clamp16(f(a + b));
  }
  return o;
}

export function measureStorageVariants(): StorageVariant[] {
  // 20 ms chunk at 24 kHz of loud noise plus history, the downsampler's working set.
  const n = 480;
  const w64 = new Float64Array(SPAN + n);
  let seed = 12345;
  for (let i = 0; i < w64.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    w64[i] = (seed % 60000) - 30000;
  }
  const w32 = new Float32Array(w64);
  const reference = new Int16Array(n);
  const out = new Int16Array(n);
  const produced = kernel64(w64, n, reference);

  const compare = (name: string, ns: number): StorageVariant => {
    let maxDiffLsb = 0;
    let differing = 0;
    for (let i = 0; i < produced; i++) {
      const d = Math.abs(out[i] - reference[i]);
      maxDiffLsb = Math.max(maxDiffLsb, d);
      if (d > 0) differing++;
    }
    return { name, nsPerOutput: ns, maxDiffLsb, differing: differing / produced };
  };

  const t64 = nsPerUnit(() => kernel64(w64, n, out)).median;
  kernel64(w64, n, out);
  const v64 = compare('Float64Array (shipped)', t64);
  const t32 = nsPerUnit(() => kernel32(w32, n, out)).median;
  kernel32(w32, n, out);
  const v32 = compare('Float32Array, double arithmetic', t32);
  const t32f = nsPerUnit(() => kernel32Fround(w32, n, out)).median;
  kernel32Fround(w32, n, out);
  const v32f = compare('Float32Array + Math.fround (float32 arithmetic)', t32f);
  return [v64, v32, v32f];
}
