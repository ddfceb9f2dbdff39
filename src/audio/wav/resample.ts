/**
 * Sample-rate conversion for recordings (recordings read once: the call client's input and the service's announcements, never the hot path):
 * direct Blackman-windowed sinc interpolation, any ratio. The low-pass sits at 43% of the lower
 * rate (3.44 kHz for 8 kHz output, above the 3.4 kHz telephone band) so that everything a
 * 48 kHz or 44.1 kHz recording holds above 4 kHz is removed instead of folding back as
 * aliases; 20 sinc zero crossings a side put the Blackman transition band below 4 kHz.
 */
const CUTOFF_OF_LOWER_RATE = 0.43;
const ZERO_CROSSINGS = 20;

const AVR_RATE = 8000;

/**
 * The windowed sinc depends only on the distance in zero crossings, whatever the rates: it is
 * tabulated once (512 points per zero crossing, linearly interpolated, error ~1e-5, well under
 * the window's stopband) so the inner loop does no trigonometry.
 */
const TABLE_RESOLUTION = 512;
const KERNEL = Float64Array.from({ length: ZERO_CROSSINGS * TABLE_RESOLUTION + 2 }, (_, j) => {
  const crossings = j / TABLE_RESOLUTION;
  return crossings > ZERO_CROSSINGS ? 0 : sinc(crossings) * blackman(crossings / ZERO_CROSSINGS);
});

function resample(input: ArrayLike<number>, fromRate: number, toRate: number): Float64Array {
  if (fromRate === toRate) return Float64Array.from(input);
  const step = fromRate / toRate; // input samples per output sample
  const cutoff = (CUTOFF_OF_LOWER_RATE * Math.min(fromRate, toRate)) / fromRate; // cycles per input sample
  const halfWidth = ZERO_CROSSINGS / (2 * cutoff); // in input samples
  const tablePerSample = 2 * cutoff * TABLE_RESOLUTION; // table steps per input sample of distance
  const out = new Float64Array(Math.round(input.length / step));
  for (let n = 0; n < out.length; n++) {
    const x = n * step;
    const first = Math.max(0, Math.ceil(x - halfWidth));
    const last = Math.min(input.length - 1, Math.floor(x + halfWidth));
    let acc = 0;
    for (let k = first; k <= last; k++) {
      const pos = Math.abs(x - k) * tablePerSample;
      const j = Math.floor(pos);
      const frac = pos - j;
      acc += input[k] * (KERNEL[j] + frac * (KERNEL[j + 1] - KERNEL[j]));
    }
    out[n] = acc * 2 * cutoff;
  }
  return out;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** The Blackman window over t in [-1, 1]. */
function blackman(t: number): number {
  return 0.42 + 0.5 * Math.cos(Math.PI * t) + 0.08 * Math.cos(2 * Math.PI * t);
}

/** Floats in [-1, 1) to 16-bit, rounded and clipped. */
function floatToInt16(samples: ArrayLike<number>): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768)));
  }
  return out;
}

/** Mono floats at any rate to what AVR core sends: 8 kHz 16-bit. */
export function toMono8k(mono: ArrayLike<number>, sampleRate: number): Int16Array {
  return floatToInt16(resample(mono, sampleRate, AVR_RATE));
}
