import { Downsampler } from './downsampler.js';
import { GROUP_DELAY } from './third-band-filter.js';
import { Upsampler } from './upsampler.js';
import { fromBytes, seededRandom, toBytes } from './testing/signals.js';

type Converter = Upsampler | Downsampler;

const directions = [
  { name: 'Upsampler', make: (): Converter => new Upsampler(), rate: 8000, outPerIn: 3 },
  { name: 'Downsampler', make: (): Converter => new Downsampler(), rate: 24000, outPerIn: 1 / 3 },
] as const;

/** Speech-like test input: noise bursts, a tone, and stretches of near-full-scale values. */
function testSignal(samples: number, seed: number): Buffer {
  const rnd = seededRandom(seed);
  const x = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    const loud = (i >> 9) % 3 === 2;
    x[i] = loud ? (rnd() < 0.5 ? -32768 : 32767) : Math.round((rnd() * 2 - 1) * 12000 + 6000 * Math.sin(i * 0.05));
  }
  return toBytes(x);
}

/**
 * Cuts bytes into random pieces (including empty and odd-length ones), each copied to its own
 * backing store at a random offset, so odd addresses (the misaligned read path) are covered.
 */
function randomChunks(bytes: Buffer, seed: number, maxChunk: number): Uint8Array[] {
  const rnd = seededRandom(seed);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const len = Math.min(bytes.length - at, Math.floor(rnd() * (maxChunk + 1)));
    const offset = Math.floor(rnd() * 4);
    const backing = new Uint8Array(len + offset);
    backing.set(bytes.subarray(at, at + len), offset);
    chunks.push(backing.subarray(offset, offset + len));
    at += len;
  }
  return chunks;
}

function convertAll(conv: Converter, chunks: Uint8Array[]): Buffer {
  const outs = chunks.map((c) => conv.process(c));
  outs.push(conv.flush());
  return Buffer.concat(outs);
}

function firstDifference(a: Buffer, b: Buffer): string {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  const i = a.findIndex((v, k) => v !== b[k]);
  return i < 0 ? 'identical' : `byte ${i}: ${a[i]} vs ${b[i]}`;
}

describe.each(directions)('$name streaming', ({ make, rate, outPerIn }) => {
  const input = testSignal(rate / 2, 7); // half a second

  it('gives bit-identical output for any chunking, odd byte splits and odd addresses included', () => {
    const whole = convertAll(make(), [input]);
    for (const [seed, maxChunk] of [
      [1, 7],
      [2, 333],
      [3, 1001],
      [4, 4096],
    ]) {
      const chunked = convertAll(make(), randomChunks(input, seed, maxChunk));
      expect({ seed, maxChunk, result: firstDifference(chunked, whole) }).toEqual({ seed, maxChunk, result: 'identical' });
    }
  });

  it('always returns whole samples and the expected count', () => {
    const conv = make();
    let samplesIn = 0;
    let samplesOut = 0;
    for (const chunk of randomChunks(input, 9, 101)) {
      const out = conv.process(chunk);
      expect(out.length % 2).toBe(0);
      samplesOut += out.length / 2;
      samplesIn += chunk.length;
    }
    samplesIn /= 2;
    expect(samplesOut).toBe(Math.ceil(samplesIn * outPerIn));
  });

  it('flush emits the delayed tail, then starts a new stream', () => {
    const conv = make();
    const body = conv.process(input);
    const tail = conv.flush();
    const delayOut = outPerIn > 1 ? GROUP_DELAY.samples24k : GROUP_DELAY.samples8k;
    expect(tail.length).toBe(delayOut * 2);
    // The input ends in noise, not silence: the tail carries it.
    expect(fromBytes(tail).some((v) => Math.abs(v) > 1000)).toBe(true);
    expect(Buffer.concat([conv.process(input), conv.flush()])).toEqual(Buffer.concat([body, tail]));
  });

  it('flush with nothing processed emits nothing', () => {
    const conv = make();
    expect(conv.flush().length).toBe(0);
    conv.process(Uint8Array.of(0x12)); // half a sample only
    expect(conv.flush().length).toBe(0);
  });

  it('reset forgets history and a pending odd byte', () => {
    const conv = make();
    conv.process(input.subarray(0, 1001)); // ends with a dangling byte
    conv.reset();
    expect(convertAll(conv, [input])).toEqual(convertAll(make(), [input]));
  });
});

describe('saturation', () => {
  // A full-scale square wave overshoots after band-limiting (Gibbs). The output must clip at
  // the int16 limits, exactly where twice the half-scale output would exceed them, and never
  // wrap to the opposite sign.
  function square(samples: number, period: number, high: number, low: number): Buffer {
    const x = new Int16Array(samples);
    for (let i = 0; i < samples; i++) x[i] = i % period < period / 2 ? high : low;
    return toBytes(x);
  }

  it.each([
    { name: 'Upsampler', make: (): Converter => new Upsampler(), period: 8 },
    { name: 'Downsampler', make: (): Converter => new Downsampler(), period: 24 },
  ])('$name clips full-scale square waves without wrap-around', ({ make, period }) => {
    const run = (x: Buffer) => fromBytes(convertAll(make(), [x]));
    const full = run(square(4000, period, 32767, -32768));
    const half = run(square(4000, period, 16384, -16384));
    let clipped = 0;
    let worst = 0;
    for (let i = 0; i < full.length; i++) {
      const ideal = 2 * half[i];
      if (ideal > 32767 || ideal < -32768) clipped++;
      const expected = Math.max(-32768, Math.min(32767, ideal));
      worst = Math.max(worst, Math.abs(full[i] - expected));
    }
    expect({ clippedSamples: clipped > 0, worstDeviationLsb: worst <= 2 ? 'within 2' : worst }).toEqual({
      clippedSamples: true,
      worstDeviationLsb: 'within 2',
    });
  });
});
