/**
 * The one low-pass filter both converters share: a Kaiser-windowed sinc at 24 kHz with its
 * cutoff at exactly 4 kHz (a third of the band), 91 taps, beta 7.
 *
 * Why these numbers: phone audio keeps 0-3.4 kHz; images of a 3.4 kHz tone land at
 * 8 - 3.4 = 4.6 kHz and aliases from 4.6 kHz fold to 3.4 kHz, so the transition band is
 * 3.4-4.6 kHz, centred on 4 kHz. A sinc cut at fs/6 with an integer centre is a Nyquist
 * ("third-band") filter: every third tap away from the centre is exactly zero. So the
 * upsampler's phase that lands on an input sample is a plain copy, and the downsampler skips
 * a third of its taps.
 *
 * Length and beta come from a search over 6k+1 taps, best beta for each: worst response from
 * 4.6 to 12 kHz was 79 taps -64.2 dB (beta 6.05), 85 taps -67.2 dB (6.6), 91 taps -72.4 dB
 * (7.0), 97 taps -76.1 dB (7.55). 91 keeps a 12 dB margin over the 60 dB target for 7% more
 * work than 85. Passband ripple to 3.4 kHz is under 0.003 dB.
 */

export const FILTER_TAPS = 91;
export const KAISER_BETA = 7;
/** Conversion ratio between the two rates. */
export const RATIO = 3;

const CENTRE = (FILTER_TAPS - 1) / 2; // 45, a multiple of RATIO: the delay is whole at 8 kHz too

/**
 * Delay every converter adds, the same in each direction (the filter is linear phase, so all
 * frequencies are delayed alike). A round trip 8k -> 24k -> 8k is delayed twice this.
 */
export const GROUP_DELAY = Object.freeze({
  /** Samples at 24 kHz (the filter's centre tap). */
  samples24k: CENTRE,
  /** Samples at 8 kHz. */
  samples8k: CENTRE / RATIO,
  /** Milliseconds. */
  ms: (CENTRE / 24_000) * 1000,
});

/** Zeroth-order modified Bessel function of the first kind (power series; plenty for beta < 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 64; k++) {
    const ratio = x / (2 * k);
    term *= ratio * ratio;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

/**
 * The 91 taps, DC gain 1 (for decimation). Each of the three polyphase branches is normalised
 * to sum to exactly 1/3, so a constant input gives a constant output after upsampling (no 8 kHz
 * ripple on DC) and the centre branch is exactly the centre tap, 1/3.
 */
export function designThirdBandLowpass(taps = FILTER_TAPS, beta = KAISER_BETA): Float64Array {
  const centre = (taps - 1) / 2;
  if (!Number.isInteger(centre) || centre % RATIO !== 0) {
    throw new RangeError(`taps must be 6k+1 so the centre falls on an 8 kHz sample, got ${taps}`);
  }
  const h = new Float64Array(taps);
  const i0Beta = besselI0(beta);
  for (let n = 0; n < taps; n++) {
    const m = n - centre;
    if (m !== 0 && m % RATIO === 0) continue; // the sinc's own zeros; left exactly 0
    const sinc = m === 0 ? 1 / RATIO : Math.sin((Math.PI * m) / RATIO) / (Math.PI * m);
    const r = m / centre;
    h[n] = (sinc * besselI0(beta * Math.sqrt(1 - r * r))) / i0Beta;
  }
  for (let phase = 0; phase < RATIO; phase++) {
    let sum = 0;
    for (let n = phase; n < taps; n += RATIO) sum += h[n];
    const scale = 1 / RATIO / sum;
    for (let n = phase; n < taps; n += RATIO) h[n] *= scale;
  }
  return h;
}
