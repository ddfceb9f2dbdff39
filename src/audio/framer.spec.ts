import { Framer } from './framer.js';
import { seededRandom } from './testing/signals.js';

function randomBytes(n: number, seed: number): Buffer {
  const rnd = seededRandom(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

describe('Framer', () => {
  it('turns any chunking into 320-byte frames and loses no byte (the last frame padded with silence)', () => {
    const audio = randomBytes(320 * 37 + 123, 1);
    for (const seed of [1, 2, 3]) {
      const rnd = seededRandom(seed);
      const framer = new Framer();
      const frames: Buffer[] = [];
      for (let at = 0; at < audio.length;) {
        const len = Math.min(audio.length - at, Math.floor(rnd() * 1000));
        framer.push(audio.subarray(at, at + len), (f) => frames.push(f));
        at += len;
      }
      framer.flush((f) => frames.push(f));
      expect(frames.every((f) => f.length === 320)).toBe(true);
      expect(frames.length).toBe(38);
      const joined = Buffer.concat(frames);
      expect(joined.subarray(0, audio.length).equals(audio)).toBe(true);
      expect(joined.subarray(audio.length).every((b) => b === 0)).toBe(true);
    }
  });

  it('emits frames that stay intact when the caller reuses its chunk buffer', () => {
    const framer = new Framer();
    const frames: Buffer[] = [];
    const reused = Buffer.alloc(500);
    const expected: Buffer[] = [];
    for (let round = 0; round < 8; round++) {
      reused.fill(round + 1);
      expected.push(Buffer.from(reused));
      framer.push(reused, (f) => frames.push(f));
    }
    framer.flush((f) => frames.push(f));
    const sent = Buffer.concat(expected);
    const padded = Buffer.concat([sent, Buffer.alloc(frames.length * 320 - sent.length)]);
    expect(Buffer.concat(frames).equals(padded)).toBe(true);
  });

  it('keeps the remainder between chunks and reports it', () => {
    const framer = new Framer();
    const frames: Buffer[] = [];
    framer.push(Buffer.alloc(100, 1), (f) => frames.push(f));
    expect(framer.pendingBytes).toBe(100);
    expect(frames).toHaveLength(0);
    framer.push(Buffer.alloc(250, 2), (f) => frames.push(f));
    expect(frames).toHaveLength(1);
    expect(framer.pendingBytes).toBe(30);
    expect(frames[0].subarray(99, 101)).toEqual(Buffer.from([1, 2]));
  });

  it('clear drops pending audio (barge-in), reports how much, and the next frame starts fresh', () => {
    const framer = new Framer();
    const frames: Buffer[] = [];
    framer.push(Buffer.alloc(450, 7), (f) => frames.push(f));
    expect(framer.clear()).toBe(130);
    expect(framer.pendingBytes).toBe(0);
    framer.flush((f) => frames.push(f));
    expect(frames).toHaveLength(1);
    framer.push(Buffer.alloc(320, 9), (f) => frames.push(f));
    expect(frames[1]).toEqual(Buffer.alloc(320, 9));
    expect(framer.clear()).toBe(0);
  });

  it('supports other frame sizes (e.g. 160-byte G.711 frames)', () => {
    const framer = new Framer(160);
    const frames: Buffer[] = [];
    framer.push(Buffer.alloc(500, 3), (f) => frames.push(f));
    framer.flush((f) => frames.push(f));
    expect(frames.map((f) => f.length)).toEqual([160, 160, 160, 160]);
    expect(frames[3].subarray(0, 20)).toEqual(Buffer.alloc(20, 3));
    expect(frames[3].subarray(20)).toEqual(Buffer.alloc(140));
  });

  it('rejects a frame size that is not a positive integer', () => {
    expect(() => new Framer(0)).toThrow(RangeError);
    expect(() => new Framer(10.5)).toThrow(RangeError);
  });
});
