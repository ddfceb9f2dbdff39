import { bandPower, binPower, db, meanSquare, tone, toneAmplitude } from '../src/audio/testing/signals.js';

/** A whole-signal converter: int16 samples in, int16 samples out (its own delay included). */
export type Convert = (x: Int16Array) => Int16Array;

export interface QualityFigures {
  /** Worst |gain| over 100 Hz - 3.4 kHz, both directions. */
  passbandDevDb: number;
  /** Worst ratio of an in-band tone to the upsampler's output energy above 4.4 kHz. */
  imageRejectionDb: number;
  /** Worst ratio of a 4.6 - 12 kHz input tone to the downsampler's whole output. */
  aliasRejectionDb: number;
  /** Round trip SNR of 1 kHz and 3.4 kHz tones at the best whole-sample delay. */
  roundTripSnrDb: [number, number];
}

// Same method as the specs: exact-bin tones, rectangular DFT windows after settling. Signals
// are long enough for converters with a much longer delay than ours (libsamplerate's).
const A = 16000;
const IN_8K = 3000;
const IN_24K = 9000;
const WINDOW_8K = { start: 1000, length: 800 };
const WINDOW_24K = { start: 3000, length: 2400 };

function steps(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let f = from; f <= to; f += step) out.push(f);
  return out;
}

export function measureQuality(up: Convert, down: Convert): QualityFigures {
  let passbandDevDb = 0;
  for (const f of steps(100, 3400, 100)) {
    const x8 = tone(f, 8000, IN_8K, A);
    const y24 = up(x8);
    const upGain =
      toneAmplitude(y24, WINDOW_24K.start, WINDOW_24K.length, 24000, f) / toneAmplitude(x8, WINDOW_8K.start, WINDOW_8K.length, 8000, f);
    const x24 = tone(f, 24000, IN_24K, A);
    const y8 = down(x24);
    const downGain =
      toneAmplitude(y8, WINDOW_8K.start, WINDOW_8K.length, 8000, f) / toneAmplitude(x24, WINDOW_24K.start, WINDOW_24K.length, 24000, f);
    passbandDevDb = Math.max(passbandDevDb, Math.abs(20 * Math.log10(upGain)), Math.abs(20 * Math.log10(downGain)));
  }

  let imageRejectionDb = Infinity;
  for (const f of [...steps(300, 3300, 600), 3400]) {
    const y = up(tone(f, 8000, IN_8K, A));
    const wanted = 2 * binPower(y, WINDOW_24K.start, WINDOW_24K.length, (f * WINDOW_24K.length) / 24000);
    const images = bandPower(y, WINDOW_24K.start, WINDOW_24K.length, 24000, 4400, 12000);
    imageRejectionDb = Math.min(imageRejectionDb, db(wanted / images));
  }

  let aliasRejectionDb = Infinity;
  for (const f of [...steps(4600, 11900, 100), 11990]) {
    const x = tone(f, 24000, IN_24K, A);
    const y = down(x);
    const ratio = meanSquare(x, WINDOW_24K.start, WINDOW_24K.length) / meanSquare(y, WINDOW_8K.start, WINDOW_8K.length);
    aliasRejectionDb = Math.min(aliasRejectionDb, db(ratio));
  }

  const roundTrip = (f: number) => {
    const x = tone(f, 8000, IN_8K, A);
    return bestDelaySnr(x, down(up(x)));
  };
  return { passbandDevDb, imageRejectionDb, aliasRejectionDb, roundTripSnrDb: [roundTrip(1000), roundTrip(3400)] };
}

/** SNR of y against x delayed by the whole number of samples that fits best (0..400). */
function bestDelaySnr(x: Int16Array, y: Int16Array): number {
  let best = -Infinity;
  for (let d = 0; d <= 400; d++) {
    let signal = 0;
    let error = 0;
    for (let n = 1000; n < 2600; n++) {
      signal += x[n - d] * x[n - d];
      error += (y[n] - x[n - d]) ** 2;
    }
    best = Math.max(best, db(signal / error));
  }
  return best;
}
