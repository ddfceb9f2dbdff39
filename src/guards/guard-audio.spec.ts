import { fileURLToPath } from 'node:url';
import { defaultWaitSound, framesFromSamples, loadWavFrames } from './guard-audio.js';

const ANNOUNCEMENT = fileURLToPath(new URL('../../assets/failure-announcement.wav', import.meta.url));

describe('audio the service plays itself', () => {
  it('cuts samples into whole 320-byte frames, the last padded with silence', () => {
    const frames = framesFromSamples(Int16Array.from({ length: 170 }, (_, i) => i + 1));
    expect(frames.map((f) => f.length)).toEqual([320, 320]);
    expect(frames[1].readInt16LE(0)).toBe(161);
    expect(frames[1].readInt16LE(18)).toBe(170);
    expect(frames[1].subarray(20).every((b) => b === 0)).toBe(true);
  });

  it('loads the bundled announcement as about 3.8 s of speech', () => {
    const frames = loadWavFrames(ANNOUNCEMENT);
    expect(frames.length).toBeGreaterThan(180);
    expect(frames.length).toBeLessThan(200);
    const peak = Math.max(...frames.flatMap((f) => Array.from(new Int16Array(f.buffer, f.byteOffset, 160), Math.abs)));
    expect(peak).toBeGreaterThan(10000); // speech, not silence
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadWavFrames('/nonexistent/announce.wav')).toThrow('/nonexistent/announce.wav');
  });

  it('makes a quiet wait sound (-26 dBFS peak) that loops every 1.5 s', () => {
    const frames = defaultWaitSound();
    expect(frames).toHaveLength(75);
    let peak = 0;
    for (const f of frames) for (let i = 0; i < 160; i++) peak = Math.max(peak, Math.abs(f.readInt16LE(i * 2)));
    expect(20 * Math.log10(peak / 32767)).toBeCloseTo(-26, 0);
  });
});
