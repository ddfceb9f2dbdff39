import { RateConverter } from './rate-converter.js';
import { toInt16 } from './pcm16.js';
import { designThirdBandLowpass, GROUP_DELAY, RATIO } from './third-band-filter.js';

const h = designThirdBandLowpass();
const SPAN = h.length - 1; // 90: the oldest sample an output reads is SPAN before the newest
const CENTRE = SPAN / 2;
const CENTRE_COEF = h[CENTRE];
/*
 * The filter is symmetric (h[k] = h[SPAN-k]) and every third tap off-centre is zero, so an
 * output is the centre tap plus pairs (k, SPAN-k) for k = 1, 2, 4, 5, ... < CENTRE: two pairs
 * per group of three taps, one multiply per pair.
 */
const GROUPS = CENTRE / RATIO;
const NEAR_COEFS = new Float64Array(GROUPS); // h[3t+1]
const FAR_COEFS = new Float64Array(GROUPS); // h[3t+2]
for (let t = 0; t < GROUPS; t++) {
  NEAR_COEFS[t] = h[RATIO * t + 1];
  FAR_COEFS[t] = h[RATIO * t + 2];
}

/**
 * 24 kHz -> 8 kHz, 16-bit LE mono. Keeps input samples 0, 3, 6, ... of the stream (after
 * filtering), so n input samples in total give ceil(n / 3) outputs, delayed by GROUP_DELAY
 * (15 samples at 8 kHz, 1.875 ms). Chunking never changes the output.
 */
export class Downsampler extends RateConverter {
  /** New samples to pass over before the next one that produces an output (0, 1 or 2). */
  private skip = 0;

  constructor() {
    super(SPAN, GROUP_DELAY.samples24k);
  }

  protected filter(n: number): number {
    const w = this.work;
    const out = this.output.reserve(Math.ceil(n / RATIO));
    // Module constants copied to locals: V8 keeps locals in registers inside the hot loop.
    const near = NEAR_COEFS;
    const far = FAR_COEFS;
    const span = SPAN;
    const centre = CENTRE;
    const centreCoef = CENTRE_COEF;
    const groups = GROUPS;
    const end = span + n;
    let o = 0;
    let m = span + this.skip; // work index of the newest sample of the next output
    for (; m < end; m += 3) {
      // Two accumulators break the add dependency chain; p walks back from the newest sample,
      // q forward from the oldest, meeting at the centre.
      let nearAcc = centreCoef * w[m - centre];
      let farAcc = 0;
      let p = m - 1;
      let q = m - span + 1;
      for (let t = 0; t < groups; t++) {
        nearAcc += near[t] * (w[p] + w[q]);
        farAcc += far[t] * (w[p - 1] + w[q + 1]);
        p -= 3;
        q += 3;
      }
      out[o++] = toInt16(nearAcc + farAcc);
    }
    this.skip = m - end;
    return o;
  }

  protected resetPhase(): void {
    this.skip = 0;
  }
}
