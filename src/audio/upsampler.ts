import { RateConverter } from './rate-converter.js';
import { toInt16 } from './pcm16.js';
import { designThirdBandLowpass, GROUP_DELAY, RATIO } from './third-band-filter.js';

const h = designThirdBandLowpass();
/** Taps in each of the two computed branches (the third branch is a copy). */
const BRANCH_TAPS = (h.length - 1) / RATIO;
const HALF = BRANCH_TAPS / 2;

/*
 * Output 3n+r is sum_j 3h[3j+r] x[n-j]. Branch 0 is the centre tap alone (a copy of x[n-15]).
 * Branch 2 is branch 1 reversed in time, so with a = x[n-j], b = x[n-(BRANCH_TAPS-1)+j] both
 * outputs come from one half-length pass: y1 = S + D, y2 = S - D with
 * S = sum ((e[j]+e[last-j])/2)(a+b) and D = sum ((e[j]-e[last-j])/2)(a-b); half the multiplies.
 */
const SUM_COEFS = new Float64Array(HALF);
const DIFF_COEFS = new Float64Array(HALF);
for (let j = 0; j < HALF; j++) {
  const early = RATIO * h[RATIO * j + 1];
  const late = RATIO * h[RATIO * (BRANCH_TAPS - 1 - j) + 1];
  SUM_COEFS[j] = (early + late) / 2;
  DIFF_COEFS[j] = (early - late) / 2;
}

/**
 * 8 kHz -> 24 kHz, 16-bit LE mono. Every input sample yields exactly three output samples,
 * delayed by GROUP_DELAY (15 samples at 8 kHz, 1.875 ms). Chunking never changes the output.
 */
export class Upsampler extends RateConverter {
  constructor() {
    super(BRANCH_TAPS - 1, GROUP_DELAY.samples8k);
  }

  protected filter(n: number): number {
    const w = this.work;
    const out = this.output.reserve(n * RATIO);
    // Module constants copied to locals: V8 keeps locals in registers inside the hot loop.
    const sumCoefs = SUM_COEFS;
    const diffCoefs = DIFF_COEFS;
    const last = BRANCH_TAPS - 1;
    const delay = GROUP_DELAY.samples8k;
    const half = HALF;
    let o = 0;
    for (let i = 0; i < n; i++) {
      const newest = i + last; // work index of x[n]; work[i] is x[n - last]
      let s = 0;
      let d = 0;
      for (let j = 0; j < half; j++) {
        const a = w[newest - j];
        const b = w[i + j];
        s += sumCoefs[j] * (a + b);
        d += diffCoefs[j] * (a - b);
      }
      out[o] = w[newest - delay]; // the centre branch's single tap is exactly 1
      out[o + 1] = toInt16(s + d);
      out[o + 2] = toInt16(s - d);
      o += 3;
    }
    return o;
  }

  protected resetPhase(): void {
    // Every input sample produces a whole output group; there is no phase to remember.
  }
}
