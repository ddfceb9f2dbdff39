import { alawToPcm16, mulawToPcm16, pcm16ToAlaw, pcm16ToMulaw } from './g711.js';
import { db, fromBytes, tone, toBytes } from './testing/signals.js';

const ALL_SAMPLES = (() => {
  const x = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) x[i] = i - 32768;
  return x;
})();
const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);

const laws = [
  { name: 'mu-law', encode: pcm16ToMulaw, decode: mulawToPcm16 },
  { name: 'A-law', encode: pcm16ToAlaw, decode: alawToPcm16 },
] as const;

describe('G.711 reference values (ITU-T G.711 / G.191)', () => {
  const enc = (f: (pcm: Uint8Array) => Buffer, v: number) => f(toBytes(Int16Array.of(v)))[0];
  const dec = (f: (b: Uint8Array) => Buffer, c: number) => fromBytes(f(Uint8Array.of(c)))[0];

  it('encodes known values', () => {
    expect([0, -1, 32767, -32768].map((v) => enc(pcm16ToMulaw, v))).toEqual([0xff, 0x7f, 0x80, 0x00]);
    expect([0, -1, 32767, -32768].map((v) => enc(pcm16ToAlaw, v))).toEqual([0xd5, 0x55, 0xaa, 0x2a]);
  });

  it('decodes known values', () => {
    expect([0xff, 0x7f, 0x80, 0x00, 0xef].map((c) => dec(mulawToPcm16, c))).toEqual([0, 0, 32124, -32124, 132]);
    expect([0xd5, 0x55, 0xaa, 0x2a].map((c) => dec(alawToPcm16, c))).toEqual([8, -8, 32256, -32256]);
  });
});

describe.each(laws)('$name', ({ encode, decode }) => {
  const levels = Array.from(fromBytes(decode(ALL_CODES)));

  it('re-encodes every decoded code to itself (mu-law negative zero aside)', () => {
    const again = encode(decode(ALL_CODES));
    const mismatches = [...ALL_CODES].filter((c) => again[c] !== c && !(c === 0x7f && again[c] === 0xff));
    expect(mismatches).toEqual([]);
  });

  it('round-trips every 16-bit value to its quantisation level (at most half a step away)', () => {
    // G.711 reconstructs mid-interval, so the error is at most half the step of the level's
    // segment: half the larger gap to its neighbouring levels. Beyond the outermost level the
    // encoder clips to it.
    const sorted = [...new Set(levels)].sort((a, b) => a - b);
    const indexOf = new Map(sorted.map((level, k) => [level, k]));
    const back = fromBytes(decode(encode(toBytes(ALL_SAMPLES))));
    const worst = { sample: 0, decoded: 0, excessLsb: 0 };
    for (let i = 0; i < ALL_SAMPLES.length; i++) {
      const x = ALL_SAMPLES[i];
      const y = back[i];
      const k = indexOf.get(y)!;
      let allowed: number;
      if (x >= sorted[sorted.length - 1] || x <= sorted[0]) allowed = k === 0 || k === sorted.length - 1 ? Infinity : -1;
      else allowed = Math.max(k > 0 ? y - sorted[k - 1] : 0, k < sorted.length - 1 ? sorted[k + 1] - y : 0) / 2;
      const excess = Math.abs(x - y) - allowed;
      if (excess > worst.excessLsb) Object.assign(worst, { sample: x, decoded: y, excessLsb: excess });
    }
    expect(worst).toEqual({ sample: 0, decoded: 0, excessLsb: 0 });
  });

  it('carries a -10 dBFS 1 kHz tone with the codec SNR (>= 35 dB)', () => {
    const x = tone(1000, 8000, 8000, 32768 * 10 ** (-10 / 20), 0.3);
    const y = fromBytes(decode(encode(toBytes(x))));
    let signal = 0;
    let error = 0;
    for (let i = 0; i < x.length; i++) {
      signal += x[i] * x[i];
      error += (y[i] - x[i]) ** 2;
    }
    const snr = db(signal / error);
    expect({ snrAtLeast35dB: snr >= 35 ? true : snr }).toEqual({ snrAtLeast35dB: true });
  });

  it('reads PCM at an odd address and rejects an odd byte count', () => {
    const pcm = toBytes(Int16Array.of(1000, -2000, 3000));
    const backing = new Uint8Array(pcm.length + 1);
    backing.set(pcm, 1);
    expect(encode(backing.subarray(1))).toEqual(encode(pcm));
    expect(() => encode(pcm.subarray(0, 5))).toThrow(RangeError);
  });
});
