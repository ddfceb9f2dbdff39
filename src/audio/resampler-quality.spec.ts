import { Downsampler } from './downsampler.js';
import { GROUP_DELAY } from './third-band-filter.js';
import { Upsampler } from './upsampler.js';
import { expectAtLeast, expectAtMost, highest, lowest, type Measurement } from './testing/figures.js';
import { bandPower, binPower, db, fromBytes, meanSquare, tone, toneAmplitude, toBytes } from './testing/signals.js';

// Quality measured on synthetic tones. Each DFT spans a whole number of periods (10 Hz bins:
// 800 samples at 8 kHz, 2400 at 24 kHz), taken after the filter has settled.
const AMPLITUDE = 16000; // about -6 dBFS
const BINS_8K = 800;
const BINS_24K = 2400;
const SETTLE_8K = 100; // > 90 taps at 24 kHz, in 8 kHz samples
const SETTLE_24K = 3 * SETTLE_8K;

function upsample(x: Int16Array): Int16Array {
  const up = new Upsampler();
  return fromBytes(Buffer.concat([up.process(toBytes(x)), up.flush()]));
}

function downsample(x: Int16Array): Int16Array {
  const down = new Downsampler();
  return fromBytes(Buffer.concat([down.process(toBytes(x)), down.flush()]));
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let f = from; f <= to; f += step) out.push(f);
  return out;
}

/** Signal-to-error ratio of y against an ideal sinusoid, over [from, to). */
function snrAgainst(y: Int16Array, ideal: (n: number) => number, from: number, to: number): number {
  let signal = 0;
  let error = 0;
  for (let n = from; n < to; n++) {
    const want = ideal(n);
    signal += want * want;
    error += (y[n] - want) ** 2;
  }
  return db(signal / error);
}

const PASSBAND = range(100, 3400, 100);

describe('Upsampler (8 kHz -> 24 kHz) quality', () => {
  it('passes 100 Hz - 3.4 kHz within +-0.5 dB', () => {
    const deviations: Measurement[] = PASSBAND.map((f) => {
      const x = tone(f, 8000, SETTLE_8K + BINS_8K, AMPLITUDE);
      const y = upsample(x);
      const gain = toneAmplitude(y, SETTLE_24K, BINS_24K, 24000, f) / toneAmplitude(x, SETTLE_8K, BINS_8K, 8000, f);
      return { what: `|gain| at ${f} Hz`, value: Math.abs(20 * Math.log10(gain)), unit: 'dB' };
    });
    expectAtMost(highest(deviations), 0.5);
  });

  it('keeps images (energy above 4.4 kHz) at least 60 dB below in-band tones', () => {
    const rejections: Measurement[] = [...range(300, 3300, 600), 3400].map((f) => {
      const y = upsample(tone(f, 8000, SETTLE_8K + BINS_8K, AMPLITUDE));
      const wanted = 2 * binPower(y, SETTLE_24K, BINS_24K, (f * BINS_24K) / 24000);
      const images = bandPower(y, SETTLE_24K, BINS_24K, 24000, 4400, 12000);
      return { what: `image rejection for a ${f} Hz tone`, value: db(wanted / images), unit: 'dB' };
    });
    expectAtLeast(lowest(rejections), 60);
  });

  it('delays by exactly GROUP_DELAY.samples24k', () => {
    const y = upsample(tone(1000, 8000, 4000, AMPLITUDE));
    const w = (2 * Math.PI * 1000) / 24000;
    const snr = snrAgainst(y, (m) => AMPLITUDE * Math.sin(w * (m - GROUP_DELAY.samples24k)), SETTLE_24K, 11_700);
    expectAtLeast({ what: 'SNR against the ideal tone delayed by GROUP_DELAY', value: snr, unit: 'dB' }, 50);
  });
});

describe('Downsampler (24 kHz -> 8 kHz) quality', () => {
  it('passes 100 Hz - 3.4 kHz within +-0.5 dB', () => {
    const deviations: Measurement[] = PASSBAND.map((f) => {
      const x = tone(f, 24000, SETTLE_24K + BINS_24K, AMPLITUDE);
      const y = downsample(x);
      const gain = toneAmplitude(y, SETTLE_8K, BINS_8K, 8000, f) / toneAmplitude(x, SETTLE_24K, BINS_24K, 24000, f);
      return { what: `|gain| at ${f} Hz`, value: Math.abs(20 * Math.log10(gain)), unit: 'dB' };
    });
    expectAtMost(highest(deviations), 0.5);
  });

  it('keeps aliases of 4.6 - 12 kHz tones at least 60 dB below the input level', () => {
    const rejections: Measurement[] = [...range(4600, 11900, 100), 11990].map((f) => {
      const x = tone(f, 24000, SETTLE_24K + BINS_24K, AMPLITUDE);
      const y = downsample(x);
      const ratio = meanSquare(x, SETTLE_24K, BINS_24K) / meanSquare(y, SETTLE_8K, BINS_8K);
      return { what: `alias rejection for a ${f} Hz tone`, value: db(ratio), unit: 'dB' };
    });
    expectAtLeast(lowest(rejections), 60);
  });

  it('delays by exactly GROUP_DELAY.samples8k', () => {
    const y = downsample(tone(1000, 24000, 12_000, AMPLITUDE));
    const w = (2 * Math.PI * 1000) / 8000;
    const snr = snrAgainst(y, (j) => AMPLITUDE * Math.sin(w * (j - GROUP_DELAY.samples8k)), SETTLE_8K, 3_900);
    expectAtLeast({ what: 'SNR against the ideal tone delayed by GROUP_DELAY', value: snr, unit: 'dB' }, 50);
  });
});

describe('round trip 8 kHz -> 24 kHz -> 8 kHz', () => {
  // At 1 kHz the cascade's error stays under half an LSB, so the tone comes back bit-exact
  // (infinite SNR); the other tones sit between the 8 kHz samples' symmetries and show a figure.
  it('keeps tones (1 kHz and others) at least 50 dB above the error, delay-compensated', () => {
    const delay = 2 * GROUP_DELAY.samples8k;
    const snrs: Measurement[] = [1000, 310, 2730, 3400].map((f) => {
      const x = tone(f, 8000, 4000, AMPLITUDE);
      const z = downsample(upsample(x));
      const snr = snrAgainst(z, (n) => x[n - delay], SETTLE_8K, x.length);
      return { what: `round-trip SNR of ${f} Hz (delay ${delay} samples)`, value: snr, unit: 'dB' };
    });
    expectAtLeast(lowest(snrs), 50);
  });
});
